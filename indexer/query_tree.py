"""The query semantics, once for every engine: a QueryPlan and a SearchQuery compile to a small
boolean tree over zhengce's own fields and tokens, which each engine only renders (tantivy
Query objects, Elasticsearch DSL). Same tree, same documents match on both.

A term matches when any way of writing it (as typed, or a synonym) matches in its scope:
  by words — every jieba word in some word field (weighted), a bonus when they stand together;
  verbatim — its bigrams as a phrase in a gram field (0.3 of the weight: finds what words miss);
  by value — a unit, domain, kind or form keyword, or the 文号 key (boosted: a 文号 ranks first)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from analyzers.doc_number import doc_number_key
from analyzers.segment import query_bigrams, query_words
from analyzers.unit_registry import default_registry
from indexer.base import SearchQuery
from indexer.fields import NEAR_FIELDS, WORD_FIELDS, gram_field
from indexer.query import QueryPlan, Term, interpretation_hint

GRAM_BOOST = 0.3
PROXIMITY_BOOST = 1.5
PROXIMITY_SLOP = 2  # steps over the sub-words indexed after a long word
DOC_NUMBER_BOOST = 20.0
# Which fields a term searches: (word fields, gram fields), by the term's field.
SCOPES = {
    # Verbatim recall is promised for title, body and attachments (all in "text"); metadata has
    # its own fields.
    None: (tuple(WORD_FIELDS), ("text",)),
    "title": (("title",), ("title",)),
    "doc_number": ((), ("number",)),
    "unit": ((), ("units",)),
    "domain": ((), ("domains",)),
}


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class TermNode(Node):
    field: str
    value: str | int
    boost: float = 1.0


@dataclass(frozen=True)
class PhraseNode(Node):
    field: str
    tokens: tuple[str, ...]
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class ConstantNode(Node):
    """Matches what its child matches, every match scoring the same."""

    child: Node
    score: float


@dataclass(frozen=True)
class DateRangeNode(Node):
    field: str
    start: date | None  # inclusive
    end: date | None  # exclusive


@dataclass(frozen=True)
class MatchAll(Node):
    pass


@dataclass(frozen=True)
class MatchNone(Node):
    pass


@dataclass(frozen=True)
class BoolNode(Node):
    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()  # with no must: at least one
    must_not: tuple[Node, ...] = ()
    filter: tuple[Node, ...] = field(default=())  # must match, adds no score


def _any(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else BoolNode(should=tuple(nodes))


def verbatim(text: str, fields: tuple[str, ...]) -> Node | None:
    """The text as a phrase of its bigrams. A verbatim match gets a fixed bonus instead of a
    BM25 score: it is there for recall, words do the ranking, and it is cheaper to evaluate."""
    grams = tuple(query_bigrams(text))
    if not grams or not fields:
        return None
    return _any([
        ConstantNode(
            TermNode(gram_field(name), grams[0]) if len(grams) == 1 else PhraseNode(gram_field(name), grams),
            GRAM_BOOST * WORD_FIELDS.get(name, 1.0),
        )
        for name in fields
    ])


def _by_words(words: list[str], fields: tuple[str, ...]) -> Node | None:
    if not words or not fields:
        return None
    required = tuple(
        _any([TermNode(name, word, WORD_FIELDS[name]) for name in fields]) for word in dict.fromkeys(words)
    )
    near = ()
    if len(words) > 1:
        near = tuple(
            PhraseNode(name, tuple(words), PROXIMITY_SLOP, PROXIMITY_BOOST * WORD_FIELDS[name])
            for name in NEAR_FIELDS
            if name in fields
        )
    return BoolNode(must=required, should=near)


def _written(text: str, term: Term) -> Node | None:
    """One way of writing a term, in the term's scope."""
    word_fields, gram_fields = SCOPES[term.field]
    words = [] if term.phrase else query_words(text)
    options = [n for n in (_by_words(words, word_fields), verbatim(text, gram_fields)) if n]
    if term.field == "unit":
        options.append(TermNode("unit", default_registry().canonical(text)))
    elif term.field == "domain":
        options.append(TermNode("domain", text))
    hint = interpretation_hint(text) if term.field is None else None
    if hint:
        options.append(TermNode(*hint))
    key = doc_number_key(text)
    if key and term.field in (None, "doc_number"):
        options.append(TermNode("doc_number_key", key, DOC_NUMBER_BOOST))
    return _any(options) if options else None  # None: one character in a bigram-only scope


# As-you-type completion: what has been typed, verbatim in these fields, shown as this kind.
COMPLETION = (("doc_number", "number"), ("title", "title"))


def completion_nodes(typed: str) -> list[tuple[str, Node]]:
    text = " ".join(typed.split()).lower()
    if len(text) < 2:
        return []
    return [(kind, verbatim(text, (name,))) for kind, name in COMPLETION]


def term_node(term: Term) -> Node:
    written = [n for n in (_written(t, term) for t in (term.text, *term.synonyms)) if n]
    return _any(written) if written else MatchNone()


def plan_node(plan: QueryPlan) -> Node:
    if not plan.has_text:
        return MatchAll()
    must, must_not = [], []
    for group in plan.groups:
        if len(group) == 1 and group[0].negated:
            must_not.append(term_node(group[0]))
        else:
            must.append(_any([term_node(t) for t in group]))
    return BoolNode(must=tuple(must) or (MatchAll(),), must_not=tuple(must_not))


def search_node(plan: QueryPlan, query: SearchQuery) -> Node:
    """The whole query: the plan's text, the facet filters and the date range of both."""
    filters: list[Node] = [TermNode(name, value) for name, value in query.filters().items()]
    starts = [d for d in (query.date_from, plan.date_from) if d]
    ends = [d for d in (query.date_to, plan.date_to) if d]
    if starts or ends:
        filters.append(
            DateRangeNode("published", max(starts) if starts else None, min(ends) + timedelta(days=1) if ends else None)
        )
    text = plan_node(plan)
    return BoolNode(must=(text,), filter=tuple(filters)) if filters else text
