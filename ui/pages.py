"""HTML pages: search with facets and highlights, and a document page with its attachments,
责任单位 and 相关解读. Jinja2 autoescapes everything; only snippets and titles that zhengce
itself escaped and marked (indexer.snippets) are inserted as HTML."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from markupsafe import Markup

from analyzers.domains import default_taxonomy, split
from analyzers.model import KIND_LABELS, DocKind, LinkMethod, UnitRole
from indexer.base import FILTERS, MAX_RESULT_WINDOW, FacetCount, SearchQuery
from search_api import services
from search_api.auth import OptionalStaffDep, StaffStoreDep
from search_api.deps import EngineDep, SettingsDep
from search_api.exports import DUE_LABELS
from indexer.query import EARLIEST_DATE, LATEST_DATE
from search_api.params import DayProblem, SearchQueryDep, UnitPage, form_day
from search_api.services import ReportSelection, timeliness_report, unit_detail, units_overview
from search_api.versions import diff
from ui.templating import HERE, templates

STATIC_DIR = HERE / "static"

FACET_TITLES = {"domain": "主题分类", "publisher": "发布机构", "responsible": "责任单位", "year": "年份", "type": "公文种类",
                "kind": "类别"}
FILTER_TITLES = {**FACET_TITLES, "unit": "单位", "validity": "效力", "from": "发布日期从", "to": "发布日期至",
                 "field": "检索范围"}
KIND_NAMES = {kind.value: label for kind, label in KIND_LABELS.items()}
SORT_NAMES = {"relevance": "相关度", "newest": "发布日期（新→旧）", "oldest": "发布日期（旧→新）"}
FIELD_NAMES = {"": "全文", "title": "标题", "doc_number": "文号", "publisher": "发文机关"}
VALIDITY_NAMES = ("有效", "失效", "废止", "已修订")
FACET_SHOWN = 8  # values of a facet shown before 更多
LINK_METHODS = {
    LinkMethod.hyperlink: "政策页链接",
    LinkMethod.backlink: "解读页链接",
    LinkMethod.doc_number: "引用文号",
    LinkMethod.quoted_title: "引用标题",
    LinkMethod.similarity: "内容相似",
}
# The parameters a result page's URL may carry (its state); the filters may hold several values.
SEARCH_PARAMETERS = ("q", "field", "sort", "from", "to", "size", "page", *FILTERS)

router = APIRouter(include_in_schema=False)
templates.env.globals["field_names"] = FIELD_NAMES  # the search box of every page offers them


class SearchLinks:
    """URLs of this result page with one thing changed: the URL is the whole state, so every
    control is a plain link or form (no JavaScript needed) and every view can be shared."""

    def __init__(self, params: list[tuple[str, str]]):
        # A domain as the search understood it (教育 is 科技、教育/教育), so that it shows as chosen.
        self.params = [(k, default_taxonomy().canonical(v) if k == "domain" else v)
                       for k, v in params if k in SEARCH_PARAMETERS and v != ""]

    @classmethod
    def of(cls, request: Request) -> "SearchLinks":
        return cls(request.query_params.multi_items())

    def href(self, params: list[tuple[str, str]], page: int = 1) -> str:
        params = [(k, v) for k, v in params if k != "page"] + ([("page", str(page))] if page > 1 else [])
        return "/?" + urlencode(params) if params else "/"

    def chosen(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def page(self, number: int) -> str:
        return self.href(self.params, number)

    def set(self, name: str, value: str | None) -> str:
        """With one single-valued parameter set (None: removed), back at page 1."""
        kept = [(k, v) for k, v in self.params if k != name]
        return self.href(kept + ([(name, value)] if value not in (None, "") else []))

    def toggle(self, name: str, value: str) -> str:
        """With this value of a filter added, or removed when it was chosen; back at page 1."""
        if (name, value) in self.params:
            return self.href([(k, v) for k, v in self.params if (k, v) != (name, value)])
        return self.href([*self.params, (name, value)])

    def toggle_domain(self, value: str) -> str:
        """The tree of 主题分类 taken a level at a time: a top category is added, or removed with
        its subcategories; a subcategory replaces its top category (narrowing it), and when the
        last chosen one is removed the top category is chosen again."""
        top, sub = split(value)
        branch = [v for v in self.chosen("domain") if split(v)[0] == top]
        others = [(k, v) for k, v in self.params if not (k == "domain" and split(v)[0] == top)]
        if not sub:
            return self.href(others if branch else [*self.params, ("domain", value)])
        if value in branch:
            rest = [v for v in branch if v != value]
            return self.href(others + [("domain", v) for v in rest or [top]])
        return self.href(others + [("domain", v) for v in branch if v != top] + [("domain", value)])

    def hidden(self, *leave_out: str) -> list[tuple[str, str]]:
        """The state as hidden form fields, for a form that sets the parameters left out."""
        return [(k, v) for k, v in self.params if k not in leave_out and k != "page"]

    def query_string(self) -> str:
        """The state without the page, as a query string (the CSV export of the same search)."""
        return urlencode(self.hidden())

    def chips(self) -> list[tuple[str, str, str]]:
        """(what, value as shown, URL without it) for every filter in force."""
        shown = []
        for name, value in self.params:
            if name in FILTERS or name in ("from", "to") or (name == "field" and value in FIELD_NAMES):
                label = (KIND_NAMES.get(value, value) if name == "kind" else FIELD_NAMES[value] if name == "field"
                         else domain_label(value) if name == "domain" else value)
                shown.append((FILTER_TITLES[name], label, self.href([p for p in self.params if p != (name, value)])))
        return shown


def domain_label(path: str) -> str:
    return " › ".join(filter(None, split(path)))


templates.env.filters["domain_label"] = domain_label
templates.env.filters["domain_parts"] = split  # (top category, subcategory) of a path


@dataclass
class DomainBranch:
    """A top category of the domain facet and the subcategories counted under it."""
    top: FacetCount
    subs: list[FacetCount] = field(default_factory=list)


def branch_values(branch: DomainBranch) -> list[str]:
    return [branch.top.value, *(f.value for f in branch.subs)]


def entries_values(entries: list) -> list[str]:
    """Every value of some facet entries: counts, or branches of the domain tree."""
    return [v for e in entries for v in (branch_values(e) if isinstance(e, DomainBranch) else [str(e.value)])]


def domain_branches(counts: list[FacetCount]) -> list[DomainBranch]:
    """The domain facet as its tree, top categories in the facet's order (a top category counts
    at least as many documents as any of its subcategories, so it comes first)."""
    branches: dict[str, DomainBranch] = {}
    for count in counts:
        top, sub = split(count.value)
        branch = branches.setdefault(top, DomainBranch(FacetCount(top, count.count)))
        if sub:
            branch.subs.append(count)
        else:
            branch.top = count
    return list(branches.values())


def back_to_results(back: str) -> str | None:
    """The result page a document was opened from (its query string, carried by the link),
    rebuilt from the parameters a result page has: never a link anywhere else."""
    links = SearchLinks(parse_qsl(back[:2000]))
    if not links.params:
        return None
    page = next((int(v) for v in links.chosen("page") if v.isdigit() and int(v) <= MAX_RESULT_WINDOW), 1)
    return links.page(page)


def page_count(total: int, size: int) -> int:
    """Pages of `size` that `total` results fill; one, empty, when there are none."""
    return max(1, -(-total // size))


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: None where numbers are left out."""
    wanted = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def tasks_by_section(units: list[UnitRole]) -> dict[str, dict[str, list[str]]]:
    """section → role → unit names, in the order the document names them."""
    tasks: dict[str, dict[str, list[str]]] = {}
    for unit in units:
        tasks.setdefault(unit.section, {}).setdefault(unit.role, []).append(unit.name)
    return tasks


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")


LANDING_LATEST = 6  # documents in each "latest" list of the landing page
LANDING_EXAMPLES = ("最低生活保障", "怎样申请临时救助", "政务公开", "社保")


def landing_page(request: Request, engine) -> HTMLResponse:
    """What the site holds before anything is asked: the latest policies and interpretations,
    the domains and the issuing units, each a way into the results."""
    newest = {kind: engine.search(SearchQuery(kind=kind, sort="newest", size=LANDING_LATEST)).hits
              for kind in ("policy", "interpretation")}
    overview = engine.search(SearchQuery(size=1))  # its facets count the domains and the publishers
    return templates.TemplateResponse(request, "landing.html", {
        "total": overview.total, "examples": LANDING_EXAMPLES, "policies": newest["policy"],
        "interpretations": newest["interpretation"], "domains": domain_branches(overview.facets.get("domain", [])),
        "publishers": overview.facets.get("publisher", [])[:FACET_SHOWN * 2],
    })


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, query: SearchQueryDep, engine: EngineDep):
    if not request.query_params:
        return landing_page(request, engine)
    result = services.search(engine, query)
    pages = page_count(result.total, query.size)
    beyond = result.total > 0 and query.page > pages  # said once, as a 404: that page does not exist
    links = SearchLinks.of(request)
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "query": query,
            "result": result,
            "marked": Markup,  # only for zhengce's own escaped-and-marked titles and snippets
            "facet_titles": FACET_TITLES,
            "facet_shown": FACET_SHOWN,
            "domain_branches": domain_branches,
            "branch_values": branch_values,
            "entries_values": entries_values,
            "kind_names": KIND_NAMES,
            "sort_names": SORT_NAMES,
            "validity_names": VALIDITY_NAMES,
            "pages": pages,
            "page_numbers": page_numbers(min(query.page, pages), pages),
            "beyond": beyond,
            "links": links,
            # Each result link carries this page's state, for 返回检索结果 on the document.
            "back": urlencode({"back": links.page(query.page).removeprefix("/?")}) if links.params else "",
        },
        status_code=404 if beyond else 200,
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, engine: EngineDep,
                  back: Annotated[str, Query(max_length=2000)] = ""):
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
            "back_to_results": back_to_results(back) if back else None,
        },
    )


def _form_date(value: str, label: str, problems: list[str]) -> date | None:
    try:
        return form_day(value)
    except DayProblem as problem:
        if problem.kind == "date_parsing":
            problems.append(f"{label}“{value}”不是有效日期，应写作 2024-02-09 这样的格式：已忽略")
        else:
            problems.append(f"{label}应在 {EARLIEST_DATE.year} 年至 {LATEST_DATE.year} 年之间：已忽略")
        return None


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
def unit_page(request: Request, engine: EngineDep, name: str, issued_page: UnitPage = 1, tasks_page: UnitPage = 1):
    detail = unit_detail(engine, name, issued_page, tasks_page)
    if detail is None:
        raise HTTPException(404, "未找到该单位")

    def link(**changed: int) -> str:
        state = {"tasks_page": detail.tasks_page, "issued_page": detail.issued_page, **changed}
        return "?" + urlencode({k: v for k, v in state.items() if v > 1})

    return templates.TemplateResponse(request, "unit.html", {"unit": detail, "kind_names": KIND_NAMES,
                                                             "pages": lambda total: page_count(total, detail.size),
                                                             "link": link})
