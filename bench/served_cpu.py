"""Served CPU per search against the engine's own: what zhengce's Python costs around the engine.

The same distinct requests (bench.search's: words, phrases, 文号, facet filters) are asked
twice of one index of a generated corpus:
- through the real server, by 8 clients: the CPU its processes used (from /proc), per request —
  HTTP, the framework, parameters, planning, the engine, snippets, grouping, the response;
- in this process, the way the server's search runs (services.search, the response built and
  serialized; facets counted on the same thread), with the CPU of every native tantivy call
  counted apart: the engine's own part — ranking, facet counts, reading the page's stored
  documents.

Prints both per request, where the rest of the in-process CPU goes (planning, the page's
snippets and grouping, the response model, its JSON), and served ÷ engine, the figure #16
asks to bring to ≤ 1.3.

Run: .venv/bin/python -m bench.served_cpu [--documents 100000] [--requests 2000]"""
from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from bench.corpus import CorpusGenerator
from bench.search import cpu_seconds, drive, queries, start_server
from indexer.base import SearchQuery
import indexer.tantivy_engine
from indexer.tantivy_engine import TantivyEngine
from search_api import services
from search_api.schemas import SearchResponse

CLIENTS = 8


class _Clock:
    """CPU seconds the calling thread spent in what it wraps."""

    def __init__(self):
        self.seconds = 0.0
        self._lock = threading.Lock()

    def wrap(self, function):
        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                with self._lock:
                    self.seconds += spent

        return timed


class _TimedSearcher:
    """A tantivy searcher whose native calls — ranking, facet aggregation, reading stored
    documents, fast fields — are clocked, each apart: together, the engine's own CPU."""

    def __init__(self, searcher, clocks: dict[str, _Clock]):
        self._searcher = searcher
        self._clocks = clocks

    def __getattr__(self, name: str):
        value = getattr(self._searcher, name)
        return self._clocks[name].wrap(value) if name in self._clocks else value


@contextmanager
def _cpu(into: dict, key: str):
    started = time.thread_time()
    yield
    into[key] = into.get(key, 0.0) + time.thread_time() - started


def served(folder: Path, paths: list[str]) -> float:
    """CPU seconds of the server per request, after a warm-up of other requests."""
    port = 8800 + random.randrange(100)
    server = start_server(folder, port)
    try:
        time.sleep(3.0)  # start-up work (the timeliness report, prepared in the background) ends
        drive(port, paths[:200], CLIENTS)
        before = cpu_seconds(server.pid)
        drive(port, paths[200:], CLIENTS)
        return (cpu_seconds(server.pid) - before) / len(paths[200:])
    finally:
        server.terminate()
        server.wait(timeout=30)


def in_process(folder: Path, requests: list[dict]) -> dict[str, float]:
    """CPU seconds per request of each part of the server's search, run here."""
    engine = TantivyEngine(folder / "index" / "tantivy")
    native = {name: _Clock() for name in ("search", "search_and_aggregate", "aggregate", "doc", "fast_field_values")}
    planning, reading = _Clock(), _Clock()
    searcher = engine._searcher
    engine._searcher = lambda: (found := searcher()) and _TimedSearcher(found, native)
    engine.plan = planning.wrap(engine.plan)
    engine._document = reading.wrap(engine._document)
    # Facets counted on this thread too: every native call's CPU is then this thread's, and
    # the load the server's run left behind cannot switch the hand-off on midway.
    indexer.tantivy_engine.spare_core = lambda: False
    parts: dict[str, float] = {}
    for request in requests[:200]:  # the same warm-up as the server's
        services.search(engine, SearchQuery(**request))
    for clock in (*native.values(), planning, reading):
        clock.seconds = 0.0
    measured = requests[200:]
    for request in measured:
        query = SearchQuery(**request)
        with _cpu(parts, "search"):
            result = services.search(engine, query)
        with _cpu(parts, "response JSON"):
            SearchResponse.json_of(result, query.page, query.size)
    search = parts.pop("search")
    figures = {
        "engine: ranking, facets, stored documents": sum(clock.seconds for clock in native.values()),
        "planning": planning.seconds,
        "stored JSON made Documents": reading.seconds - native["doc"].seconds,
        "rendering, snippets, titles, grouping": search - planning.seconds - reading.seconds - sum(
            clock.seconds for name, clock in native.items() if name != "doc"),
        **parts,
    }
    return {name: seconds / len(measured) for name, seconds in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000, help="distinct search requests measured")
    args = parser.parse_args()
    documents = CorpusGenerator().documents(args.documents)
    requests = queries(documents, random.Random(5), args.requests + 200)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        TantivyEngine(folder / "index" / "tantivy").replace_all(documents, count_hint=len(documents))
        del documents
        print(f"{args.documents:,} documents indexed in {time.perf_counter() - started:.0f} s", flush=True)
        paths = [f"/api/search?{urllib.parse.urlencode(r)}" for r in requests]
        server_cpu = served(folder, paths)
        parts = in_process(folder, requests)
    engine_cpu = parts["engine: ranking, facets, stored documents"]
    print(f"{args.requests:,} distinct searches, {CLIENTS} clients")
    print(f"served: {server_cpu * 1000:.2f} ms CPU per search (server and workers)")
    for name, seconds in parts.items():
        print(f"  in process, {name}: {seconds * 1000:.2f} ms")
    in_total = sum(parts.values())
    print(f"  in process, all: {in_total * 1000:.2f} ms; HTTP and the framework (served − in process):"
          f" {(server_cpu - in_total) * 1000:.2f} ms")
    print(f"served ÷ engine = {server_cpu / engine_cpu:.2f} (target ≤ 1.3); in process ÷ engine ="
          f" {in_total / engine_cpu:.2f}")


if __name__ == "__main__":
    main()
