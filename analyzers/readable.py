"""The main text of a page that has no template of its own, found the way Firefox's Reader View
finds it: readability-lxml scores blocks by text length, punctuation and link density and keeps
the best one with its siblings. It may keep the title and date line with the text."""
from __future__ import annotations

import logging

from bs4 import Tag
from readability import Document as Readable

from analyzers.html_text import parse_html

logging.getLogger("readability.readability").setLevel(logging.WARNING)


def main_content(html: str) -> Tag | None:
    """The element holding the page's main text, or None for a page with no text."""
    try:
        summary = Readable(html).summary(html_partial=True)
    except Exception:  # noqa: BLE001 — readability gives up on some documents (empty, frameset)
        return None
    element = parse_html(summary).find("div") or None
    return element if element is not None and element.get_text(strip=True) else None
