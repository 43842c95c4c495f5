"""The embedded engine: tantivy, on disk, no server.

Text fields get zhengce's own tokens (indexer.fields: jieba words for ranking, character
bigrams for verbatim recall) as whitespace-separated strings, so segmentation is exactly the
analyzers' and the same as Elasticsearch's. Filters and facets use raw keyword fast fields
and tantivy's aggregations. Every rebuild goes to a new
directory and CURRENT is switched by an atomic rename, so a running server never sees a
half-built index and picks up the new one at its next search."""
from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator

import tantivy
from tantivy import Occur, Query

from analyzers.doc_number import doc_number_key
from analyzers.model import Document
from analyzers.segment import query_bigrams, query_words
from analyzers.unit_registry import default_registry
from indexer.base import COUNTABLE, FACETS, FacetCount, Hit, SearchEngine, SearchQuery, SearchResult, Suggestion
from indexer.fields import GRAM_FIELDS, KEYWORD_FIELDS, WORD_FIELDS, PreparedDocument, gram_field, prepare_all
from indexer.query import QueryPlan, Term, interpretation_hint, parse_query
from indexer.ranking import TIE_WINDOW, break_ties_by_recency, group_interpretations
from indexer.snippets import snippet, title_html

GRAM_BOOST = 0.3  # verbatim matches find what words miss, but words rank
PROXIMITY_BOOST = 1.5  # the query's words side by side
DOC_NUMBER_BOOST = 20.0
FACET_SIZE = 50
_SCAN_BATCH = 1000
# Which fields a field query searches: (word fields, gram fields).
SCOPES = {
    None: (tuple(WORD_FIELDS), ("title", "meta", "body", "attachments")),
    "title": (("title",), ("title",)),
    "doc_number": ((), ("number",)),
    "unit": ((), ("units",)),
    "domain": ((), ("domains",)),
}


def _utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in WORD_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
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


class TantivyEngine(SearchEngine):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.schema = _schema()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._index: tantivy.Index | None = None

    # ---- building ----
    def replace_all(self, documents: Iterable[Document], count_hint: int = 0) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"tantivy-{time.time_ns()}"
        (self.root / name).mkdir()
        index = tantivy.Index(self.schema, path=str(self.root / name))
        writer = index.writer(heap_size=256_000_000)
        count = 0
        for prepared in prepare_all(documents, count_hint):
            writer.add_document(_to_tantivy(prepared))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")
        for old in self.root.glob("tantivy-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        return count

    # ---- reading ----
    def _open(self) -> tantivy.Index | None:
        pointer = self.root / "CURRENT"
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        with self._lock:
            if name != self._current:
                self._index = tantivy.Index.open(str(self.root / name))
                self._current = name
            return self._index

    def count(self) -> int:
        index = self._open()
        return index.searcher().num_docs if index else 0

    def get(self, doc_id: str) -> Document | None:
        index = self._open()
        if index is None:
            return None
        searcher = index.searcher()
        hits = searcher.search(Query.term_query(self.schema, "id", doc_id), limit=1).hits
        return self._document(searcher, hits[0][1]) if hits else None

    @staticmethod
    def _document(searcher: tantivy.Searcher, address) -> Document:
        return Document.model_validate_json(bytes(searcher.doc(address)["source"][0]))

    # ---- queries ----
    def _verbatim(self, text: str, fields: tuple[str, ...]) -> Query | None:
        grams = query_bigrams(text)
        if not grams or not fields:
            return None
        alternatives = []
        for name in fields:
            target = gram_field(name)
            exact = (
                Query.term_query(self.schema, target, grams[0])
                if len(grams) == 1
                else Query.phrase_query(self.schema, target, grams)
            )
            alternatives.append((Occur.Should, Query.boost_query(exact, GRAM_BOOST * WORD_FIELDS.get(name, 1.0))))
        return Query.boolean_query(alternatives)

    def _by_words(self, words: list[str], fields: tuple[str, ...]) -> Query | None:
        if not words or not fields:
            return None
        required = []
        for word in dict.fromkeys(words):
            per_field = [
                (Occur.Should, Query.boost_query(Query.term_query(self.schema, name, word), WORD_FIELDS[name]))
                for name in fields
            ]
            required.append((Occur.Must, Query.boolean_query(per_field)))
        if len(words) > 1:
            for name in ("title", "body"):
                if name in fields:
                    near = Query.phrase_query(self.schema, name, words, slop=2)
                    required.append((Occur.Should, Query.boost_query(near, PROXIMITY_BOOST * WORD_FIELDS[name])))
        return Query.boolean_query(required)

    def _keyword(self, name: str, values: list[str]) -> Query:
        return Query.boolean_query([(Occur.Should, Query.term_query(self.schema, name, v)) for v in values])

    def _text_match(self, text: str, term: Term) -> Query | None:
        """One way of writing a term (as typed, or a synonym) in the term's scope."""
        word_fields, gram_fields = SCOPES[term.field]
        words = [] if term.phrase else query_words(text)
        options = [q for q in (self._by_words(words, word_fields), self._verbatim(text, gram_fields)) if q]
        if term.field == "unit":
            registry = default_registry()
            options.append(self._keyword("unit", [registry.canonical(text)]))
        elif term.field == "domain":
            options.append(self._keyword("domain", [text]))
        hint = interpretation_hint(text) if term.field is None else None
        if hint:
            options.append(self._keyword(*hint[:1], [hint[1]]))
        key = doc_number_key(text)
        if key and term.field in (None, "doc_number"):
            options.append(Query.boost_query(Query.term_query(self.schema, "doc_number_key", key), DOC_NUMBER_BOOST))
        if not options:  # one character typed in a bigram-only scope
            return None
        return options[0] if len(options) == 1 else Query.boolean_query([(Occur.Should, q) for q in options])

    def _term_query(self, term: Term) -> Query:
        matches = [q for q in (self._text_match(t, term) for t in (term.text, *term.synonyms)) if q]
        if not matches:
            return Query.empty_query()
        return matches[0] if len(matches) == 1 else Query.boolean_query([(Occur.Should, q) for q in matches])

    def _plan_query(self, plan: QueryPlan) -> Query:
        clauses = []
        for group in plan.groups:
            if len(group) == 1 and group[0].negated:
                clauses.append((Occur.MustNot, self._term_query(group[0])))
                continue
            either = [self._term_query(t) for t in group]
            clauses.append((Occur.Must, either[0] if len(either) == 1 else Query.boolean_query(
                [(Occur.Should, q) for q in either])))
        if all(occur == Occur.MustNot for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _filtered(self, base: Query, query: SearchQuery, plan: QueryPlan) -> Query:
        clauses = [(Occur.Must, base)]
        for name, value in query.filters().items():
            term = Query.term_query(self.schema, name, value)
            clauses.append((Occur.Must, Query.const_score_query(term, 0.0)))
        starts = [d for d in (query.date_from, plan.date_from) if d]
        ends = [d for d in (query.date_to, plan.date_to) if d]
        if starts or ends:
            lower = _utc(max(starts)) if starts else None
            upper = _utc(min(ends) + timedelta(days=1)) if ends else None
            dates = Query.range_query(
                self.schema, "published", tantivy.FieldType.Date, lower, upper, include_upper=upper is None
            )
            clauses.append((Occur.Must, Query.const_score_query(dates, 0.0)))
        return base if len(clauses) == 1 else Query.boolean_query(clauses)

    def _full_query(self, plan: QueryPlan, query: SearchQuery) -> Query:
        base = self._plan_query(plan) if plan.has_text else Query.all_query()
        return self._filtered(base, query, plan)

    @staticmethod
    def _counts(searcher: tantivy.Searcher, query: Query, fields: tuple[str, ...], size: int) -> dict[str, list[FacetCount]]:
        result = searcher.aggregate(query, {name: {"terms": {"field": name, "size": size}} for name in fields})
        counts = {}
        for name in fields:
            buckets = result.get(name, {}).get("buckets", [])
            values = [FacetCount(str(int(b["key"]) if name == "year" else b["key"]), b["doc_count"]) for b in buckets]
            if name == "year":
                values.sort(key=lambda f: f.value, reverse=True)
            counts[name] = values
        return counts

    def term_counts(self, field: str, query: SearchQuery, size: int = 1000) -> list[FacetCount]:
        if field not in COUNTABLE:
            raise ValueError(f"{field!r} is not countable; use one of {COUNTABLE}")
        index = self._open()
        if index is None:
            return []
        plan = parse_query(query.q)
        return self._counts(index.searcher(), self._full_query(plan, query), (field,), size)[field]

    def documents(self, query: SearchQuery) -> Iterator[Document]:
        index = self._open()
        if index is None:
            return
        searcher = index.searcher()
        full = self._full_query(parse_query(query.q), query)
        offset = 0
        while True:
            found = searcher.search(full, limit=_SCAN_BATCH, offset=offset, count=False, order_by_field="published")
            for _date, address in found.hits:
                yield self._document(searcher, address)
            if len(found.hits) < _SCAN_BATCH:
                return
            offset += _SCAN_BATCH

    def _ranked(self, searcher: tantivy.Searcher, full: Query, query: SearchQuery, by_score: bool) -> tuple[int, list]:
        """(total, [(score, address)]) of the requested page."""
        if not by_score:
            found = searcher.search(full, limit=query.size, offset=query.offset, count=True, order_by_field="published")
            return found.count or 0, [(0.0, address) for _when, address in found.hits]
        found = searcher.search(full, limit=query.offset + query.size + TIE_WINDOW, count=True)
        addresses = [address for _score, address in found.hits]
        stamps = searcher.fast_field_values("published_ts", addresses) if addresses else []
        ordered = break_ties_by_recency(
            [(score, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None, (score, address))
             for (score, address), ts in zip(found.hits, stamps)]
        )
        return found.count or 0, ordered[query.offset : query.offset + query.size]

    def search(self, query: SearchQuery) -> SearchResult:
        plan = parse_query(query.q)
        index = self._open()
        if index is None:
            return SearchResult(total=0, hits=[], facets={name: [] for name in FACETS}, plan=plan)
        searcher = index.searcher()
        full = self._full_query(plan, query)
        total, page = self._ranked(searcher, full, query, by_score=plan.has_text)
        terms = plan.highlight_terms
        hits = []
        for score, address in page:
            document = self._document(searcher, address)
            hits.append(Hit(document, float(score), snippet(document, terms), title_html(document, terms)))
        return SearchResult(
            total=total,
            hits=group_interpretations(hits),
            facets=self._counts(searcher, full, FACETS, FACET_SIZE),
            plan=plan,
        )

    def complete(self, prefix: str, size: int = 8) -> list[Suggestion]:
        index = self._open()
        text = " ".join(prefix.split()).lower()
        if index is None or len(text) < 2:
            return []
        searcher = index.searcher()
        suggestions: list[Suggestion] = []
        for kind, field_name in (("doc_number", "number"), ("title", "title")):
            found = self._verbatim(text, (field_name,))
            for _score, address in searcher.search(found, limit=size).hits:
                document = self._document(searcher, address)
                shown = document.doc_number if kind == "doc_number" else document.title
                suggestions.append(Suggestion(kind, shown, document.id))
        return suggestions[:size]
