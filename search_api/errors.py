"""One JSON shape for every API error: {"message": a sentence, "detail": specifics or null}.
For 422, detail lists {loc, msg, type} as FastAPI's own validation errors do."""
from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def json_error(status: int, message: str, detail=None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"message": message, "detail": detail}, headers=headers)


def validation_detail(exc: RequestValidationError) -> list[dict]:
    # Where, what and why, never the input itself: it may be NaN, Infinity or a lone surrogate,
    # which JSON cannot carry, and echoing what a client sent serves no one.
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()]


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg')}")
    return "invalid parameters — " + "; ".join(parts)
