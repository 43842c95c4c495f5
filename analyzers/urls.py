"""URLs taken from crawled pages, made safe to store and to put in an href.

A browser ignores ASCII tabs and newlines anywhere in a URL, and control characters and spaces
at its ends, and reads the scheme in any case (WHATWG URL Standard): `java<TAB>script:`,
` JavaScript:` and `jAvAsCrIpT:` all run script. So the cleaning a browser does is done here
first, the result is resolved against the page, and only http and https URLs with a host are
kept; anything else is no link at all."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
ALLOWED_SCHEMES = ("http", "https")


def safe_url(href: str, base: str = "") -> str | None:
    """The absolute http(s) URL `href` means on the page at `base`, percent-encoded; None when it
    is anything else (javascript:, data:, mailto:, a malformed address, a relative one without base)."""
    cleaned = _TAB_OR_NEWLINE.sub("", href).strip(_C0_OR_SPACE)
    if not cleaned:
        return None
    try:
        parts = urlsplit(urljoin(base, cleaned) if base else cleaned)
        if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
            return None
        parts.port  # noqa: B018 — raises ValueError for a port out of range
    except ValueError:
        return None
    return safe_url_string(urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment)))


def same_host(url: str, other: str) -> bool:
    """Both URLs on one host and port (the scheme may differ: a site moving to https stays itself)."""
    try:
        a, b = urlsplit(url), urlsplit(other)
        return (a.hostname or "") == (b.hostname or "") and _port(a) == _port(b) and bool(a.hostname)
    except ValueError:
        return False


def _port(parts) -> int | None:
    return None if parts.port in (None, 80, 443) else parts.port
