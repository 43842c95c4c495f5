"""Relevance on judged queries, and verbatim recall on random substrings.

nDCG@10 and recall@10 over tests/data/relevance/judgments.toml (grades 0–3; an interpretation
shown under its policy counts at the position right after it); substring recall: the share of
random 2–8 character substrings of indexed text whose document the search finds.

Run: .venv/bin/python -m bench.relevance"""
from __future__ import annotations

import math
import random
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench.sample_index import build_sample_index
from indexer.base import SearchEngine, SearchQuery

JUDGMENTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "relevance" / "judgments.toml"
CUTOFF = 10
SYNTAX = re.compile(r'["“”:：|\s]|^-|^(OR|或)$')


# Tables of judgments.toml: the first set, then the public's ways of asking (issue 13).
KINDS = {"queries": "literal", "questions": "questions", "abbreviations": "abbreviations", "fragments": "fragments"}


@dataclass
class QueryScore:
    query: str
    ndcg: float
    recall: float
    ranked: list[str]
    kind: str = "literal"
    first_relevant: bool = False  # success@1: the first result is graded 3
    found: int = 0  # results in all


def _path(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def ranked_paths(engine: SearchEngine, q: str) -> tuple[list[str], int]:
    result = engine.search(SearchQuery(q=q, size=CUTOFF))
    paths = []
    for hit in result.hits:
        paths.append(_path(hit.document.url))
        paths.extend(_path(r.document.url) for r in hit.related)
    return paths[:CUTOFF], result.total


def _dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def judged_scores(engine: SearchEngine) -> list[QueryScore]:
    raw = tomllib.loads(JUDGMENTS.read_text(encoding="utf-8"))
    docs = raw["docs"]
    scores = []
    for table, kind in KINDS.items():
        for q, judged in raw.get(table, {}).items():
            grades = {docs[alias]: grade for alias, grade in judged.items()}
            ranked, found = ranked_paths(engine, q)
            ideal = _dcg(sorted(grades.values(), reverse=True)[:CUTOFF])
            ndcg = _dcg([grades.get(p, 0) for p in ranked]) / ideal
            relevant = {p for p, g in grades.items() if g > 0}
            best = max(grades.values())
            scores.append(QueryScore(q, ndcg, len(relevant & set(ranked)) / len(relevant), ranked, kind,
                                     bool(ranked) and grades.get(ranked[0], 0) == best, found))
    return scores


def summary(scores: list[QueryScore]) -> dict[str, dict[str, float]]:
    """Per kind and overall: nDCG@10, recall@10, success@1 and the share of zero results."""
    kinds = {kind: [s for s in scores if s.kind == kind] for kind in dict.fromkeys(s.kind for s in scores)}
    kinds["all"] = scores
    return {
        kind: {
            "queries": len(group),
            "ndcg": sum(s.ndcg for s in group) / len(group),
            "recall": sum(s.recall for s in group) / len(group),
            "success1": sum(s.first_relevant for s in group) / len(group),
            "zero": sum(s.found == 0 for s in group) / len(group),
        }
        for kind, group in kinds.items() if group
    }


def substring_draws(engine: SearchEngine, draws: int, seed: int = 20261125) -> list[tuple[str, str]]:
    """(query, document id) pairs: a random 2–8 character substring of a random document's title,
    body or attachment text. Whitespace-free; quoted when it holds query syntax."""
    documents = list(engine.documents(SearchQuery()))
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < draws:
        doc = rng.choice(documents)
        texts = [t for t in (doc.title, doc.body, *(a.text for a in doc.attachments)) if len(t) >= 2]
        text = rng.choice(texts)
        length = rng.randint(2, 8)
        start = rng.randrange(0, max(1, len(text) - length + 1))
        piece = text[start : start + length]
        if len(piece) < 2 or any(ch.isspace() for ch in piece) or '"' in piece:
            continue
        pairs.append((f'"{piece}"' if SYNTAX.search(piece) else piece, doc.id))
    return pairs


def substring_recall(engine: SearchEngine, draws: int = 1000) -> tuple[float, list[str]]:
    misses = []
    pairs = substring_draws(engine, draws)
    for query, doc_id in pairs:
        if doc_id not in {d.id for d in engine.documents(SearchQuery(q=query))}:
            misses.append(query)
    return 1 - len(misses) / len(pairs), misses


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, _crawl_s, _reindex_s = build_sample_index(Path(tmp))
        scores = judged_scores(engine)
        rate, misses = substring_recall(engine)
    for s in scores:
        if s.ndcg < 1 or s.recall < 1:
            print(f"  [{s.kind}] {s.query}: nDCG@10 {s.ndcg:.3f}, recall@10 {s.recall:.3f}, {s.found} results")
    print(f"judged queries: {len(scores)}")
    print(f"{'kind':<14} {'queries':>7} {'nDCG@10':>8} {'recall@10':>9} {'success@1':>9} {'zero results':>12}")
    for kind, figures in summary(scores).items():
        print(f"{kind:<14} {figures['queries']:>7} {figures['ndcg']:>8.3f} {figures['recall']:>9.3f} "
              f"{figures['success1']:>9.3f} {figures['zero']:>12.3f}")
    print("targets: nDCG@10 ≥ 0.9 for every kind; no zero results")
    print(f"substring recall (1000 random 2–8 character substrings): {rate:.3f}   target 1.0")
    for miss in misses[:10]:
        print(f"  missed: {miss}")


if __name__ == "__main__":
    main()
