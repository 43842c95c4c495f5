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
from analyzers.domains import default_taxonomy
from analyzers.segment import content_words, ignorable_words, query_bigrams, query_words
from analyzers.unit_registry import default_registry
from indexer.base import SearchQuery
from indexer.fields import NEAR_FIELDS, TEXT_PARTS, WORD_FIELDS, gram_field
from indexer.query import QueryPlan, Term, interpretation_hint

GRAM_BOOST = 0.3
FRAGMENT_BM25_BOOST = 0.03  # a title phrase's BM25, scaled to stay below any word match
# Where a verbatim match is scored by its BM25 instead of a fixed amount: the short fields.
# Scoring the long "text" field's phrase (every occurrence counted) cost 60 % of search time in
# bench.search.
SCORED_GRAM_FIELDS = ("title",)
PROXIMITY_BOOST = 1.5
PROXIMITY_SLOP = 2  # steps over the sub-words indexed after a long word
DOC_NUMBER_BOOST = 20.0
# Which fields a term searches: (word fields, gram fields), by the term's field.
SCOPES = {
    # Verbatim recall is promised for title, body and attachments (all in "text"); metadata has
    # its own fields.
    None: (tuple(WORD_FIELDS), ("text", "title")),
    "title": (("title",), ("title",)),
    "doc_number": ((), ("number",)),
    "unit": ((), ("units",)),
    "publisher": ((), ("publisher",)),
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
    # The tokens are the overlapping bigrams of one text (政策 策解 解读): every second one and the
    # last pin the text down as well, which an engine may use where the phrase is not scored.
    overlapping: bool = False


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
    minimum_should_match: int = 0  # > 0: at least this many of `should` (a node with no must)


def _any(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else BoolNode(should=tuple(nodes))


def _fragment(grams: tuple[str, ...], name: str) -> Node:
    weight = WORD_FIELDS.get(name, 1.0)
    grams_field = gram_field(name)
    if name not in SCORED_GRAM_FIELDS:
        phrase = TermNode(grams_field, grams[0]) if len(grams) == 1 else PhraseNode(grams_field, grams, overlapping=True)
        return ConstantNode(phrase, GRAM_BOOST * weight)
    # Scored by its BM25 alone: one phrase to evaluate, where a fixed part beside it cost a second
    # (bench: 4 % of all search CPU). It only ever adds to the text's fixed part (verbatim).
    boost = FRAGMENT_BM25_BOOST * weight
    return TermNode(grams_field, grams[0], boost) if len(grams) == 1 else PhraseNode(grams_field, grams, boost=boost)


def verbatim(text: str, fields: tuple[str, ...]) -> Node | None:
    """The text as a phrase of its bigrams. A verbatim match in the text is worth a fixed amount
    (it is there for recall, below what matching words is worth); one in the title adds a small
    share of the phrase's BM25, so that among verbatim-only matches a title — a short one, one
    that says it twice — comes first and recency breaks only real ties."""
    grams = tuple(query_bigrams(text))
    if not grams or not fields:
        return None
    options = {name: _fragment(grams, name) for name in fields}
    if "text" in options and "title" in options:
        # The title is part of the text, so a title match is a text match with a bonus: asked
        # as text and, optionally, title, an engine looks at the title only where the text
        # matched — the same documents and scores as text or title, for less work.
        title = options.pop("title")
        options["text"] = BoolNode(must=(options["text"],), should=(title,))
    return _any(list(options.values()))


def required_words(count: int, soft: bool, relax: int = 0) -> int:
    """How many of a term's content words a document must contain. Every word for a term that
    is no question (社会救助 means both); for a question, one word in three may be missing, as a
    reader of the question would allow; each relaxation step of a search that found nothing
    lowers it by one, never below one."""
    needed = count - count // 3 if soft else count
    return max(1, needed - relax)


def _by_words(words: list[str], fields: tuple[str, ...], soft: bool = False, relax: int = 0) -> Node | None:
    if not words or not fields:
        return None
    unique = list(dict.fromkeys(words))
    each = [_any([TermNode(name, word, WORD_FIELDS[name]) for name in fields]) for word in unique]
    needed = required_words(len(each), soft, relax)
    matched = BoolNode(must=tuple(each)) if needed >= len(each) else BoolNode(should=tuple(each), minimum_should_match=needed)
    near = ()
    if len(words) > 1:
        near = tuple(
            PhraseNode(name, tuple(words), PROXIMITY_SLOP, PROXIMITY_BOOST * WORD_FIELDS[name])
            for name in NEAR_FIELDS
            if name in fields
        )
    return BoolNode(must=(matched,), should=near)


def _content_runs(text: str) -> list[str]:
    """The stretches of a question between its question words (什么是无废城市 → 无废城市): each
    is searched verbatim too, since it may be one thing jieba cut apart."""
    runs, current = [], ""
    ignored = ignorable_words()
    for word in query_words(text):
        if word in ignored:
            runs.append(current)
            current = ""
        else:
            current += word
    runs.append(current)
    return [run for run in runs if len(run) > 1 and run != text]


def _unscored_word_fields(word_fields: tuple[str, ...], gram_fields: tuple[str, ...], words: list[str],
                          text: str) -> tuple[str, ...]:
    """Where a term's words must still be looked for when only which documents match counts
    (matching_node). A one-word term asked verbatim in "text" too leaves out the text's parts:
    a word of theirs is a substring of the text, which the phrase of its bigrams finds anyway
    (bench.search's queries at 100,000 documents: a quarter of the CPU of counting facets)."""
    if words != [text] or "text" not in gram_fields or not query_bigrams(text):
        return word_fields
    return tuple(name for name in word_fields if name not in TEXT_PARTS)


def _written(text: str, term: Term, relax: int = 0, scored: bool = True) -> Node | None:
    """One way of writing a term, in the term's scope."""
    word_fields, gram_fields = SCOPES[term.field]
    words = [] if term.phrase else content_words(text)[0]
    if len(words) == 1 and words[0] == text:
        # One word: the title's words hold it wherever segmentation agrees, with the title's
        # weight; the title's bigrams would mostly find it again, at a cost (bench: a third of
        # the time of a word in 70,000 documents).
        gram_fields = tuple(name for name in gram_fields if name != "title")
    if not scored:
        word_fields = _unscored_word_fields(word_fields, gram_fields, words, text)
    options = [n for n in (_by_words(words, word_fields, term.soft, relax), verbatim(text, gram_fields)) if n]
    if term.soft:
        options += [n for n in (verbatim(run, gram_fields) for run in _content_runs(text)) if n]
    if term.field in ("unit", "publisher"):
        options.append(TermNode(term.field, default_registry().canonical(text)))
    elif term.field == "domain":
        options.append(TermNode("domain", default_taxonomy().canonical(text)))
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


def _as_name(text: str, term: Term, scored: bool = True) -> Node | None:
    """Another name for what the term asks (a synonym, an abbreviation's full form): found as a
    name — its words together, or verbatim — never as words scattered over a document."""
    word_fields, gram_fields = SCOPES[term.field]
    words = query_words(text)
    if not scored:
        word_fields = _unscored_word_fields(word_fields, gram_fields, words, text)
    options = []
    if len(words) == 1:
        options += [TermNode(name, words[0], WORD_FIELDS[name]) for name in word_fields]
    elif words:
        options += [PhraseNode(name, tuple(words), PROXIMITY_SLOP, WORD_FIELDS[name]) for name in NEAR_FIELDS
                    if name in word_fields]
    options += [n for n in (verbatim(text, gram_fields),) if n]
    return _any(options) if options else None


def term_node(term: Term, relax: int = 0, scored: bool = True) -> Node:
    # A name the dictionary knows is matched as a name, as its other names are.
    as_typed = _as_name(term.text, term, scored) if term.is_name else _written(term.text, term, relax, scored)
    written = [n for n in (as_typed, *(_as_name(t, term, scored) for t in term.synonyms)) if n]
    return _any(written) if written else MatchNone()


ANY_TERM = 99  # the last relaxation: any one of the terms (the words across spaces) will do


def plan_node(plan: QueryPlan, relax: int = 0, scored: bool = True) -> Node:
    if not plan.has_text:
        return MatchAll()
    must, must_not = [], []
    for group in plan.groups:
        if len(group) == 1 and group[0].negated:
            must_not.append(term_node(group[0], scored=False))
        else:
            must.append(_any([term_node(t, relax, scored) for t in group]))
    if relax >= ANY_TERM and len(must) > 1:
        return BoolNode(should=tuple(must), must_not=tuple(must_not), minimum_should_match=1)
    return BoolNode(must=tuple(must) or (MatchAll(),), must_not=tuple(must_not))


def search_node(plan: QueryPlan, query: SearchQuery) -> Node:
    """The whole query: the plan's text, the facet filters and the date range of both."""
    return _query_node(plan, query, scored=True)


def matching_node(plan: QueryPlan, query: SearchQuery) -> Node:
    """The documents search_node finds, for an engine to count or list without ranking them:
    the same matches for less work, where scores would only have told apart what they find."""
    return _query_node(plan, query, scored=False)


def _query_node(plan: QueryPlan, query: SearchQuery, scored: bool) -> Node:
    filters: list[Node] = [_any([TermNode(name, value) for value in values]) for name, values in query.filters().items()]
    starts = [d for d in (query.date_from, plan.date_from) if d]
    ends = [d for d in (query.date_to, plan.date_to) if d]
    if starts or ends:
        filters.append(
            DateRangeNode("published", max(starts) if starts else None, min(ends) + timedelta(days=1) if ends else None)
        )
    text = plan_node(plan, query.relax, scored)
    return BoolNode(must=(text,), filter=tuple(filters)) if filters else text
