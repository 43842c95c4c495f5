"""Policy ↔ interpretation links across the whole corpus, each with how it was found.

Explicit links win: a policy's 相关解读 block linking to an interpretation, or the
interpretation's 相关文件 block linking back. Only when an interpretation has neither is it
linked by evidence in its text: the policy's 文号 cited, the policy's 《title》 quoted, and,
failing both, text similarity with a policy published shortly before it. One interpretation may
explain several policies."""
from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Protocol

from analyzers.doc_number import DOC_NUMBER, doc_number_key
from analyzers.model import DocKind, Document, InterpretationLink, LinkMethod
from analyzers.segment import query_words

FORM_ORDER = ("文字解读", "图解", "视频解读", "访谈解读", "媒体报道", "")
CONFIDENCE = {
    LinkMethod.hyperlink: 1.0,
    LinkMethod.backlink: 1.0,
    LinkMethod.doc_number: 0.95,
    LinkMethod.quoted_title: 0.9,
}
QUOTED_IN_BODY_CONFIDENCE = 0.75
SIMILARITY_THRESHOLD = 0.3
SIMILARITY_MAX_CONFIDENCE = 0.8
SIMILARITY_WINDOW = timedelta(days=90)  # an interpretation follows its policy within weeks
_QUOTED = re.compile(r"《([^《》]{4,80})》")
_ISSUED = re.compile(r"关于印发(.+?)的通知$")  # compiled: every update keys every policy's title
_PUNCTUATION = re.compile(r"[\s\u3000《》“”\"'（）()、，,。:：]")


def _normalize(title: str) -> str:
    return _PUNCTUATION.sub("", title)


def _title_keys(title: str) -> tuple[set[str], str]:
    """Ways a policy's title is quoted: whole, without the issuing unit (关于…的通知), and the
    issued document's own title for 关于印发…的通知."""
    full = _normalize(title)
    keys = {full}
    if "关于" in full:
        keys.add(full[full.index("关于") :])
    issued = _ISSUED.search(full)
    return keys, issued.group(1) if issued else ""


def _quotes_title(quote: str, keys: set[str], issued: str) -> bool:
    quote = _normalize(quote)
    if quote in keys:
        return True
    # 《泉港区推进…实施方案》 names the issued plan with its area; a quote naming another
    # issuer's 关于…通知 must not match on the shared words.
    return len(issued) >= 6 and quote.endswith(issued) and "关于" not in quote


def compared_text(doc: Document) -> str:
    """What a document is compared by: its title twice and the start of its body."""
    return f"{doc.title}\n{doc.title}\n{doc.body[:3000]}"


def text_vector(doc: Document) -> Counter:
    """The words a document is compared by (jieba: the costly part of linking by similarity)."""
    return words_vector(compared_text(doc))


def words_vector(text: str) -> Counter:
    return Counter(w for w in query_words(text) if len(w) > 1)


def vector_key(doc: Document) -> str:
    """What text_vector depends on, as a hash: the key of a cache of vectors."""
    return hashlib.sha1(compared_text(doc).encode("utf-8")).hexdigest()


class Vectors(Protocol):
    """Where a document's words for similarity come from: a cache of text_vector (an update
    pays only for new texts), or SEGMENTING."""

    def __call__(self, document: Document) -> Counter: ...

    def prefetch(self, documents: list[Document]) -> None:
        """These documents are about to be asked for: the first time a window of policies is
        compared (~2 ms of jieba a policy, thousands in 90 days of a province), a cache segments
        the missing ones on every core."""


class _Segmenting:
    """text_vector itself, with nothing kept."""

    def __call__(self, document: Document) -> Counter:
        return text_vector(document)

    def prefetch(self, documents: list[Document]) -> None:
        pass


SEGMENTING = _Segmenting()


@dataclass
class _Evidence:
    policy: Document
    method: LinkMethod
    confidence: float


@cache
def _idf() -> tuple[dict[str, float], float]:
    """Inverse document frequencies of a large general corpus — jieba's own table — and its
    median for a word it lacks. Fixed, not the corpus's own: a link then depends on the two
    documents alone, so linking costs the documents compared, never a pass over all of them
    (a province has hundreds of thousands), and an update links as a rebuild does."""
    table: dict[str, float] = {}
    # Found, not imported: importing jieba (zhengce segments with jieba_fast) costs seconds.
    package = Path(importlib.util.find_spec("jieba").origin).parent
    with (package / "analyse" / "idf.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, _space, value = line.strip().rpartition(" ")
            if word:
                table[word] = float(value)
    return table, statistics.median(table.values())


class _Similarity:
    """TF-IDF cosine between an interpretation and a policy. A document's words are asked of
    `vectors` (a cache of text_vector, or text_vector itself) only when it is compared; weights
    and norms are computed once per document."""

    def __init__(self, vectors: Vectors):
        self.vectors = vectors
        self.weights: dict[str, tuple[dict[str, float], float]] = {}

    def _weights(self, doc: Document) -> tuple[dict[str, float], float]:
        if doc.id not in self.weights:
            idf, median = _idf()
            weights = {w: (1 + math.log(c)) * idf.get(w, median) for w, c in self.vectors(doc).items()}
            self.weights[doc.id] = (weights, math.sqrt(sum(x * x for x in weights.values())))
        return self.weights[doc.id]

    def score(self, a: Document, b: Document) -> float:
        (mine, mine_norm), (theirs, theirs_norm) = self._weights(a), self._weights(b)
        norm = mine_norm * theirs_norm
        return sum(x * theirs.get(w, 0.0) for w, x in mine.items()) / norm if norm else 0.0


def _published_in_order(policy: Document, interpretation: Document, window: timedelta | None) -> bool:
    if policy.published_at is None or interpretation.published_at is None:
        return window is None
    gap = interpretation.published_at.date() - policy.published_at.date()
    return gap >= timedelta(days=-1) and (window is None or gap <= window)


MIN_ISSUED = 6  # characters of an issued document's title that a quote may end with


class _Policies:
    """The policies looked up by what an interpretation can cite — a 文号, a quoted title, the
    tail of an issued plan's title — and by date, so that finding an interpretation's policy
    costs what it cites, not a pass over every policy (a province has hundreds of thousands)."""

    def __init__(self, policies: list[Document]):
        self.policies = policies
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.by_title: dict[str, list[int]] = defaultdict(list)
        self.by_issued: dict[str, list[int]] = defaultdict(list)
        self.keys: list[tuple[set[str], str]] = []
        for i, policy in enumerate(policies):
            if policy.doc_number:
                self.by_number[doc_number_key(policy.doc_number)].append(i)
            keys, issued = _title_keys(policy.title)
            self.keys.append((keys, issued))
            for key in keys:
                self.by_title[key].append(i)
            if len(issued) >= MIN_ISSUED:
                self.by_issued[issued].append(i)
        dated = sorted((p.published_at.date(), i) for i, p in enumerate(policies) if p.published_at is not None)
        self.dates = [day for day, _i in dated]
        self.dated = [i for _day, i in dated]

    def quoted(self, quotes: list[str]) -> set[int]:
        """Policies whose title one of the quotes may name (_quotes_title decides)."""
        found: set[int] = set()
        for quote in map(_normalize, quotes):
            found.update(self.by_title.get(quote, ()))
            if "关于" not in quote:
                for start in range(len(quote) - MIN_ISSUED + 1):
                    found.update(self.by_issued.get(quote[start:], ()))
        return found

    def window(self, interpretation: Document) -> tuple[int, int]:
        """Where the policies published in the similarity window before a dated interpretation
        are in `dated`."""
        day = interpretation.published_at.date()
        return bisect_left(self.dates, day - SIMILARITY_WINDOW), bisect_right(self.dates, day + timedelta(days=1))

    def nearby(self, window: tuple[int, int]) -> list[Document]:
        """Those policies, in the corpus's order."""
        return [self.policies[i] for i in sorted(self.dated[window[0]:window[1]])]


def _cited(interpretation: Document, policies: _Policies) -> list[_Evidence]:
    """The policies an interpretation cites by 文号 or names by 《title》."""
    text = f"{interpretation.title}\n{interpretation.body}"
    cited = {doc_number_key(m.group(0)) for m in DOC_NUMBER.finditer(text)}
    title_quotes = _QUOTED.findall(interpretation.title)
    body_quotes = _QUOTED.findall(interpretation.body)
    candidates = {i for key in cited for i in policies.by_number.get(key, ())}
    candidates |= policies.quoted(title_quotes + body_quotes)
    found: list[_Evidence] = []
    for i in sorted(candidates):  # in the corpus's order, as a pass over every policy would meet them
        policy = policies.policies[i]
        if not _published_in_order(policy, interpretation, None):
            continue
        if policy.doc_number and doc_number_key(policy.doc_number) in cited:
            found.append(_Evidence(policy, LinkMethod.doc_number, CONFIDENCE[LinkMethod.doc_number]))
            continue
        keys, issued = policies.keys[i]
        if any(_quotes_title(q, keys, issued) for q in title_quotes):
            found.append(_Evidence(policy, LinkMethod.quoted_title, CONFIDENCE[LinkMethod.quoted_title]))
        elif any(_quotes_title(q, keys, issued) for q in body_quotes):
            found.append(_Evidence(policy, LinkMethod.quoted_title, QUOTED_IN_BODY_CONFIDENCE))
    return found


def _similar(interpretation: Document, nearby: list[Document], similarity: _Similarity) -> list[_Evidence]:
    """Failing any citation: the most similar policy of the window, if similar enough."""
    scored = sorted(((similarity.score(interpretation, policy), policy) for policy in nearby), key=lambda s: -s[0])
    if scored and scored[0][0] >= SIMILARITY_THRESHOLD:
        score, policy = scored[0]
        return [_Evidence(policy, LinkMethod.similarity, round(min(score, SIMILARITY_MAX_CONFIDENCE), 3))]
    return []


def _link(doc: Document, method: LinkMethod, confidence: float, form: str = "") -> InterpretationLink:
    return InterpretationLink(
        url=doc.url,
        title=doc.title,
        form=form or doc.interpretation_form,
        doc_id=doc.id,
        published_at=doc.published_at,
        method=method,
        confidence=confidence,
    )


def _form_rank(link: InterpretationLink) -> tuple[int, str]:
    return (FORM_ORDER.index(link.form) if link.form in FORM_ORDER else len(FORM_ORDER), link.title)


def link_interpretations(documents: list[Document], vectors: Vectors = SEGMENTING) -> list[Document]:
    """Every document with its links resolved: a policy's interpretations, an interpretation's
    policies. `vectors`: where a document's words for similarity come from (a cache of them
    makes an update cost what changed)."""
    by_url = {url: doc for doc in documents for url in {doc.url, *doc.urls}}
    policies = [doc for doc in documents if doc.kind is DocKind.policy]
    interpretations = [doc for doc in documents if doc.kind is DocKind.interpretation]
    explicit: dict[str, list[_Evidence]] = {doc.id: [] for doc in interpretations}
    forms: dict[tuple[str, str], str] = {}

    for doc in documents:
        for link in doc.interpretations:
            target = by_url.get(link.url)
            if target is not None and target.kind is DocKind.interpretation and doc.kind is not DocKind.interpretation:
                explicit[target.id].append(_Evidence(doc, LinkMethod.hyperlink, 1.0))
                forms[(doc.id, target.id)] = link.form
    for doc in interpretations:
        for link in doc.interprets:
            target = by_url.get(link.url)
            if target is not None and target.kind is not DocKind.interpretation:
                if all(e.policy.id != target.id for e in explicit[doc.id]):
                    explicit[doc.id].append(_Evidence(target, LinkMethod.backlink, 1.0))

    indexed = _Policies(policies) if interpretations else None
    evidence = [explicit[doc.id] or (_cited(doc, indexed) if policies else []) for doc in interpretations]
    # An interpretation that names no policy is compared with those of its window: all the
    # windows' words are asked for at once, so that a cache can segment what it lacks in parallel.
    windows = {n: indexed.window(doc) for n, doc in enumerate(interpretations)
               if policies and not evidence[n] and doc.published_at is not None}
    windows = {n: (lo, hi) for n, (lo, hi) in windows.items() if lo < hi}  # none to compare with: no link
    if windows:
        compared = {i for lo, hi in set(windows.values()) for i in indexed.dated[lo:hi]}
        vectors.prefetch([interpretations[n] for n in windows] + [indexed.policies[i] for i in sorted(compared)])
    similarity = _Similarity(vectors)
    explains: dict[str, list[InterpretationLink]] = {}
    explained_by: dict[str, list[InterpretationLink]] = {}
    for n, interpretation in enumerate(interpretations):
        if n in windows:
            evidence[n] = _similar(interpretation, indexed.nearby(windows[n]), similarity)
        for item in evidence[n]:
            form = forms.get((item.policy.id, interpretation.id), "")
            explained_by.setdefault(item.policy.id, []).append(_link(interpretation, item.method, item.confidence, form))
            explains.setdefault(interpretation.id, []).append(_link(item.policy, item.method, item.confidence))

    linked = []
    for doc in documents:
        if not (doc.interpretations or doc.interprets or doc.id in explained_by or doc.id in explains):
            linked.append(doc)  # no link either way: as it is (most of a province's documents)
            continue
        unresolved_out = [l for l in doc.interpretations if l.url not in by_url]
        unresolved_back = [l for l in doc.interprets if l.url not in by_url]
        linked.append(
            doc.model_copy(
                update={
                    "interpretations": sorted(explained_by.get(doc.id, []), key=_form_rank) + unresolved_out,
                    "interprets": explains.get(doc.id, []) + unresolved_back,
                }
            )
        )
    return linked
