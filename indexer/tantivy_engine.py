"""The embedded engine: tantivy, on disk, no server.

Text fields are fed zhengce's own jieba tokens (PreTokenizedString), so segmentation is exactly
the analyzers'; filters and facets use raw keyword fast fields and tantivy's aggregations.
Every rebuild goes to a new directory and CURRENT is switched by an atomic rename, so a running
server never sees a half-built index and picks up the new one at its next search."""
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

from analyzers.model import Document
from analyzers.segment import index_tokens
from analyzers.doc_number import doc_number_key
from indexer.base import COUNTABLE, FACETS, FacetCount, Hit, SearchEngine, SearchQuery, SearchResult
from indexer.query import QueryPlan, plan_query
from indexer.snippets import snippet, title_html

TEXT_FIELDS = {"title": 3.0, "meta": 2.0, "body": 1.0, "attachments": 0.8}
KEYWORD_FIELDS = ("domain", "unit", "type", "kind", "publisher", "unit_role")
DOC_NUMBER_BOOST = 20.0
FACET_SIZE = 50
_SCAN_BATCH = 1000


def _utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_text_field("doc_number_key", tokenizer_name="raw")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_date_field("published", indexed=True, fast=True)
    builder.add_bytes_field("source", stored=True)
    return builder.build()


def _pre_tokenized(text: str) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(t.text, t.position, t.start, t.end) for t in index_tokens(text)]
    return tantivy.PreTokenizedString(text, tokens)


def facet_values(document: Document) -> dict[str, list]:
    """The values a document is counted under in each countable field."""
    return {
        "domain": document.domains,
        "unit": document.unit_names,
        "type": [document.doc_type] if document.doc_type else [],
        "kind": [document.kind.value],
        "year": [document.year] if document.year else [],
        "publisher": [document.publisher] if document.publisher else [],
        "unit_role": list(dict.fromkeys(f"{u.name}|{u.role}" for u in document.units)),
    }


def _to_tantivy(document: Document) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", document.id)
    meta = " ".join(filter(None, [document.doc_number, document.publisher, document.index_number]))
    texts = {
        "title": document.title,
        "meta": meta,
        "body": document.body,
        "attachments": "\n".join(f"{a.name}\n{a.text}" for a in document.attachments),
    }
    for name, text in texts.items():
        if text:
            doc.add_pre_tokenized_text(name, _pre_tokenized(text))
    if document.doc_number:
        doc.add_text("doc_number_key", doc_number_key(document.doc_number))
    values = facet_values(document)
    for name in KEYWORD_FIELDS:
        for value in values[name]:
            doc.add_text(name, value)
    for year in values["year"]:
        doc.add_integer("year", year)
    when = document.published_at or (
        datetime.combine(document.written_date, datetime.min.time()) if document.written_date else None
    )
    if when:
        doc.add_date("published", when if when.tzinfo else when.replace(tzinfo=timezone.utc))
    doc.add_bytes("source", document.model_dump_json().encode("utf-8"))
    return doc


class TantivyEngine(SearchEngine):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.schema = _schema()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._index: tantivy.Index | None = None

    # ---- building ----
    def replace_all(self, documents: Iterable[Document]) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"tantivy-{time.time_ns()}"
        (self.root / name).mkdir()
        index = tantivy.Index(self.schema, path=str(self.root / name))
        writer = index.writer(heap_size=256_000_000)
        count = 0
        for document in documents:
            writer.add_document(_to_tantivy(document))
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
        if not hits:
            return None
        return self._document(searcher, hits[0][1])

    @staticmethod
    def _document(searcher: tantivy.Searcher, address) -> Document:
        return Document.model_validate_json(bytes(searcher.doc(address)["source"][0]))

    def _text_query(self, plan: QueryPlan) -> Query | None:
        words = list(dict.fromkeys(plan.words))
        clauses = []
        for word in words:
            per_field = [
                (Occur.Should, Query.boost_query(Query.term_query(self.schema, name, word), boost))
                for name, boost in TEXT_FIELDS.items()
            ]
            clauses.append((Occur.Must, Query.boolean_query(per_field)))
        if len(plan.words) > 1:
            for name in ("title", "body"):
                phrase = Query.phrase_query(self.schema, name, list(plan.words))
                clauses.append((Occur.Should, Query.boost_query(phrase, TEXT_FIELDS[name])))
        text_query = Query.boolean_query(clauses) if clauses else None
        if plan.doc_number_key:
            by_number = Query.boost_query(
                Query.term_query(self.schema, "doc_number_key", plan.doc_number_key), DOC_NUMBER_BOOST
            )
            alternatives = [(Occur.Should, by_number)] + ([(Occur.Should, text_query)] if text_query else [])
            return Query.boolean_query(alternatives)
        return text_query

    def _filtered(self, base: Query, query: SearchQuery) -> Query:
        clauses = [(Occur.Must, base)]
        for name, value in query.filters().items():
            term = Query.term_query(self.schema, name, value)
            clauses.append((Occur.Must, Query.const_score_query(term, 0.0)))
        if query.date_from or query.date_to:
            lower = _utc(query.date_from) if query.date_from else None
            upper = _utc(query.date_to + timedelta(days=1)) if query.date_to else None
            dates = Query.range_query(
                self.schema, "published", tantivy.FieldType.Date, lower, upper, include_upper=upper is None
            )
            clauses.append((Occur.Must, Query.const_score_query(dates, 0.0)))
        return base if len(clauses) == 1 else Query.boolean_query(clauses)

    def _full_query(self, plan: QueryPlan, query: SearchQuery) -> Query:
        base = (self._text_query(plan) or Query.empty_query()) if plan.text else Query.all_query()
        return self._filtered(base, query)

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
        full = self._full_query(plan_query(query.q), query)
        return self._counts(index.searcher(), full, (field,), size)[field]

    def documents(self, query: SearchQuery) -> Iterator[Document]:
        index = self._open()
        if index is None:
            return
        searcher = index.searcher()
        full = self._full_query(plan_query(query.q), query)
        offset = 0
        while True:
            found = searcher.search(full, limit=_SCAN_BATCH, offset=offset, count=False, order_by_field="published")
            for _date, address in found.hits:
                yield self._document(searcher, address)
            if len(found.hits) < _SCAN_BATCH:
                return
            offset += _SCAN_BATCH

    def search(self, query: SearchQuery) -> SearchResult:
        plan = plan_query(query.q)
        index = self._open()
        if index is None:
            return SearchResult(total=0, hits=[], facets={name: [] for name in FACETS}, words=list(plan.words))
        searcher = index.searcher()
        full = self._full_query(plan, query)
        if plan.text:
            found = searcher.search(full, limit=query.size, offset=query.offset, count=True)
        else:
            found = searcher.search(full, limit=query.size, offset=query.offset, count=True, order_by_field="published")
        terms = plan.highlight_terms
        hits = []
        for score, address in found.hits:
            document = self._document(searcher, address)
            score_value = float(score) if plan.text else 0.0
            hits.append(Hit(document, score_value, snippet(document, terms), title_html(document, terms)))
        return SearchResult(
            total=found.count or 0, hits=hits, facets=self._counts(searcher, full, FACETS, FACET_SIZE), words=list(plan.words)
        )
