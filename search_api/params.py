"""Search parameters, validated once for the JSON API and the HTML pages alike."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Query
from fastapi.exceptions import RequestValidationError
from pydantic import Field, StringConstraints

from analyzers.model import DocKind
from analyzers.unit_registry import default_registry
from indexer.base import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SEARCH_FIELDS, SORTS, SearchQuery
from indexer.query import EARLIEST_DATE, LATEST_DATE, MAX_QUERY_CHARS
from search_api.services import UNIT_PAGE_SIZE


Values = Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Query(max_length=20)]
# A page of one of a unit's lists (search_api.services.unit_detail), as deep as a search may go.
UnitPage = Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW // UNIT_PAGE_SIZE, description="page of that list")]


class DayProblem(ValueError):
    """A date field that cannot be used: `kind` is date_parsing (not YYYY-MM-DD) or date_range
    (outside the years the engines store)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def form_day(text: str) -> date | None:
    """A date field as a form sends it: YYYY-MM-DD, or empty (no limit); DayProblem otherwise.
    The search parameters and the report page both read their dates through here."""
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DayProblem("date_parsing") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise DayProblem("date_range")
    return day


_DAY_MESSAGES = {"date_parsing": "not a date: write it as 2024-02-09",
                 "date_range": f"must lie between {EARLIEST_DATE} and {LATEST_DATE}"}


def _day(text: str, name: str) -> date | None:
    """A bad date is a validation error like FastAPI's own, so that pages can say it in Chinese
    (ui.errors)."""
    try:
        return form_day(text)
    except DayProblem as problem:
        raise RequestValidationError([{"type": problem.kind, "msg": _DAY_MESSAGES[problem.kind],
                                       "loc": ("query", name), "input": text[:40]}]) from None


async def search_query(  # async: validation only, no thread-pool hand-off (see deps)
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="words, a phrase or a 文号")] = "",
    domain: Annotated[Values, Query(description="主题分类: a top category of the gov.cn tree (科技、教育: with its subcategories) or a path (科技、教育/教育); a subcategory or a site's name alone is placed in the tree (教育, 社会救助); several: any of them")] = [],  # noqa: B006 — FastAPI copies defaults
    unit: Annotated[Values, Query(description="发布机构 or 责任单位, either; aliases such as 区卫计局 work; several: any of them")] = [],  # noqa: B006
    year: Annotated[list[Annotated[int, Field(ge=1949, le=2100)]], Query(max_length=20, description="year of publication; several: any of them")] = [],  # noqa: B006
    type: Annotated[Values, Query(description="公文种类: 通知, 意见 …")] = [],  # noqa: A002, B006
    kind: Annotated[list[DocKind], Query(max_length=3, description="policy, interpretation or notice")] = [],  # noqa: B006
    publisher: Annotated[Values, Query(description="发布机构 (the issuing unit only)")] = [],  # noqa: B006
    responsible: Annotated[Values, Query(description="责任单位 (a unit a task names: 牵头, 配合 or 负责)")] = [],  # noqa: B006
    validity: Annotated[Values, Query(description="效力: 有效, 失效, 废止, 已修订 (有效 where nothing says otherwise)")] = [],  # noqa: B006
    from_text: Annotated[str, Query(alias="from", max_length=40, description="published on or after (YYYY-MM-DD)")] = "",
    to_text: Annotated[str, Query(alias="to", max_length=40, description="published on or before (YYYY-MM-DD)")] = "",
    field: Annotated[Literal[SEARCH_FIELDS], Query(description="where words without a prefix are looked for: everywhere (empty), title, doc_number or publisher")] = "",
    sort: Annotated[Literal[SORTS], Query(description="relevance (ties: newest first), newest or oldest")] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
) -> SearchQuery:
    if page * size > MAX_RESULT_WINDOW:
        raise HTTPException(422, f"page × size must not exceed {MAX_RESULT_WINDOW}: narrow the search instead")
    registry = default_registry()
    return SearchQuery(
        q=q, domain=tuple(domain), unit=tuple(registry.canonical(u) for u in unit), year=tuple(year), type=tuple(type),
        kind=tuple(k.value for k in kind), publisher=tuple(registry.canonical(p) for p in publisher),
        responsible=tuple(registry.canonical(r) for r in responsible),
        validity=tuple(validity), date_from=_day(from_text, "from"), date_to=_day(to_text, "to"),
        field=field, sort=sort, page=page, size=size,
    )


SearchQueryDep = Annotated[SearchQuery, Depends(search_query)]


def check_dates(*dates: date | None) -> None:
    """Report dates the engines can compare (a date type alone allows years 1 to 9999)."""
    if any(d is not None and not EARLIEST_DATE <= d <= LATEST_DATE for d in dates):
        raise HTTPException(422, f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}")
