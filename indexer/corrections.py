"""“Did you mean” for a query that found nothing: a close known word in place of a term, or the
query without the term that excludes everything. Only suggestions that find something are kept."""
from __future__ import annotations

import difflib
from dataclasses import replace

from analyzers.synonyms import synonym_table
from indexer.base import SearchEngine, SearchQuery
from indexer.query import QueryPlan

MAX_SUGGESTIONS = 3
VOCABULARY_SIZE = 50_000


def _known_words(engine: SearchEngine) -> list[str]:
    """Title words, most frequent first, and every synonym form."""
    titles = [c.value for c in engine.term_counts("title_words", SearchQuery(), VOCABULARY_SIZE)]
    return list(dict.fromkeys(titles + list(synonym_table())))


def did_you_mean(engine: SearchEngine, query: SearchQuery, plan: QueryPlan) -> list[str]:
    if not plan.has_text:
        return []
    candidates: list[str] = []
    known = _known_words(engine)
    for term in plan.positive:
        for close in difflib.get_close_matches(term.text, known, n=3, cutoff=0.6):
            candidates.append(plan.text.replace(term.text, close, 1))
    if len(plan.groups) > 1:
        for term in plan.positive:
            candidates.append(" ".join(plan.text.replace(term.text, " ", 1).split()))
    found = []
    for candidate in dict.fromkeys(c for c in candidates if c and c != plan.text):
        if engine.search(replace(query, q=candidate, page=1, size=1)).total:
            found.append(candidate)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found
