"""“Did you mean” for a query that found nothing: a close known word in place of a term, or the
query without the term that excludes everything. Only suggestions that find something are kept."""
from __future__ import annotations

import difflib
import threading
from collections import Counter
from dataclasses import dataclass, replace

from analyzers.synonyms import synonym_table
from indexer.base import SearchEngine, SearchQuery
from indexer.query import QueryPlan

MAX_SUGGESTIONS = 3
MAX_CHECKED = 8  # candidate queries tried at most; each is one count
VOCABULARY_SIZE = 50_000


@dataclass(frozen=True)
class _Vocabulary:
    words: tuple[str, ...]
    by_char: dict[str, tuple[int, ...]]  # character → indexes of the words holding it

    def near(self, term: str) -> list[str]:
        """Words sharing enough characters with the term to be a slip of it: the few that
        difflib then compares, instead of the whole vocabulary."""
        shared = Counter(i for ch in set(term) for i in self.by_char.get(ch, ()))
        needed = max(1, len(set(term)) - 1)
        return [self.words[i] for i, n in shared.items() if n >= needed and abs(len(self.words[i]) - len(term)) <= 1]


_cache: dict[int, tuple[str, _Vocabulary]] = {}
_lock = threading.Lock()


def _vocabulary(engine: SearchEngine) -> _Vocabulary:
    """Title words and synonym forms, built once per index generation."""
    generation = engine.generation()
    with _lock:
        cached = _cache.get(id(engine))
        if cached and cached[0] == generation:
            return cached[1]
    titles = [c.value for c in engine.term_counts("title_words", SearchQuery(), VOCABULARY_SIZE)]
    words = tuple(dict.fromkeys(titles + list(synonym_table())))
    by_char: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        for ch in set(word):
            by_char.setdefault(ch, []).append(i)
    vocabulary = _Vocabulary(words, {ch: tuple(ids) for ch, ids in by_char.items()})
    with _lock:
        _cache[id(engine)] = (generation, vocabulary)
    return vocabulary


def did_you_mean(engine: SearchEngine, query: SearchQuery, plan: QueryPlan) -> list[str]:
    if not plan.has_text:
        return []
    candidates: list[str] = []
    vocabulary = _vocabulary(engine)
    for term in plan.positive:
        for close in difflib.get_close_matches(term.text, vocabulary.near(term.text), n=3, cutoff=0.6):
            candidates.append(plan.text.replace(term.text, close, 1))
    if len(plan.groups) > 1:
        for term in plan.positive:
            candidates.append(" ".join(plan.text.replace(term.text, " ", 1).split()))
    found = []
    for candidate in list(dict.fromkeys(c for c in candidates if c and c != plan.text))[:MAX_CHECKED]:
        if engine.total(replace(query, q=candidate)):
            found.append(candidate)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found
