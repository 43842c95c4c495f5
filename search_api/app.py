"""Builds the application: API routers, the UI pages, and clear errors for bad parameters."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from analyzers.segment import tokenizer
from indexer.base import IndexOutdated
from search_api.deps import _engine_for
from search_api.routers import documents, reports, search, units
from zhengce.settings import get_settings
from ui import pages

DESCRIPTION = """Search Chinese government policy documents (政策文件) with their
interpretation materials (政策解读). Every HTML page of the UI has its JSON twin here."""


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg')}")
    return "; ".join(parts)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"message": f"invalid parameters — {_validation_message(exc)}", "detail": jsonable_encoder(exc.errors())},
    )


async def _index_outdated(request: Request, exc: IndexOutdated) -> JSONResponse:
    return JSONResponse(status_code=503, content={"message": str(exc)})


@asynccontextmanager
async def _start(app: FastAPI):
    """Fail at start-up, with the reason, when the configured engine or its index cannot be used,
    and load the segmentation dictionary now: the first search of each worker would otherwise
    wait ~1 s."""
    _engine_for(get_settings()).check_index()
    tokenizer()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="zhengce", version="0.1.0", description=DESCRIPTION, lifespan=_start)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IndexOutdated, _index_outdated)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(reports.router)
    app.include_router(units.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


app = create_app()
