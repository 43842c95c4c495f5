"""Bytes of a stored page to text: HTTP charset, BOM and <meta charset> honoured (w3lib, the
library Scrapy itself uses), GBK and GB2312 read as their superset GB18030."""
from __future__ import annotations

from w3lib.encoding import html_to_unicode


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Return (encoding, text). Undecodable bytes become U+FFFD; the stored bytes stay as they were."""
    encoding, text = html_to_unicode(content_type, body)
    return encoding, text
