"""Search speed of this checkout against another revision, measured side by side.

This machine's speed drifts by up to 2× within a day, so two bench.search runs minutes apart
cannot show a 10 % change. Here both versions serve at once, each from its own index of the
same generated corpus, and are driven in turn, batch by batch (100 distinct requests from 8
clients, the order shuffled): every drift of the machine falls on both alike.

Prints, for each version: p50/p99 latency of the first round (bench.search's condition: every
request asked once, after a warm-up of 200 others), of the warm rounds (round 1 on, when every
query has been seen once with another page size) and of all; the mean, and the server's CPU per
request; then after ÷ before.

Run: .venv/bin/python -m bench.compare --baseline REV [--candidate REV] [--documents 100000] [--rounds 5]
(each REV is checked out with `git worktree` in a temporary folder — without --candidate the
working tree is measured, so leave it alone while it runs; each side builds its index with its
own code and corpus generator, the queries come from this checkout's bench.search.)"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from bench.corpus import CorpusGenerator
from bench.search import cpu_seconds, drive, percentile, queries, start_server

ROOT = Path(__file__).resolve().parent.parent
BATCH = 100
CLIENTS = 8
# Run inside each checkout, with its own code: build the index of the generated corpus.
BUILD = """
import sys
from pathlib import Path
from bench.corpus import CorpusGenerator
from indexer.tantivy_engine import TantivyEngine
documents = CorpusGenerator().documents(int(sys.argv[2]))
TantivyEngine(Path(sys.argv[1]) / "index" / "tantivy").replace_all(documents, count_hint=len(documents))
"""


def build(checkout: Path, data: Path, documents: int) -> None:
    subprocess.run([sys.executable, "-c", BUILD, str(data), str(documents)], cwd=checkout,
                   env={**os.environ, "PYTHONPATH": str(checkout)}, check=True)


def summary(latencies: list[float]) -> str:
    return f"p50 {statistics.median(latencies):6.2f} ms, p99 {percentile(latencies, 0.99):6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git revision to compare with (e.g. a commit)")
    parser.add_argument("--candidate", help="git revision to measure (default: the working tree)")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1600)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        revisions = {"before": args.baseline, "after": args.candidate}
        sides = {name: tmp_path / f"checkout-{name}" if rev else ROOT for name, rev in revisions.items()}
        for name, rev in revisions.items():
            if rev:
                subprocess.run(["git", "worktree", "add", "--detach", str(sides[name]), rev], cwd=ROOT,
                               check=True, capture_output=True)
        try:
            for name, checkout in sides.items():
                build(checkout, tmp_path / name, args.documents)
                print(f"{name}: index of {args.documents:,} documents built", flush=True)
            documents = CorpusGenerator().documents(args.documents)
            made = queries(documents, rng, args.requests + 200)
            del documents
            paths = [f"/api/search?{urllib.parse.urlencode(q)}" for q in made]
            servers = {name: start_server(tmp_path / name, 8400 + os.getpid() % 100 + i, checkout)
                       for i, (name, checkout) in enumerate(sides.items())}
            try:
                report(servers, paths, args.rounds)
            finally:
                for server in servers.values():
                    server.terminate()
                    server.wait(timeout=10)
        finally:
            for name, rev in revisions.items():
                if rev:
                    subprocess.run(["git", "worktree", "remove", "--force", str(sides[name])], cwd=ROOT, check=False)


def _port(server: subprocess.Popen) -> int:
    return int(server.args[server.args.index("--port") + 1])


def report(servers: dict[str, subprocess.Popen], paths: list[str], rounds: int) -> None:
    for server in servers.values():
        drive(_port(server), paths[:200], 1)  # warm-up: the dictionary, the first pages of the index
    measured = paths[200:]
    latencies: dict[str, list[list[float]]] = {name: [] for name in servers}
    cpu = {name: 0.0 for name in servers}
    order = random.Random(3)
    for round_number in range(rounds):
        # Another page size each round: distinct requests again, past the response cache.
        suffix = f"&size={10 + round_number}" if round_number else ""
        this_round = {name: [] for name in servers}
        for start in range(0, len(measured), BATCH):
            batch = [path + suffix for path in measured[start:start + BATCH]]
            names = list(servers)
            order.shuffle(names)
            for name in names:
                server = servers[name]
                used = cpu_seconds(server.pid)
                got, _wall = drive(_port(server), batch, CLIENTS)
                cpu[name] += cpu_seconds(server.pid) - used
                this_round[name] += got
        for name in servers:
            latencies[name].append(this_round[name])
    figures = {}
    for name in servers:
        first = latencies[name][0]  # bench.search's condition: each request asked once, after a warm-up
        every = [x for r in latencies[name] for x in r]
        warm = [x for r in latencies[name][1:] for x in r] or every
        figures[name] = (statistics.median(first), percentile(first, 0.99), statistics.median(warm),
                         percentile(warm, 0.99), statistics.median(every), percentile(every, 0.99),
                         cpu[name] / len(every) * 1000)
        print(f"{name:6}: first round {summary(first)}; warm rounds {summary(warm)}; all {summary(every)}; "
              f"mean {statistics.mean(every):.2f} ms; server CPU {figures[name][6]:.2f} ms/request; "
              f"{len(every)} requests, {CLIENTS} clients")
    before, after = figures["before"], figures["after"]
    labels = ("first p50", "first p99", "warm p50", "warm p99", "all p50", "all p99", "CPU/request")
    print("after ÷ before: " + ", ".join(f"{label} {a / b:.3f}" for label, a, b in zip(labels, after, before)))
    print(json.dumps({label: round(a / b, 3) for label, a, b in zip(labels, after, before)}))


if __name__ == "__main__":
    main()
