"""What a query string means, worked out once for every engine: its words (jieba, as the index
was built), a 文号 in it, and the strings to highlight."""
from __future__ import annotations

from dataclasses import dataclass

from analyzers.doc_number import doc_number_key
from analyzers.segment import query_words

MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class QueryPlan:
    text: str
    words: tuple[str, ...]
    doc_number_key: str

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        """The whole query first, then its words; one-character words only when nothing longer
        was asked, so 号 in a 文号 query does not light up every 号 in the text."""
        words = [w for w in self.words if len(w) > 1] or list(self.words)
        terms = [self.text] if len(self.text) > 1 else []
        return tuple(dict.fromkeys(terms + sorted(words, key=len, reverse=True)))


def plan_query(q: str) -> QueryPlan:
    text = " ".join((q or "").split())[:MAX_QUERY_CHARS]
    return QueryPlan(text=text, words=tuple(query_words(text)), doc_number_key=doc_number_key(text))
