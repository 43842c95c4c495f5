"""The Jinja2 environment of every page: autoescaping, the `staff` of the request, and the two
filters through which every crawled URL and every crawled name reaches an href."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from analyzers.urls import safe_url
from search_api.auth import identify, staff_store_for
from zhengce.settings import get_settings

HERE = Path(__file__).parent


def staff_context(request: Request) -> dict:
    """`staff` for every template: the signed-in staff member, or None for the public."""
    if not hasattr(request.state, "staff"):
        try:
            request.state.staff = identify(request, staff_store_for(get_settings()))
        except HTTPException:
            request.state.staff = None
    return {"staff": request.state.staff}


def path_segment(prefix: str, name: str) -> str | None:
    """`prefix` + the name as one percent-encoded path segment; None for a name a browser would
    read as a dot segment ("." or ".."), which no encoding can carry."""
    if not name or not name.strip("."):
        return None
    return prefix + quote(name, safe="")


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[staff_context])
# A stored URL is checked again when it is shown: an index built before the check carries it raw.
templates.env.filters["safe_href"] = lambda url: safe_url(url or "") or None
templates.env.filters["unit_href"] = lambda name: path_segment("/units/", name)
