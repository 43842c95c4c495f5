"""Headers every response carries, whatever produced it (a page, JSON, a static file, an error).

The Content-Security-Policy allows scripts, styles, fonts and images from our own origin only,
no inline script or style and no plugins, so that even crawled text that got past escaping
could not run; no page of ours may be framed (clickjacking of staff controls)."""
from __future__ import annotations

_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)
# For /redoc only: ReDoc writes its styles into <style> elements as it renders (styled-components)
# and cannot run without them. Its page shows our own OpenAPI schema, no crawled text, and scripts
# stay our own files only.
CONTENT_SECURITY_POLICY_INLINE_STYLES = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeadersMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it adds headers and touches nothing else."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in SECURITY_HEADERS if h[0] not in present)]
            await send(message)

        return await self.app(scope, receive, send_with_headers)
