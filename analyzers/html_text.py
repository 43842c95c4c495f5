"""Readable text out of HTML elements: block elements become line breaks, inline ones do not,
so a sentence split into styled spans stays one line and each paragraph is its own line."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "ul", "ol", "dl", "section", "article", "blockquote", "pre", "hr",
}
CELL_TAGS = {"td", "th"}
_SPACES = re.compile(r"[ \t\xa0\u3000]+")
_DROP = ("script", "style", "noscript", "template", "iframe", "object")


def parse_html(text: str) -> BeautifulSoup:
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(list(_DROP)):
        tag.decompose()
    return soup


def element_text(element: Tag | None) -> str:
    """Text of an element with one line per block, blank lines and edge spaces removed.

    Marks the element's own block children in place: call it once per parsed page element."""
    if element is None:
        return ""
    for block in element.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    for cell in element.find_all(CELL_TAGS):
        cell.insert_after(" ")
    lines = (_SPACES.sub(" ", line).strip() for line in element.get_text("").splitlines())
    return "\n".join(line for line in lines if line)


def inline_text(element: Tag | None) -> str:
    """Text of a small element (a label, a cell, a link) on one line."""
    if element is None:
        return ""
    return _SPACES.sub(" ", element.get_text(" ")).strip()


def label_key(label: str) -> str:
    """索 引 号： and 标　　题 become 索引号 and 标题, so table labels match the template's."""
    return re.sub(r"[\s\u3000:：]+", "", label)
