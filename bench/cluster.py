"""Search on a real Elasticsearch cluster beside tantivy, in one run: bench.search's generated
corpus and distinct requests, each engine behind its own real API server, driven by the same
clients one after the other.

The cluster is the project's own two nodes (tests/es_cluster.py, from Maven Central; heap
ZHENGCE_ES_HEAP per node, 1g here) unless ZHENGCE_ES_URL names one. Its index has two shards
and a replica, as a deployment's would.

Run: .venv/bin/python -m bench.cluster [--documents 100000] [--clients 8] [--requests 1600]"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

from bench.corpus import CorpusGenerator
from bench.search import drive, load_arguments, memory_mb, percentile, queries, start_server
from indexer.elastic_engine import ElasticsearchEngine
from indexer.tantivy_engine import TantivyEngine
from tests.conftest import drop_builds, es_client


def measure(data: Path, port: int, env: dict, search_paths: list[str], clients: int, requests: int) -> dict:
    server = start_server(data, port, env=env)
    try:
        drive(port, search_paths[:200], 1)  # warm-up
        latencies, wall = drive(port, search_paths[200:], clients)
        trivial, trivial_wall = drive(port, ["/api/health"] * requests, clients)
        memory = memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"p50 ms": statistics.median(latencies), "p99 ms": percentile(latencies, 0.99),
            "requests/s": len(latencies) / wall, "trivial requests/s": len(trivial) / trivial_wall,
            "API server MB (proportional)": memory["pss"]}


def main() -> None:
    args = load_arguments(__doc__.splitlines()[0])
    os.environ.setdefault("ZHENGCE_ES_HEAP", "1g")
    from tests.es_cluster import Cluster

    cluster = None if os.environ.get("ZHENGCE_ES_URL") else Cluster()
    url = os.environ.get("ZHENGCE_ES_URL") or cluster.start()
    alias = f"zhengce-bench-{uuid.uuid4().hex[:8]}"
    rng = random.Random(11)
    documents = CorpusGenerator().documents(args.documents)
    the_queries = queries(documents, rng, args.requests + 200)
    search_paths = [f"/api/search?{urllib.parse.urlencode(q)}" for q in the_queries]
    print(f"corpus: {len(documents):,} generated documents; {args.clients} clients, {args.requests} distinct requests")
    figures: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            builds = {
                "tantivy": (lambda: TantivyEngine(Path(tmp) / "tantivy" / "index" / "tantivy"), {}),
                "elasticsearch": (lambda: ElasticsearchEngine(es_client(url), alias, shards=2, replicas=1),
                                  {"ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": url, "ZHENGCE_ES_INDEX": alias}),
            }
            for number, (name, (make, env)) in enumerate(builds.items()):
                started = time.perf_counter()
                report = make().replace_all(documents, count_hint=len(documents))
                if name == "elasticsearch":  # built when every replica is in place, as a deployment would wait
                    es_client(url).cluster.health(index=alias, wait_for_status="green", timeout="600s")
                build_s = time.perf_counter() - started
                print(f"{name}: built in {build_s:.0f} s ({report.indexed / build_s:,.0f} docs/s), failed {len(report.failed)}")
                data = Path(tmp) / name
                data.mkdir(exist_ok=True)
                figures[name] = {"build s": build_s,
                                 **measure(data, 8600 + os.getpid() % 100 + number, env, search_paths, args.clients,
                                           args.requests)}
    finally:
        drop_builds(es_client(url), alias)
        if cluster:
            cluster.stop()
    print(f"{'':30}{'tantivy':>12}{'elasticsearch':>16}")
    for key in figures["tantivy"]:
        print(f"{key:30}{figures['tantivy'][key]:>12.1f}{figures['elasticsearch'][key]:>16.1f}")


if __name__ == "__main__":
    main()
