"""/docs (Swagger UI) and /redoc (ReDoc) over our OpenAPI schema, with their files served from
our own origin (fastapi-offline ships them), so both work on an offline intranet and under our
CSP (no CDN, no inline script: the start-up calls are in ui/static)."""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from search_api.security import CONTENT_SECURITY_POLICY_INLINE_STYLES
from ui.templating import templates

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/static/apidocs"

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    return templates.TemplateResponse(request, "apidocs.html", {
        "assets": ASSETS_PATH, "title": "API 文档", "stylesheet": "swagger-ui.css", "root": "swagger-ui",
        "bundle": "swagger-ui-bundle.js", "starter": "apidocs.js",
    })


@router.get("/redoc", response_class=HTMLResponse)
def api_reference(request: Request):
    return templates.TemplateResponse(request, "apidocs.html", {
        "assets": ASSETS_PATH, "title": "API 参考", "stylesheet": "", "root": "redoc",
        "bundle": "redoc.standalone.js", "starter": "redoc.js",
    }, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY_INLINE_STYLES})
