"""The main text of a page that has no template of its own, found the way Firefox's Reader View
finds it: readability-lxml scores blocks by text length, punctuation and link density and keeps
the best one with its siblings. It may keep the title and date line with the text."""
from __future__ import annotations

import logging

import lxml.html
from bs4 import Tag
from readability import Document as Readable

from analyzers.html_text import parse_html

logging.getLogger("readability.readability").setLevel(logging.WARNING)
# readability's own parser stops at libxml2's default depth of 256 and silently drops what is
# nested deeper; ours has huge_tree (a page's size is capped before it gets here). One parser per
# call: its error log says whether the page went deeper still.


def main_content(html: str, problems: list[str]) -> Tag | None:
    """The element holding the page's main text, or None for a page with no text. What could not
    be read (markup nested past even huge_tree's 2,048 levels) is added to `problems`."""
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
        summary = Readable(tree).summary(html_partial=True)
    except Exception:  # noqa: BLE001 — readability gives up on some documents (empty, frameset)
        return None
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        problems.append("页面标签嵌套过深（超过 2048 层），更深处的文字未能读取")
    element = parse_html(summary).find("div") or None
    return element if element is not None and element.get_text(strip=True) else None
