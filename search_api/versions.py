"""A document's texts over time: the earlier versions the raw store kept (carried by the indexed
document) and the current one, and the line diff between any two."""
from __future__ import annotations

import difflib
from datetime import datetime

from pydantic import BaseModel, Field

from analyzers.model import Document, Version


class VersionOut(BaseModel):
    number: int
    fetched_at: datetime | None
    content_hash: str
    title: str
    current: bool


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    title: tuple[str, str] | None = Field(None, description="(old, new) when the title changed")
    diff: list[str] = Field(description="unified diff of the text, one line each ('+', '-', ' ', '@@')")
    added: int
    removed: int


def all_versions(document: Document) -> list[Version]:
    current = Version(number=len(document.versions) + 1, fetched_at=document.fetched_at,
                      content_hash=document.content_hash, title=document.title, body=document.body)
    return [*document.versions, current]


def version_list(document: Document) -> list[VersionOut]:
    versions = all_versions(document)
    return [VersionOut(number=v.number, fetched_at=v.fetched_at, content_hash=v.content_hash, title=v.title,
                       current=v is versions[-1]) for v in versions]


def diff(document: Document, old: int, new: int) -> DiffOut:
    """Raises KeyError for a version number the document does not have."""
    by_number = {v.number: v for v in all_versions(document)}
    a, b = by_number[old], by_number[new]
    lines = list(difflib.unified_diff(a.body.splitlines(), b.body.splitlines(),
                                      f"版本 {old}", f"版本 {new}", lineterm="", n=1))[2:]
    return DiffOut(
        from_version=old, to_version=new, title=(a.title, b.title) if a.title != b.title else None, diff=lines,
        added=sum(1 for line in lines if line.startswith("+")),
        removed=sum(1 for line in lines if line.startswith("-")),
    )
