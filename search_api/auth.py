"""Who is asking: one mechanism for every staff-only endpoint and page.

A request is a staff member's when it carries `Authorization: Bearer <token>` of an account
(for scripts), or the session cookie the sign-in page sets (for the browser). A cookie is sent
by the browser on its own, so a state-changing request authenticated by it must also prove it
comes from our pages: the session's CSRF token in `X-CSRF-Token` (scripts) or a `csrf` form
field (forms), and an Origin, when the browser sends one, of this very host. A bearer token is
never sent on its own, so it needs neither."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from search_api.deps import settings
from search_api.staff_store import StaffStore
from zhengce.settings import Settings

SESSION_COOKIE = "zhengce_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class StaffIdentity:
    name: str
    via: str  # "token" or "session"
    csrf: str = ""  # the session's CSRF token, for the pages to embed


@lru_cache
def staff_store_for(current: Settings) -> StaffStore:
    return StaffStore(current.staff_db_path, legacy_scope_file=current.scope_overrides_path)


async def get_staff_store(current: Annotated[Settings, Depends(settings)]) -> StaffStore:
    return staff_store_for(current)


StaffStoreDep = Annotated[StaffStore, Depends(get_staff_store)]


def identify(request: Request, store: StaffStore) -> StaffIdentity | None:
    """The staff member the request authenticates as, or None for the public."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        name = store.staff_for_token(credentials.strip())
        if name is None:
            raise HTTPException(401, "API 令牌无效", headers={"WWW-Authenticate": "Bearer"})
        return StaffIdentity(name, "token")
    secret = request.cookies.get(SESSION_COOKIE)
    session = store.session(secret) if secret else None
    return StaffIdentity(session.name, "session", session.csrf) if session else None


def same_origin(request: Request) -> bool:
    """An Origin header (or, lacking one, a Referer) naming this host, or none at all."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        sent = str((await request.form()).get("csrf", ""))
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def optional_staff(request: Request, store: StaffStoreDep) -> StaffIdentity | None:
    identity = identify(request, store)
    request.state.staff = identity
    return identity


async def require_staff(request: Request, identity: Annotated[StaffIdentity | None, Depends(optional_staff)]) -> StaffIdentity:
    if identity is None:
        raise HTTPException(401, "需要工作人员登录（/signin）或 API 令牌", headers={"WWW-Authenticate": "Bearer"})
    if identity.via == "session" and request.method not in SAFE_METHODS:
        if not same_origin(request) or not await _csrf_ok(request, identity.csrf):
            raise HTTPException(403, "CSRF 校验失败：请从本站页面操作，或刷新页面后重试")
    return identity


OptionalStaffDep = Annotated[StaffIdentity | None, Depends(optional_staff)]
StaffDep = Annotated[StaffIdentity, Depends(require_staff)]
