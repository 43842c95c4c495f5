"""Builds the application: API routers, the UI pages, and clear errors for bad parameters."""
from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from analyzers.segment import tokenizer
from analyzers.spill import SpillError
from analyzers.timeliness_rules import RulesError
from indexer.base import EngineUnavailable, IndexOutdated
from search_api.auth import staff_store_for
from search_api.deps import _engine_for
from search_api.head import HeadAsGetMiddleware
from search_api.errors import json_error, validation_detail, validation_message
from search_api.routers import documents, reports, search, staff, units
from search_api.security import SecurityHeadersMiddleware
from search_api.services import warm_timeliness
from zhengce.settings import get_settings
from ui import api_docs, pages, staff_pages
from ui.errors import error_page, is_page, validation_lines

DESCRIPTION = """Search Chinese government policy documents (政策文件) with their
interpretation materials (政策解读). Every HTML page of the UI has its JSON twin here."""


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    if is_page(request):
        return error_page(request, 422, validation_lines(exc.errors()))
    return json_error(422, validation_message(exc), validation_detail(exc))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Raised by a handler or by routing (no such path, method): a page in Chinese for a page,
    JSON for the API. A 422 raised by a handler has the detail shape of FastAPI's own."""
    message = str(exc.detail)
    if is_page(request):
        return error_page(request, exc.status_code, [message] if _has_chinese(message) else None, exc.headers)
    if exc.status_code == 422:
        return json_error(422, f"invalid parameters — {message}", [{"loc": [], "msg": message, "type": "value_error"}])
    return json_error(exc.status_code, message, headers=exc.headers)


async def _unusable(request: Request, exc: Exception) -> Response:
    """The deployment's own files or engine cannot be used (an index built by an older version,
    a broken rules file, a cluster that does not answer): 503 with the reason, which names the
    file and what to do — to staff and API clients; the public page says the service is
    unavailable."""
    if is_page(request):
        return error_page(request, 503)
    return json_error(503, str(exc))


async def _failure(request: Request, exc: Exception) -> Response:
    """An unexpected error: logged with its trace by the server, answered without it."""
    if is_page(request):
        return error_page(request, 500)
    return json_error(500, "internal server error")


@asynccontextmanager
async def _start(app: FastAPI):
    """Fail at start-up, with the reason, when the configured engine or its index cannot be used,
    and load the segmentation dictionary now: the first search of each worker would otherwise
    wait ~1 s."""
    _engine_for(get_settings()).check_index()
    tokenizer()
    threading.Thread(target=_warm_timeliness, name="warm-timeliness", daemon=True).start()
    yield


WARM_CHECK_SECONDS = 10.0  # how often a worker looks for a new build or update to prepare the report of


def _warm_timeliness() -> None:
    """Assess every policy for today in the background, so that the first visit of the report
    does not wait for it (seconds at province size) — at start, and again after every build or
    update (each crawl ends with one). A failure is logged here and answered with its reason by
    the first request that needs the report."""
    settings = get_settings()
    prepared, failed = None, ""
    while True:
        try:
            engine = _engine_for(settings)
            generation = engine.generation()
            if generation != prepared:
                warm_timeliness(engine, settings, staff_store_for(settings))
                prepared = generation
        except Exception as exc:  # noqa: BLE001 — only a warm-up
            if f"{exc}" != failed:  # said once, not every few seconds while it lasts
                logging.getLogger("zhengce").warning("timeliness report not prepared: %s: %s", type(exc).__name__, exc)
            prepared, failed = None, f"{exc}"
        time.sleep(WARM_CHECK_SECONDS)


def create_app() -> FastAPI:
    # /docs is ours (ui.api_docs): FastAPI's loads Swagger UI from a CDN, with inline script.
    app = FastAPI(title="zhengce", version="0.1.0", description=DESCRIPTION, lifespan=_start,
                  docs_url=None, redoc_url=None)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IndexOutdated, _unusable)
    app.add_exception_handler(EngineUnavailable, _unusable)
    app.add_exception_handler(RulesError, _unusable)
    app.add_exception_handler(SpillError, _unusable)
    app.add_exception_handler(Exception, _failure)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(reports.router)
    app.include_router(units.router)
    app.include_router(staff.router)
    app.include_router(pages.router)
    app.include_router(staff_pages.router)
    app.include_router(api_docs.router)
    app.mount(api_docs.ASSETS_PATH, StaticFiles(directory=api_docs.ASSETS_DIR), name="apidocs")
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.add_middleware(HeadAsGetMiddleware)
    # Outermost first: a request for a host we do not serve (DNS rebinding) is refused before
    # anything runs, and every answer, refusals included, carries the security headers.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=get_settings().host_allow_list)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


app = create_app()
