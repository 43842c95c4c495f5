"""Search parameters, validated once for the JSON API and the HTML pages alike."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from analyzers.model import DocKind
from analyzers.unit_registry import default_registry
from indexer.base import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SearchQuery
from indexer.query import EARLIEST_DATE, LATEST_DATE, MAX_QUERY_CHARS


async def search_query(  # async: validation only, no thread-pool hand-off (see deps)
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="words, a phrase or a 文号")] = "",
    domain: Annotated[str | None, Query(max_length=100, description="主题分类 / 领域")] = None,
    unit: Annotated[str | None, Query(max_length=100, description="发布机构 or 责任单位; aliases such as 区卫计局 work")] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100, description="year of publication")] = None,
    type: Annotated[str | None, Query(max_length=20, description="公文种类: 通知, 意见 …")] = None,  # noqa: A002
    kind: Annotated[DocKind | None, Query(description="policy, interpretation or notice")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
) -> SearchQuery:
    if page * size > MAX_RESULT_WINDOW:
        raise HTTPException(422, f"page × size must not exceed {MAX_RESULT_WINDOW}: narrow the search instead")
    return SearchQuery(
        q=q, domain=domain, unit=default_registry().canonical(unit) if unit else None, year=year, type=type, kind=kind.value if kind else None, page=page, size=size
    )


SearchQueryDep = Annotated[SearchQuery, Depends(search_query)]


def check_dates(*dates: date | None) -> None:
    """Report dates the engines can compare (a date type alone allows years 1 to 9999)."""
    if any(d is not None and not EARLIEST_DATE <= d <= LATEST_DATE for d in dates):
        raise HTTPException(422, f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}")
