"""What of a Document each engine indexes, defined once for every engine.

Text fields are searched two ways: by jieba words (ranking) and by overlapping character
bigrams (recall: any verbatim substring is a phrase of bigrams, whatever the segmentation).
Keyword fields carry the facet and filter values."""
from __future__ import annotations

from datetime import datetime, timezone

from analyzers.doc_number import doc_number_key
from analyzers.model import Document

# Searched by words, with their weight in ranking.
WORD_FIELDS = {"title": 3.0, "meta": 2.0, "body": 1.0, "attachments": 0.8}
# Searched verbatim (bigrams): the word fields, and the small fields of field queries.
GRAM_FIELDS = ("title", "meta", "body", "attachments", "number", "units", "domains")
KEYWORD_FIELDS = ("domain", "unit", "type", "kind", "form", "publisher", "unit_role", "doc_number_key")


def text_fields(document: Document) -> dict[str, str]:
    unit_names = [name for u in document.units for name in (u.name, u.as_written)] + [document.publisher]
    units = " ".join(dict.fromkeys(filter(None, unit_names)))
    domains = " ".join(document.domains)
    return {
        "title": document.title,
        "meta": " ".join(filter(None, [document.doc_number, document.index_number, units, domains])),
        "body": document.body,
        "attachments": "\n".join(f"{a.name}\n{a.text}" for a in document.attachments),
        "number": document.doc_number,
        "units": units,
        "domains": domains,
    }


def keyword_values(document: Document) -> dict[str, list[str]]:
    """The values a document is counted under and filtered by."""
    return {
        "domain": document.domains,
        "unit": document.unit_names,
        "type": [document.doc_type] if document.doc_type else [],
        "kind": [document.kind.value],
        "form": [document.interpretation_form] if document.interpretation_form else [],
        "publisher": [document.publisher] if document.publisher else [],
        "unit_role": list(dict.fromkeys(f"{u.name}|{u.role}" for u in document.units)),
        "doc_number_key": [doc_number_key(document.doc_number)] if document.doc_number else [],
    }


def published(document: Document) -> datetime | None:
    """When the document was published (else written), as an aware UTC datetime for sorting."""
    when = document.published_at or (
        datetime.combine(document.written_date, datetime.min.time()) if document.written_date else None
    )
    return when if when is None or when.tzinfo else when.replace(tzinfo=timezone.utc)
