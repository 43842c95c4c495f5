"""A unit's page at scale: what it costs to read a page of what a unit issued and of its tasks,
against reading every document of the unit (what the page did before #16), for the units
that issue most in a generated corpus.

Prints per unit: documents issued and naming it, then the milliseconds of page 1, of a deep
page, and of the old full read, each the median of five.

Run: .venv/bin/python -m bench.units [--documents 100000]"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import CorpusGenerator
from indexer.base import SearchQuery
from indexer.tantivy_engine import TantivyEngine
from search_api.services import unit_detail

TARGET_MS = 100


def median_ms(work, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = TantivyEngine(Path(tmp))
        started = time.perf_counter()
        engine.replace_all(CorpusGenerator().documents(args.documents), count_hint=args.documents)
        print(f"{args.documents:,} generated documents indexed in {time.perf_counter() - started:.0f} s")
        biggest = [c.value for c in engine.term_counts("publisher", SearchQuery(), size=5)]
        print(f"{'unit':24}{'issued':>8}{'named':>8}{'page 1':>9}{'page 40':>9}{'all (old)':>11}")
        worst = 0.0
        for name in biggest:
            detail = unit_detail(engine, name)
            first = median_ms(lambda: unit_detail(engine, name))
            deep = median_ms(lambda: unit_detail(engine, name, issued_page=40, tasks_page=40))
            everything = median_ms(lambda: (list(engine.documents(SearchQuery(publisher=name))),
                                            list(engine.documents(SearchQuery(responsible=name)))), runs=1)
            worst = max(worst, first, deep)
            print(f"{name:24}{detail.issued_total:>8}{detail.task_documents:>8}{first:>8.1f} {deep:>8.1f} {everything:>10.0f}")
        print(f"target: a unit page ≤ {TARGET_MS} ms at 100,000 documents: {'met' if worst <= TARGET_MS else 'MISSED'}"
              f" (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
