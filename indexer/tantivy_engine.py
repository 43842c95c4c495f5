"""The embedded engine: tantivy, on disk, no server.

Text fields get zhengce's own tokens (indexer.fields: jieba words for ranking, character
bigrams for verbatim recall) as whitespace-separated strings, so segmentation is exactly the
analyzers' and the same as Elasticsearch's. Filters and facets use raw keyword fast fields
and tantivy's aggregations. Every rebuild goes to a new directory and CURRENT is switched by
an atomic rename, so a running server never sees a half-built index and picks up the new one
at its next search."""
from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Iterable, Iterator

import tantivy
from tantivy import Occur, Query

from analyzers.model import Document
from indexer.base import (
    COUNTABLE, FACET_SIZES, REINDEX_HINT, EngineUnavailable, Executed, FacetCount, IndexOutdated, IndexReport,
    SearchEngine, SearchQuery, Suggestion, facet_counts,
)
from indexer.fields import GRAM_FIELDS, KEYWORD_FIELDS, NEAR_FIELDS, WORD_FIELDS, PreparedDocument, gram_field, prepare_all
from indexer.query import QueryPlan
from indexer.query_tree import (
    ConstantNode, DateRangeNode, MatchAll, MatchNone, Node, PhraseNode, TermNode, completion_nodes, matching_node,
    search_node,
)
from indexer.ranking import TIE_WINDOW, break_ties_by_recency

FACET_THREAD_FROM = 50_000  # documents
# tantivy-py as scripts/build-tantivy.sh builds it ranks, counts and aggregates in one pass over
# the matches; the released binding takes a second pass to aggregate (the same counts).
ONE_PASS = hasattr(tantivy.Searcher, "search_and_aggregate")
_SCAN_BATCH = 1000


def _utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


@cache
def _facet_pool() -> ThreadPoolExecutor:
    """One per process, shared by every engine, started at the first search."""
    return ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="facets")


def _aggregations(sizes: Mapping[str, int]) -> dict:
    return {name: {"terms": {"field": name, "size": size}} for name, size in sizes.items()}


def _facets(aggregated: dict, sizes: Mapping[str, int]) -> dict[str, list[FacetCount]]:
    return {name: facet_counts(name, [(b["key"], b["doc_count"]) for b in aggregated.get(name, {}).get("buckets", [])])
            for name in sizes}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class _Runnable:
    """Threads running or ready to run on the whole machine at this moment, the caller included:
    the kernel's nr_running, /proc/loadavg's fourth field (Linux). None where it cannot be read,
    or reads 0 — impossible while the caller runs, so a sandbox's made-up file. The file is
    opened once and read again from its start (1-2 µs a reading)."""

    def __init__(self, path: str = "/proc/loadavg"):
        self._path, self._fd = path, None

    def __call__(self) -> int | None:
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDONLY)
            running = int(os.pread(self._fd, 128, 0).split()[3].split(b"/")[0])
        except (OSError, IndexError, ValueError):
            return None
        return running or None


class _SpareCore:
    """Whether a core is idle now, read at every search. Counting facets beside ranking only pays
    when one is: with two processes searching at once on 2 cores (100,000 documents), handing off
    cost 3.26 against 3.07 ms of CPU per search, and each search took longer too. The load
    average this once read rose too slowly for bursts: through 1,200 searches from 8 clients
    (2 s) it still said "spare", and the server spent 3.36-3.44 ms a search against 2.72-2.95
    inline. Where nothing can be read, one pass on this thread: the least CPU."""

    def __init__(self, cores: int, runnable: Callable[[], int | None]):
        self.cores = cores
        self._runnable = runnable

    def __call__(self) -> bool:
        running = self._runnable()
        return running is not None and running < self.cores


spare_core = _SpareCore(_cores(), _Runnable())


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in WORD_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position" if name in NEAR_FIELDS else "freq")
    for name in GRAM_FIELDS:
        builder.add_text_field(gram_field(name), tokenizer_name="whitespace")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_date_field("published", indexed=True, fast=True)
    builder.add_integer_field("published_ts", fast=True)
    builder.add_bytes_field("source", stored=True)
    return builder.build()


def _to_tantivy(prepared: PreparedDocument) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", prepared.id)
    for name, tokens in prepared.tokens.items():
        doc.add_text(name, tokens)
    for name, values in prepared.keywords.items():
        for value in values:
            doc.add_text(name, value)
    if prepared.year:
        doc.add_integer("year", prepared.year)
    if prepared.published:
        doc.add_date("published", prepared.published)
        doc.add_integer("published_ts", int(prepared.published.timestamp()))
    doc.add_bytes("source", prepared.source.encode("utf-8"))
    return doc


DERIVED = "derived"  # folder of a build's derived products


class TantivyEngine(SearchEngine):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.schema = _schema()
        self._lock = threading.Lock()
        self._current: str | None = None  # the build's folder
        self._generation = ""  # what CURRENT says: the build, and its last update
        self._index: tantivy.Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._searcher_now: tantivy.Searcher | None = None

    # ---- building ----
    def replace_all(self, documents: Iterable[Document], count_hint: int = 0,
                    derived: Mapping[str, bytes] | None = None) -> IndexReport:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"tantivy-{time.time_ns()}"
        (self.root / name).mkdir()
        index = tantivy.Index(self.schema, path=str(self.root / name))
        report = self._write(index, documents, None, count_hint)
        if derived:
            (self.root / name / DERIVED).mkdir()
            for product, payload in derived.items():
                (self.root / name / DERIVED / product).write_bytes(payload)
        self._point_to(name)
        for old in self.root.glob("tantivy-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        return report

    def apply(self, upserts: Iterable[Document], deletes: Iterable[str], count_hint: int = 0,
              derived: Mapping[str, bytes] | None = None, dropped: Iterable[str] = ()) -> IndexReport:
        pointer = self._pointer()
        if pointer is None:
            raise EngineUnavailable(f"there is no index in {self.root} to update; build one with `zhengce reindex`")
        name = pointer.split()[0]
        report = self._write(tantivy.Index.open(str(self.root / name)), upserts, deletes, count_hint)
        # Each product is replaced whole (written aside, renamed); the pointer moves after them.
        products = self.root / name / DERIVED
        products.mkdir(exist_ok=True)
        for product, payload in (derived or {}).items():
            aside = products / f".{product}.tmp"
            aside.write_bytes(payload)
            os.replace(aside, products / product)
        for product in dropped:
            (products / product).unlink(missing_ok=True)
        self._point_to(f"{name} {time.time_ns()}")
        return report

    @staticmethod
    def _write(index: tantivy.Index, upserts: Iterable[Document], deletes: Iterable[str] | None,
               count_hint: int) -> IndexReport:
        """One commit. deletes: None for a new index; else these ids are deleted first, and
        each document replaces any of its id."""
        writer = index.writer(heap_size=256_000_000)
        report = IndexReport(indexed=0)
        for doc_id in deletes or ():
            writer.delete_documents_by_term("id", doc_id)
        for prepared in prepare_all(upserts, count_hint):
            if deletes is not None:
                writer.delete_documents_by_term("id", prepared.id)
            try:
                writer.add_document(_to_tantivy(prepared))
                report.indexed += 1
            except ValueError as exc:  # a value tantivy refuses: that document only
                report.failed.append((prepared.id, str(exc)))
        writer.commit()
        writer.wait_merging_threads()
        return report

    def _point_to(self, generation: str) -> None:
        """CURRENT names the build that answers and, after an update, when it was changed."""
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(generation, encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")

    def _pointer(self) -> str | None:
        try:
            return (self.root / "CURRENT").read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    # ---- reading ----
    def _searcher(self) -> tantivy.Searcher | None:
        """The searcher of the current build, reused across searches (its document-store cache
        with it). CURRENT is stat-ed on every call and read only when it was replaced."""
        pointer = self.root / "CURRENT"
        try:
            stat = pointer.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp:
                generation = self._pointer() or ""
                name = generation.split()[0] if generation else ""
                if name != self._current:
                    index = tantivy.Index.open(str(self.root / name))
                    if index.schema != self.schema:
                        raise IndexOutdated(f"the index {self.root / name} has other fields than this version "
                                            f"of zhengce searches; {REINDEX_HINT}")
                    self._index, self._current = index, name
                    self._searcher_now = index.searcher()
                elif generation != self._generation and self._index is not None:
                    # An update committed to this build: a new searcher sees it, this one's
                    # searches finish on the snapshot they began with.
                    self._index.reload()
                    self._searcher_now = self._index.searcher()
                self._generation = generation
                self._stamp = stamp
            return self._searcher_now

    def check_index(self) -> None:
        self._searcher()

    def derived(self, name: str) -> bytes | None:
        self._searcher()
        if self._current is None or "/" in name or name.startswith("."):
            return None
        try:
            return (self.root / self._current / DERIVED / name).read_bytes()
        except FileNotFoundError:
            return None

    def count(self) -> int:
        searcher = self._searcher()
        return searcher.num_docs if searcher else 0

    def generation(self) -> str:
        self._searcher()
        return self._generation

    def get(self, doc_id: str) -> Document | None:
        searcher = self._searcher()
        if searcher is None:
            return None
        hits = searcher.search(Query.term_query(self.schema, "id", doc_id), limit=1).hits
        return self._document(searcher, hits[0][1]) if hits else None

    @staticmethod
    def _document(searcher: tantivy.Searcher, address) -> Document:
        return Document.model_validate_json(bytes(searcher.doc(address)["source"][0]))

    # ---- queries ----
    def _render(self, node: Node, unscored: bool = False) -> Query:
        """The engine-neutral query tree (indexer.query_tree) as tantivy queries. `unscored`:
        under a constant score, where only which documents match counts."""
        if isinstance(node, TermNode):
            return _boosted(Query.term_query(self.schema, node.field, node.value), node.boost)
        if isinstance(node, PhraseNode):
            words: list = list(node.tokens)
            if unscored and node.overlapping and node.slop == 0 and len(words) > 2:
                # Every second bigram and the last, at their offsets: the same documents for a
                # third to a half less work (a 9-bigram fragment in 21,000 documents: 10.4 → 6.1 ms).
                words = [(i, words[i]) for i in sorted({*range(0, len(words), 2), len(words) - 1})]
            phrase = Query.phrase_query(self.schema, node.field, words, slop=node.slop)
            return _boosted(phrase, node.boost)
        if isinstance(node, ConstantNode):
            return Query.const_score_query(self._render(node.child, unscored=True), node.score)
        if isinstance(node, DateRangeNode):
            return Query.range_query(
                self.schema, node.field, tantivy.FieldType.Date,
                _utc(node.start) if node.start else None, _utc(node.end) if node.end else None,
                include_upper=node.end is None,
            )
        if isinstance(node, MatchAll):
            return Query.all_query()
        if isinstance(node, MatchNone):
            return Query.empty_query()
        clauses = (
            [(Occur.Must, self._render(n, unscored)) for n in node.must]
            + [(Occur.Should, self._render(n, unscored)) for n in node.should]
            + [(Occur.MustNot, self._render(n, unscored=True)) for n in node.must_not]
            + [(Occur.Must, Query.const_score_query(self._render(n, unscored=True), 0.0)) for n in node.filter]
        )
        if not node.must and not node.should and not node.filter:
            clauses.append((Occur.Must, Query.all_query()))
        if node.minimum_should_match:
            return Query.boolean_query(clauses, minimum_number_should_match=node.minimum_should_match)
        return Query.boolean_query(clauses)

    def _matching_query(self, plan: QueryPlan, query: SearchQuery) -> Query:
        """What counting and listing in date order run: the same documents, unscored."""
        return self._render(matching_node(plan, query), unscored=True)

    @staticmethod
    def _counts(searcher: tantivy.Searcher, query: Query, sizes: Mapping[str, int]) -> dict[str, list[FacetCount]]:
        return _facets(searcher.aggregate(query, _aggregations(sizes)), sizes)

    def term_counts(self, field: str, query: SearchQuery, size: int = 1000) -> list[FacetCount]:
        if field not in COUNTABLE:
            raise ValueError(f"{field!r} is not countable; use one of {COUNTABLE}")
        searcher = self._searcher()
        if searcher is None:
            return []
        plan = self.plan(query.q, query.field)
        return self._counts(searcher, self._matching_query(plan, query), {field: size})[field]

    def total(self, query: SearchQuery) -> int:
        searcher = self._searcher()
        if searcher is None:
            return 0
        matching = self._matching_query(self.plan(query.q, query.field), query)
        return searcher.search(matching, limit=1, count=True).count or 0

    def documents(self, query: SearchQuery) -> Iterator[Document]:
        searcher = self._searcher()
        if searcher is None:
            return
        matching = self._matching_query(self.plan(query.q, query.field), query)
        offset = 0
        while True:
            found = searcher.search(matching, limit=_SCAN_BATCH, offset=offset, count=False, order_by_field="published")
            for _date, address in found.hits:
                yield self._document(searcher, address)
            if len(found.hits) < _SCAN_BATCH:
                return
            offset += _SCAN_BATCH

    def _ranked(self, searcher: tantivy.Searcher, ranking: Query, query: SearchQuery, by_score: bool,
                sizes: Mapping[str, int]) -> tuple[int, list, dict[str, list[FacetCount]] | None]:
        """(total, [(score, address)] of the requested page, and, ranked by score, the facet
        counts of `sizes` from the same pass — the caller asks only where the binding can)."""
        if not by_score:
            order = tantivy.Order.Asc if query.sort == "oldest" else tantivy.Order.Desc
            found = searcher.search(ranking, limit=query.size, offset=query.offset, count=True,
                                    order_by_field="published", order=order)
            return found.count or 0, [(0.0, address) for _when, address in found.hits], None
        limit = query.offset + query.size + TIE_WINDOW
        facets = None
        if sizes:
            # Counted over the ranking tree's matches: the matching tree's, by construction
            # (query_tree.matching_node), so the counts are the same.
            total, hits, aggregated = searcher.search_and_aggregate(ranking, limit, _aggregations(sizes))
            facets = _facets(aggregated, sizes)
        else:
            found = searcher.search(ranking, limit=limit, count=True)
            total, hits = found.count or 0, found.hits
        addresses = [address for _score, address in hits]
        stamps = searcher.fast_field_values("published_ts", addresses) if addresses else []
        ordered = break_ties_by_recency(
            [(score, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None, (score, address))
             for (score, address), ts in zip(hits, stamps)]
        )
        return total, ordered[query.offset : query.offset + query.size], facets

    def execute(self, plan: QueryPlan, query: SearchQuery, count_facets: bool = True) -> Executed | None:
        searcher = self._searcher()
        if searcher is None:
            return None
        by_score = plan.has_text and query.sort == "relevance"
        sizes = FACET_SIZES if count_facets else {}
        # tantivy lets go of the GIL while it searches: in a large index, on a machine with a
        # core to spare, facets are counted on it while this thread ranks and reads the page,
        # which hides most of their cost (sooner than one pass doing both). In a small index the
        # hand-off costs more CPU than it hides (measured: +15-30% CPU per search at 3,000 and
        # 10,000 documents, for the same latency), and on a busy machine there is no core to
        # hide it on (_SpareCore): there one pass ranks and counts, where the binding can.
        hand_off = bool(sizes) and searcher.num_docs >= FACET_THREAD_FROM and spare_core()
        one_pass = by_score and bool(sizes) and ONE_PASS and not hand_off
        # One pass needs no matching tree: neither made nor rendered.
        matching = None if one_pass else self._matching_query(plan, query)
        ranking = self._render(search_node(plan, query)) if by_score else matching
        counting = _facet_pool().submit(self._counts, searcher, matching, sizes) if hand_off else None
        total, page, facets = self._ranked(searcher, ranking, query, by_score, sizes if one_pass else {})
        documents = [(float(score), self._document(searcher, address)) for score, address in page]
        if facets is None:
            facets = counting.result() if counting else self._counts(searcher, matching, sizes) if sizes else {}
        return Executed(total, documents, facets)

    def complete(self, prefix: str, size: int = 8) -> list[Suggestion]:
        searcher = self._searcher()
        if searcher is None:
            return []
        suggestions: list[Suggestion] = []
        for kind, node in completion_nodes(prefix):
            for _score, address in searcher.search(self._render(node), limit=size).hits:
                suggestions.append(Suggestion.of(kind, self._document(searcher, address)))
        return suggestions[:size]
