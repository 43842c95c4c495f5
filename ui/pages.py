"""HTML pages: search with facets and highlights, and a document page with its attachments,
责任单位 and 相关解读. Jinja2 autoescapes everything; only snippets and titles that zhengce
itself escaped and marked (indexer.snippets) are inserted as HTML."""
from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from analyzers.model import KIND_LABELS, DocKind, LinkMethod, UnitRole
from indexer.base import SearchQuery
from search_api import services
from search_api.auth import OptionalStaffDep, StaffStoreDep
from search_api.deps import EngineDep, SettingsDep
from search_api.exports import DUE_LABELS
from indexer.query import EARLIEST_DATE, LATEST_DATE
from search_api.params import SearchQueryDep
from search_api.services import ReportSelection, timeliness_report, unit_detail, units_overview
from search_api.versions import diff
from ui.templating import HERE, templates

STATIC_DIR = HERE / "static"

FACET_TITLES = {"domain": "主题分类", "unit": "发布机构 / 责任单位", "year": "年份", "type": "公文种类", "kind": "类别"}
KIND_NAMES = {kind.value: label for kind, label in KIND_LABELS.items()}
LINK_METHODS = {
    LinkMethod.hyperlink: "政策页链接",
    LinkMethod.backlink: "解读页链接",
    LinkMethod.doc_number: "引用文号",
    LinkMethod.quoted_title: "引用标题",
    LinkMethod.similarity: "内容相似",
}

router = APIRouter(include_in_schema=False)


def _url(request: Request, page: int = 1, **changes) -> str:
    """This page's URL with some parameters changed (None removes one), at the given page."""
    params = dict(request.query_params)
    params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    if page > 1:
        params["page"] = str(page)
    return "/?" + urlencode(params) if params else "/"


def tasks_by_section(units: list[UnitRole]) -> dict[str, dict[str, list[str]]]:
    """section → role → unit names, in the order the document names them."""
    tasks: dict[str, dict[str, list[str]]] = {}
    for unit in units:
        tasks.setdefault(unit.section, {}).setdefault(unit.role, []).append(unit.name)
    return tasks


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, query: SearchQueryDep, engine: EngineDep):
    result = services.search(engine, query)
    pages = max(1, -(-result.total // query.size))
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "query": query,
            "result": result,
            "marked": Markup,  # only for zhengce's own escaped-and-marked titles and snippets
            "facet_titles": FACET_TITLES,
            "kind_names": KIND_NAMES,
            "pages": pages,
            "url": lambda **changes: _url(request, **changes),
        },
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, engine: EngineDep):
    document = engine.get(doc_id)
    if document is None:
        raise HTTPException(404, "未找到该文件")
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "doc": document,
            "kind_label": KIND_LABELS[document.kind],
            "is_interpretation": document.kind is DocKind.interpretation,
            "paragraphs": document.body.split("\n"),
            "tasks": tasks_by_section(document.units),
            "link_methods": LINK_METHODS,
            "changes": [diff(document, n, n + 1) for n in range(1, len(document.versions) + 1)],
        },
    )


def _form_date(value: str, label: str, problems: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label}“{value}”不是有效日期，应写作 2024-02-09 这样的格式：已忽略")
        return None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        problems.append(f"{label}应在 {EARLIEST_DATE.year} 年至 {LATEST_DATE.year} 年之间：已忽略")
        return None
    return day


@router.get("/reports/timeliness", response_class=HTMLResponse)
def timeliness_page(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    store: StaffStoreDep,
    staff: OptionalStaffDep,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    from_text: Annotated[str, Query(alias="from", max_length=40)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=40)] = "",
    as_of_text: Annotated[str, Query(alias="as_of", max_length=40)] = "",
):
    # The form sends its empty fields as from=&to=: those mean no limit, and a date that cannot
    # be read is named on the page (in Chinese) and left out, rather than answered with JSON.
    problems: list[str] = []
    date_from = _form_date(from_text, "发布日期（从）", problems)
    date_to = _form_date(to_text, "发布日期（至）", problems)
    as_of = _form_date(as_of_text, "统计截至", problems)
    if date_from and date_to and date_from > date_to:
        problems.append(f"发布日期“从”{date_from}晚于“至”{date_to}：已忽略“至”")
        date_to = None
    unit = unit or None
    result = timeliness_report(engine, settings, store, ReportSelection(unit, date_from, date_to, as_of))
    params = {k: v for k, v in {"unit": unit, "from": date_from, "to": date_to, "as_of": as_of}.items() if v}
    unit_only = {k: v for k, v in {"unit": unit, "as_of": as_of}.items() if v}
    return templates.TemplateResponse(
        request,
        "timeliness.html",
        {
            "report": result,
            "unit": unit or "",
            "date_from": date_from or "",
            "date_to": date_to or "",
            "as_of": as_of or "",
            "problems": problems,
            "units": sorted(c.value for c in engine.term_counts("publisher", SearchQuery())),
            "due_labels": DUE_LABELS,
            "link_methods": {m.value: label for m, label in LINK_METHODS.items()},
            "decisions": store.scope_decisions() if staff else {},
            "download": lambda fmt: "/api/reports/timeliness?" + urlencode({**params, "format": fmt}),
            "due_download": lambda fmt: "/api/reports/timeliness/due?" + urlencode({**unit_only, "format": fmt}),
            "due_feed": "/api/reports/timeliness/due.ics" + ("?" + urlencode({"unit": unit}) if unit else ""),
        },
    )


@router.get("/units", response_class=HTMLResponse)
def units_page(request: Request, engine: EngineDep):
    return templates.TemplateResponse(request, "units.html", {"units": units_overview(engine)})


@router.get("/units/{name:path}", response_class=HTMLResponse)
def unit_page(request: Request, engine: EngineDep, name: str):
    detail = unit_detail(engine, name)
    if detail is None:
        raise HTTPException(404, "未找到该单位")
    return templates.TemplateResponse(request, "unit.html", {"unit": detail, "kind_names": KIND_NAMES})
