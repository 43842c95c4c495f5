"""The search interface every engine implements, and the query and result types it speaks.

The API depends on this module only; which engine answers is a setting."""
from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from datetime import date
from typing import Callable, Iterable, Iterator

from analyzers.abbreviations import ABBREVIATIONS_PRODUCT, abbreviation_table, learned_expansions
from analyzers.domains import default_taxonomy
from analyzers.model import Document
from indexer.query import QueryPlan, parse_query
from indexer.ranking import group_interpretations
from indexer.snippets import snippet, title_html

# 发布机构 and 责任单位 are counted apart; "unit" (a unit in either role) filters, as do validity.
FACETS = ("domain", "publisher", "responsible", "year", "type", "kind")
# Values counted per facet: 50, but the whole tree of 主题分类 (22 top categories and 121
# subcategories), so that a top category's subcategories are all in view when it is chosen.
FACET_SIZES = {name: 150 if name == "domain" else 50 for name in FACETS}
# Also countable: any unit and "unit|role" (unit lookups), title words ("did you mean").
COUNTABLE = FACETS + ("unit", "unit_role", "title_words", "validity")
FILTERS = FACETS + ("unit", "validity")
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # deepest result a page may reach, as in Elasticsearch
# How results are ordered: by relevance (ties: newest first), or by publication date.
SORTS = ("relevance", "newest", "oldest")
# Where the words of a query without a field prefix are looked for: everywhere (全文), or only
# in the title, the 文号 or the issuing unit (发文机关) — the choice beside the search box.
SEARCH_FIELDS = ("", "title", "doc_number", "publisher")


@dataclass(frozen=True)
class SearchQuery:
    """One search. Each filter holds the values asked for: a document matches a filter when it
    has any of them (OR within a facet), and every filter that has values (AND across them).
    A single value may be given as itself."""

    q: str = ""
    domain: tuple[str, ...] = ()
    unit: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    type: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    publisher: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    validity: tuple[str, ...] = ()
    date_from: date | None = None  # publication date, inclusive
    date_to: date | None = None
    field: str = ""  # one of SEARCH_FIELDS
    sort: str = "relevance"  # one of SORTS
    page: int = 1
    size: int = 10
    relax: int = 0  # steps of relaxation of a query that found nothing (query_tree.required_words)

    def __post_init__(self):
        for name in FILTERS:
            value = getattr(self, name)
            values = () if value is None or value == "" else (value,) if isinstance(value, (str, int)) else value
            object.__setattr__(self, name, tuple(dict.fromkeys(v for v in values if v not in (None, ""))))
        # A domain as people write it (教育, 科技、教育\\教育) is the one it is indexed under.
        object.__setattr__(self, "domain", tuple(dict.fromkeys(map(default_taxonomy().canonical, self.domain))))
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        if self.field not in SEARCH_FIELDS:
            raise ValueError(f"field must be one of {SEARCH_FIELDS}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def filters(self) -> dict[str, tuple]:
        """The values of each filter that has some, by field; the date range is separate."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class Hit:
    document: Document
    score: float
    snippet: str  # HTML: escaped text with <em> around matches
    title_html: str
    related: list["Hit"] = field(default_factory=list)  # interpretations found with this policy


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    plan: QueryPlan = field(default_factory=lambda: parse_query(""))  # how the query was understood
    did_you_mean: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return list(self.plan.words)


@dataclass
class Executed:
    """An engine's answer to a planned search: the total, the page as (score, document) in
    order, and the facet counts."""
    total: int
    page: list[tuple[float, Document]]
    facets: dict[str, list[FacetCount]]


@dataclass
class IndexReport:
    indexed: int
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document id, why)


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "title", "doc_number" or "unit"
    text: str
    doc_id: str | None = None

    @classmethod
    def of(cls, kind: str, document: Document) -> "Suggestion":
        """A document found by completion, shown by its 文号 or its title."""
        return cls(kind, document.doc_number if kind == "doc_number" else document.title, document.id)


def facet_counts(name: str, buckets: list[tuple[object, int]]) -> list[FacetCount]:
    """An engine's (value, count) buckets as facet counts; years newest first, others by count."""
    counts = [FacetCount(str(int(v)) if name == "year" else str(v), n) for v, n in buckets]
    if name == "year":
        counts.sort(key=lambda f: f.value, reverse=True)
    return counts


REINDEX_HINT = "rebuild it with `zhengce reindex` (from the raw store, nothing is fetched again)"


class EngineUnavailable(RuntimeError):
    """The engine cannot answer now: a cluster unreachable, refusing our credentials, of an
    unsupported version, or without a copy of some shard. The reason says which; the API answers
    503 with it."""


class IndexOutdated(RuntimeError):
    """The index holds other fields than this version of zhengce searches — it was built by an
    older version. Searching it would quietly find less, so it is refused with REINDEX_HINT."""


def search_products(documents: Iterable[Document]) -> dict[str, bytes]:
    """What searching needs besides the documents, built with them: the abbreviations the
    documents define (analyzers.abbreviations), as a derived product of the build."""
    table = abbreviation_table(documents)
    return {ABBREVIATIONS_PRODUCT: json.dumps(table, ensure_ascii=False, sort_keys=True).encode("utf-8")}


LEARNED_RECHECK = 5.0  # seconds: how often a running engine looks for a new build's abbreviations


PLANS_KEPT = 2048  # queries whose plan is kept, per table of learned abbreviations


class SearchEngine(ABC):
    _learned: tuple[float, str, Mapping[str, tuple[str, ...]]] | None = None
    _plans: tuple[Mapping[str, tuple[str, ...]], Callable[..., QueryPlan]] | None = None

    def learned_abbreviations(self) -> Mapping[str, tuple[str, ...]]:
        """The current build's abbreviation → full forms, re-read when the build changes (the
        generation is checked every few seconds: on Elasticsearch it is a request)."""
        now = time.monotonic()
        if self._learned is not None and now - self._learned[0] < LEARNED_RECHECK:
            return self._learned[2]
        generation = self.generation()
        if self._learned is not None and self._learned[1] == generation:
            self._learned = (now, generation, self._learned[2])
            return self._learned[2]
        payload = self.derived(ABBREVIATIONS_PRODUCT)
        table = learned_expansions(json.loads(payload)) if payload else {}
        self._learned = (now, generation, table)
        return table

    def plan(self, q: str, field: str = "") -> QueryPlan:
        """How a query is understood on this index: its syntax, synonyms and the abbreviations
        its documents define; `field`: where words without a prefix are looked for. Every
        engine parses through here, so both read a query alike. Plans are kept: the next
        page, another facet or sort asks the same words again."""
        learned = self.learned_abbreviations()
        plans = self._plans
        if plans is None or plans[0] is not learned:
            plans = self._plans = (learned, lru_cache(maxsize=PLANS_KEPT)(partial(parse_query, learned=learned)))
        return plans[1](q, default_field=field)

    @abstractmethod
    def replace_all(self, documents: Iterable[Document], count_hint: int = 0,
                    derived: Mapping[str, bytes] | None = None) -> IndexReport:
        """Build a fresh index of exactly these documents and switch searches to it at once.
        count_hint: roughly how many there are, to decide whether to prepare them in parallel.
        derived: products computed from these documents (the timeliness facts …), stored with
        this build and switched with it, so that a reader never pairs one build's documents
        with another's products."""

    @abstractmethod
    def apply(self, upserts: Iterable[Document], deletes: Iterable[str], count_hint: int = 0,
              derived: Mapping[str, bytes] | None = None, dropped: Iterable[str] = ()) -> IndexReport:
        """Change the index that answers in place: add these documents or replace those of their
        ids, remove the documents of `deletes`, store the `derived` products and remove those named
        in `dropped`. Searches go on answering meanwhile and see the change once it is whole; the
        generation changes with it. EngineUnavailable when there is no index to change."""

    @abstractmethod
    def derived(self, name: str) -> bytes | None:
        """A derived product of the build that answers now; None when that build has none."""

    @abstractmethod
    def check_index(self) -> None:
        """IndexOutdated when the current index was built with other fields than this version
        searches; nothing when it fits, or when there is no index yet."""

    def search(self, query: SearchQuery) -> SearchResult:
        """The whole search, the same on every engine: the query planned (plan), run by the
        engine (execute), and its page read with zhengce's snippets and highlighted titles, an
        interpretation found with its policy placed under it."""
        plan = self.plan(query.q, query.field)
        executed = self.execute(plan, query)
        if executed is None:
            return SearchResult(total=0, hits=[], facets={name: [] for name in FACETS}, plan=plan)
        terms = plan.highlight_terms
        hits = [Hit(document, score, snippet(document, terms), title_html(document, terms))
                for score, document in executed.page]
        return SearchResult(total=executed.total, hits=group_interpretations(hits), facets=executed.facets, plan=plan)

    def page(self, query: SearchQuery) -> tuple[int, list[Document]]:
        """How many documents match, and the query's page of them in its order: no facet counts,
        snippets or grouping — a listing that costs what it shows."""
        executed = self.execute(self.plan(query.q, query.field), query, count_facets=False)
        return (0, []) if executed is None else (executed.total, [document for _score, document in executed.page])

    @abstractmethod
    def execute(self, plan: QueryPlan, query: SearchQuery, count_facets: bool = True) -> Executed | None:
        """The engine's part: the plan's query tree (indexer.query_tree) rendered and run — the
        page in order, the total and (unless not wanted) the facet counts; None when there is no
        index yet."""

    @abstractmethod
    def get(self, doc_id: str) -> Document | None: ...

    @abstractmethod
    def total(self, query: SearchQuery) -> int:
        """How many documents match: no ranking, facets or documents fetched."""

    @abstractmethod
    def documents(self, query: SearchQuery) -> Iterator[Document]:
        """Every document matching the query's words and filters (paging ignored), newest first."""

    @abstractmethod
    def term_counts(self, field: str, query: SearchQuery, size: int = 1000) -> list[FacetCount]:
        """Documents per value of a COUNTABLE field among those matching the query."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def generation(self) -> str:
        """Which build of the index answers now; changes when replace_all switches."""

    @abstractmethod
    def complete(self, prefix: str, size: int = 8) -> list[Suggestion]:
        """Titles and 文号 containing what has been typed so far."""
