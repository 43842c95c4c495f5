"""Bytes of a stored page to text. Declared encodings are honoured in w3lib's order (BOM, HTTP
charset, <meta charset>; w3lib is the library Scrapy itself uses, and reads GBK and GB2312 as
their superset GB18030). Chinese government pages often declare nothing, or the wrong thing (a
server default of UTF-8 in front of a GBK page): when the declared encoding cannot decode the
bytes, or nothing is declared, the one of UTF-8 and GB18030 that decodes them cleanly is used."""
from __future__ import annotations

import codecs

from w3lib.encoding import html_to_unicode

CANDIDATES = ("utf-8", "gb18030")


def _clean(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _undeclared(body: bytes) -> str:
    return next((c for c in CANDIDATES if _clean(body, c)), "utf-8")


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Return (encoding, text). Bytes no candidate decodes become U+FFFD; the stored bytes stay
    as they were."""
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_undeclared)
    if "\ufffd" in text and not body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        for candidate in CANDIDATES:
            if _clean(body, candidate):
                return candidate, body.decode(candidate)
    return encoding, text
