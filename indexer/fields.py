"""What of a Document each engine indexes, prepared once for every engine.

Text fields are searched two ways: by jieba words (ranking) and by overlapping character
bigrams (recall: any verbatim substring is a phrase of bigrams, whatever the segmentation).
Title, body and attachments share one bigram field, "text": a verbatim match anywhere is one
phrase to evaluate instead of three (the title keeps its own, for title: queries and completion).
Both are handed to the engines as whitespace-separated token strings, so tantivy and
Elasticsearch index exactly the same tokens. Keyword fields carry facet and filter values.
Preparing is the CPU-heavy part of indexing; prepare_all spreads it over every core."""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import Iterable, Iterator

from analyzers.doc_number import doc_number_key
from analyzers.domains import indexed_values, split
from analyzers.isolation import worker_pool
from analyzers.model import Document
from analyzers.normalize import normalize
from analyzers.segment import gram_string, index_words, tokenizer
from analyzers.units import names_a_unit

# Searched by words, with their weight in ranking.
WORD_FIELDS = {"title": 3.0, "meta": 2.0, "body": 1.0, "attachments": 0.8}
# Word fields whose words are also looked for side by side (the proximity bonus): only these
# keep word positions, which would otherwise be the largest part of the index after the bigrams.
NEAR_FIELDS = ("title", "body")
# The word fields "text" is made of: a word of any of them is a verbatim substring of the text.
TEXT_PARTS = ("title", "body", "attachments")
# Searched verbatim (bigrams): everything readable, the title, and the small fields of field queries.
GRAM_FIELDS = ("text", "title", "number", "units", "domains", "publisher")
KEYWORD_FIELDS = ("domain", "unit", "responsible", "type", "kind", "form", "publisher", "unit_role", "doc_number_key",
                  "title_words", "validity")
# The validity a document is filed under when no text declares it 失效, 废止 or 已修订.
VALIDITY_DEFAULT = "有效"
PARALLEL_FROM = 256  # documents; below this forking workers costs more than it saves (~2.5 ms a document)
# documents; from here the workers are new interpreters (analyzers.isolation.worker_pool), which
# take a few seconds to start and load the dictionary, but share none of the parent's memory
FRESH_WORKERS_FROM = 20_000


def gram_field(name: str) -> str:
    return f"{name}_ng"


def text_fields(document: Document) -> dict[str, str]:
    """The texts of each engine field, normalized (analyzers.normalize) once per part: the
    title, body and attachments are also the combined "text"."""
    unit_names = [name for u in document.units for name in (u.name, u.as_written)] + [document.publisher]
    units = normalize(" ".join(dict.fromkeys(filter(None, unit_names))))
    # The tree's names, and the site's own: a site that files a notice under 社会救助 is heard.
    names = [name for path in document.domains for name in split(path)] + [document.domains_as_written]
    domains = normalize(" ".join(dict.fromkeys(filter(None, names))))
    number = normalize(document.doc_number)
    title, body = normalize(document.title), normalize(document.body)
    attachments = normalize("\n".join(f"{a.name}\n{a.text}" for a in document.attachments))
    parts = {"title": title, "body": body, "attachments": attachments}
    return {
        **parts,
        "meta": " ".join(filter(None, [number, normalize(document.index_number), units, domains])),
        # Line breaks become a marked bigram, so no query without whitespace matches across parts.
        "text": "\n".join(filter(None, (parts[name] for name in TEXT_PARTS))),
        "number": number,
        "units": units,
        "domains": domains,
        "publisher": normalize(document.publisher),
    }


def published(document: Document) -> datetime | None:
    """When the document was published (else written), as an aware UTC datetime for sorting."""
    when = document.published_at or (
        datetime.combine(document.written_date, datetime.min.time()) if document.written_date else None
    )
    return when if when is None or when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class PreparedDocument:
    id: str
    tokens: dict[str, str]  # engine field → whitespace-separated tokens
    keywords: dict[str, list[str]]
    year: int | None
    published: datetime | None
    source: str  # the Document as JSON, stored for display and snippets


def prepare(document: Document) -> PreparedDocument:
    texts = text_fields(document)
    tokens = {name: " ".join(index_words(texts[name], normalized=True)) for name in WORD_FIELDS if texts[name]}
    tokens.update({gram_field(name): gram_string(texts[name], normalized=True)
                   for name in GRAM_FIELDS if len(texts[name]) > 1})
    title_words = sorted({w for w in tokens.get("title", "").split() if len(w) > 1})
    keywords = {
        "domain": indexed_values(document.domains),
        # Only names of one body (analyzers.units.names_a_unit): 各相关科室 stays in the task text.
        "unit": [name for name in document.unit_names if names_a_unit(name)],
        "responsible": list(dict.fromkeys(u.name for u in document.units if names_a_unit(u.name))),
        "type": [document.doc_type] if document.doc_type else [],
        "kind": [document.kind.value],
        "form": [document.interpretation_form] if document.interpretation_form else [],
        "publisher": [document.publisher] if document.publisher else [],
        "unit_role": list(dict.fromkeys(f"{u.name}|{u.role}" for u in document.units)),
        "doc_number_key": [doc_number_key(document.doc_number)] if document.doc_number else [],
        "title_words": title_words,  # the vocabulary of "did you mean"
        "validity": [document.validity.status if document.validity else VALIDITY_DEFAULT],
    }
    return PreparedDocument(document.id, tokens, keywords, document.year, published(document), document.model_dump_json())


def _prepare_chunk(documents: list[Document]) -> list[PreparedDocument]:
    return [prepare(document) for document in documents]


CHUNK = 64  # documents sent to a worker at once
IN_FLIGHT = 4  # chunks a worker may be ahead of the writer: what waits is bounded, not the corpus


def prepare_all(documents: Iterable[Document], count_hint: int = 0) -> Iterator[PreparedDocument]:
    """Prepared documents in order; on every core when there are many."""
    workers = os.cpu_count() or 1
    if workers == 1 or count_hint < PARALLEL_FROM:
        yield from map(prepare, documents)
        return
    fresh = count_hint >= FRESH_WORKERS_FROM
    if not fresh:
        tokenizer()  # loaded once, before the workers fork
    with worker_pool(workers, fresh) as pool:
        pending: deque = deque()
        source = iter(documents)
        while chunk := list(islice(source, CHUNK)):
            pending.append(pool.submit(_prepare_chunk, chunk))
            if len(pending) >= workers * IN_FLIGHT:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
