"""Staff pages: sign in and out, and the audit log. The public never sees a staff control: the
other pages show them only when `staff` (ui.templating gives it to every page) is someone."""
from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from search_api.auth import SESSION_COOKIE, OptionalStaffDep, StaffDep, StaffStoreDep, same_origin
from search_api.staff_store import SESSION_HOURS
from ui.templating import templates

SIGNIN_COOKIE = "zhengce_signin"  # double-submit token of the sign-in form (login CSRF)

router = APIRouter(include_in_schema=False)


def _local_path(target: str) -> str:
    """Only a path on this site may be where sign-in returns to (no //evil.example, no scheme)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/reports/timeliness"
    return target


def _cookie_options(request: Request) -> dict:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


def _signin_form(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "signin.html", {"next": next_path, "form_token": token, "error": error}, status_code=status
    )
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, staff: OptionalStaffDep, next: Annotated[str, Query(max_length=500)] = "/reports/timeliness"):  # noqa: A002
    if staff is not None:
        return RedirectResponse(_local_path(next), status_code=303)
    return _signin_form(request, _local_path(next))


@router.post("/signin")
def signin(
    request: Request,
    store: StaffStoreDep,
    name: Annotated[str, Form(max_length=64)],
    secret: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/reports/timeliness",  # noqa: A002
) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not (expected and hmac.compare_digest(csrf.encode(), expected.encode()) and same_origin(request)):
        return _signin_form(request, _local_path(next), "页面已过期，请重新登录", status=403)
    if not store.check_credentials(name, secret):
        return _signin_form(request, _local_path(next), "账号或密码不正确", status=401)
    session_secret, _session = store.open_session(name)
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_secret, max_age=SESSION_HOURS * 3600, **_cookie_options(request))
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, store: StaffStoreDep, staff: StaffDep) -> Response:
    """A form post with the session's CSRF token (require_staff checks it)."""
    store.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/staff/audit", response_class=HTMLResponse)
def audit_page(request: Request, store: StaffStoreDep, staff: OptionalStaffDep,
               before: Annotated[int | None, Query(ge=1, le=2**62)] = None):
    if staff is None:
        return RedirectResponse("/signin?next=/staff/audit", status_code=303)
    entries = store.audit_log(100, before)
    return templates.TemplateResponse(request, "audit.html", {"entries": entries, "staff_names": store.staff_names()})
