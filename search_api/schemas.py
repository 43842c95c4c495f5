"""Response models: the API's contract, as OpenAPI publishes it."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from analyzers.model import Document
from indexer.base import SearchResult


class ResultItem(BaseModel):
    id: str
    title: str
    title_html: str = Field(description="title, HTML-escaped, query matches in <em>")
    doc_number: str
    publisher: str
    published_at: datetime | None
    kind: str
    snippet: str = Field(description="best passage, HTML-escaped, query matches in <em>; 【附件：…】 when it is from an attachment")
    url: str = Field(description="the page on the government site")


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    words: list[str] = Field(description="the query as segmented, as it was searched")
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]] = Field(description="counts for domain, unit, year, type and kind")

    @classmethod
    def from_result(cls, result: SearchResult, page: int, size: int) -> "SearchResponse":
        return cls(
            total=result.total,
            page=page,
            size=size,
            words=result.words,
            results=[
                ResultItem(
                    id=h.document.id,
                    title=h.document.title,
                    title_html=h.title_html,
                    doc_number=h.document.doc_number,
                    publisher=h.document.publisher,
                    published_at=h.document.published_at,
                    kind=h.document.kind.value,
                    snippet=h.snippet,
                    url=h.document.url,
                )
                for h in result.hits
            ],
            facets={
                name: [FacetValue(value=f.value, count=f.count) for f in values]
                for name, values in result.facets.items()
            },
        )


DocumentOut = Document


class Health(BaseModel):
    status: str
    documents: int
