"""Snippets and highlights, computed by zhengce from the stored original text, so every engine
returns the same ones and no spaces are ever inserted between Chinese words."""
from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache

from analyzers.model import Document

SNIPPET_CHARS = 120
_LEAD = 30  # characters of context before the first match


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    terms = tuple(t for t in terms if t)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern | None) -> str:
    """Escape text and wrap every match in <em>."""
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<em>{html.escape(match.group(0))}</em>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _best_window(text: str, pattern: re.Pattern) -> tuple[int, float]:
    """Start of the window holding the most distinct matched terms (then the most matches).
    Windows start a little before each match; both ends only move forward, so a body with
    hundreds of matches of a common word costs one pass."""
    matches = [(m.start(), m.end(), m.group(0).lower()) for m in pattern.finditer(text)]
    best_start, best_score = 0, 0.0
    inside: Counter[str] = Counter()
    end = 0  # matches[i:end] lie inside the current window
    for i, (match_start, _match_end, term) in enumerate(matches):
        start = max(0, match_start - _LEAD)
        while end < len(matches) and matches[end][1] <= start + SNIPPET_CHARS:
            inside[matches[end][2]] += 1
            end += 1
        score = len(inside) + 0.1 * max(0, end - i)
        if score > best_score:
            best_start, best_score = start, score
        if end > i:
            inside[term] -= 1
            if not inside[term]:
                del inside[term]
    return best_start, best_score


def _cut(text: str, start: int, pattern: re.Pattern | None) -> str:
    piece = text[start : start + SNIPPET_CHARS].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(text) else ""
    return f"{prefix}{mark(piece, pattern)}{suffix}"


def snippet(document: Document, terms: tuple[str, ...]) -> str:
    """The best passage of the body or an attachment; an attachment passage names its file."""
    pattern = _pattern(terms)
    if pattern is not None:
        candidates = [("", document.body)] + [(a.name, a.text) for a in document.attachments if a.text]
        best = max(
            ((label, text, *_best_window(text, pattern)) for label, text in candidates),
            key=lambda c: c[3],
        )
        label, text, start, score = best
        if score > 0:
            prefix = f"【附件：{html.escape(label)}】" if label else ""
            return prefix + _cut(text, start, pattern)
    return _cut(document.body, 0, None)


def title_html(document: Document, terms: tuple[str, ...]) -> str:
    return mark(document.title, _pattern(terms))
