"""Error pages for people: a page of the site (not the API) that fails answers in Chinese, in the
site's layout, with a way back; the API keeps its JSON (search_api.errors)."""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse

from indexer.query import EARLIEST_DATE, LATEST_DATE
from ui.templating import templates

TITLES = {
    400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "未找到页面", 405: "不支持的请求方式",
    413: "请求内容过大", 422: "参数有误", 429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用",
}
EXPLANATIONS = {
    404: "您访问的页面或文件不存在，可能已被撤下或地址有误。",
    405: "该地址不接受这种请求方式。",
    429: "请稍后再试。",
    500: "处理请求时出现错误，已记录。请稍后再试。",
    503: "检索服务暂时无法使用，请稍后再试或联系网站管理员。",
}
# The parameters of our pages, by name, as a reader knows them.
PARAMETER_NAMES = {
    "q": "检索词", "page": "页码", "size": "每页条数", "year": "年份", "domain": "主题分类", "unit": "单位",
    "type": "公文种类", "kind": "类别", "from": "发布日期（从）", "to": "发布日期（至）", "sort": "排序",
    "field": "检索范围", "validity": "效力", "publisher": "发布机构", "responsible": "责任单位", "as_of": "统计截至", "doc_id": "文件编号",
    "name": "单位名称",
}
PROBLEMS = {
    "int_parsing": "应为整数", "int_type": "应为整数", "date_from_datetime_parsing": "应写作 2024-02-09 这样的日期",
    "date_parsing": "应写作 2024-02-09 这样的日期", "missing": "不能为空", "enum": "不是可选的值",
    "literal_error": "不是可选的值", "string_type": "应为文字",
    "date_range": f"应在 {EARLIEST_DATE.year} 年至 {LATEST_DATE.year} 年之间",
}


def is_page(request: Request) -> bool:
    """Whether the request is for a page people read (else the API, a file or the schema)."""
    path = request.url.path
    return not path.startswith(("/api/", "/static/", "/openapi.json")) and path != "/api"


def _problem(error: dict) -> str:
    where = [p for p in error.get("loc", ()) if isinstance(p, str) and p not in ("query", "path", "body")]
    name = PARAMETER_NAMES.get(where[-1], where[-1]) if where else "参数"
    context = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "greater_than_equal":
        text = f"不能小于 {context.get('ge')}"
    elif kind == "less_than_equal":
        text = f"不能大于 {context.get('le')}"
    elif kind == "string_too_long":
        text = f"不能超过 {context.get('max_length')} 个字"
    else:
        text = PROBLEMS.get(kind, "无法识别")
    return f"{name}{text}。"


def validation_lines(errors: list[dict]) -> list[str]:
    return list(dict.fromkeys(_problem(e) for e in errors)) or ["请求的参数无法识别。"]


def _back(request: Request) -> str | None:
    """The page the reader came from, when it is one of ours."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if parts.netloc and parts.netloc == request.url.netloc and back.startswith("/") and not back.startswith("//") and back != here:
        return back
    return None


def error_page(request: Request, status: int, lines: list[str] | None = None,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    lines = lines or [EXPLANATIONS.get(status, "请求无法完成。")]
    return templates.TemplateResponse(
        request, "error.html",
        {"status": status, "title": TITLES.get(status, "请求无法完成"), "lines": lines, "back": _back(request)},
        status_code=status, headers=headers,
    )
