"""The embedded engine at scale: build an index of a realistic generated corpus, start the real
API server, and drive /api/search with concurrent clients.

Prints: index build time and docs/s, indexing throughput against the segmenter's own on the
same text, index size, p50/p99 latency and requests/s of searches and of a trivial endpoint,
their ratio, and the server's memory.

Run: .venv/bin/python -m bench.search [--documents 100000] [--clients 8] [--requests 1600]"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from analyzers.model import DocKind, Document
from analyzers.segment import query_words, tokenizer
from bench.corpus import DOMAINS, CorpusGenerator
from indexer.tantivy_engine import TantivyEngine

BRACKETS = [("〔", "〕"), ("[", "]"), ("（", "）"), ("【", "】")]
TARGETS = {"p50_ms": 10, "p99_ms": 50, "ratio": 0.5, "rss_mb": 400, "throughput_ratio": 0.7}


def segmenter_throughput(texts: list[str], runs: int = 2) -> float:
    """MB/s of the segmenter zhengce uses, one process, on these texts: the best of a few runs,
    so a busy moment of the machine does not flatter the ratio it is compared in."""
    tk = tokenizer()
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        for text in texts:
            for _word in tk.cut(text, HMM=True):
                pass
        best = max(best, size / (time.perf_counter() - started) / 1e6)
    return best


def queries(documents: list[Document], rng: random.Random, count: int) -> list[dict]:
    """Realistic requests: words, phrases, 文号 in several spellings, facet filters."""
    policies = [d for d in documents if d.kind is DocKind.policy and d.doc_number]
    sample = rng.sample(documents, 2000)
    words = sorted({w for d in sample[:300] for w in query_words(d.title) if len(w) >= 2})
    made: dict[str, dict] = {}  # distinct requests only: a repeat would be served from the cache
    while len(made) < count:
        kind = rng.choice(["word", "words", "phrase", "number", "filtered", "title"])
        if kind == "word":
            request = {"q": rng.choice(words)}
        elif kind == "words":
            request = {"q": f"{rng.choice(words)} {rng.choice(words)}"}
        elif kind == "phrase":
            body = rng.choice(sample).body.replace("\n", "")
            start = rng.randrange(max(1, len(body) - 10))
            request = {"q": f'"{body[start:start + rng.randint(4, 8)]}"'}
        elif kind == "number":
            number = rng.choice(policies).doc_number
            opening, closing = rng.choice(BRACKETS)
            request = {"q": number.replace("〔", opening).replace("〕", closing)}
        elif kind == "filtered":
            filters = rng.choice([{"domain": rng.choice(DOMAINS)}, {"year": rng.randint(2012, 2024)},
                                  {"unit": rng.choice(sample).publisher}])
            request = {"q": rng.choice(words), **filters}
        else:
            title = rng.choice(sample).title
            request = {"q": title[2 : 2 + rng.randint(4, 10)]}
        made[json.dumps(request, ensure_ascii=False, sort_keys=True)] = request
    return list(made.values())


def drive(port: int, paths: list[str], clients: int) -> tuple[list[float], float]:
    """Send the paths from `clients` keep-alive connections at once; (latencies in ms, wall s)."""
    latencies: list[float] = []
    lock = threading.Lock()
    shares = [paths[i::clients] for i in range(clients)]

    def client(share: list[str]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        for path in share:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def process_family(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    family, queue = [], [pid]
    while queue:
        current = queue.pop()
        family.append(current)
        queue.extend(children.get(current, []))
    return family


def cpu_seconds(pid: int) -> float:
    """CPU time of a server and its workers so far."""
    ticks = 0
    for member in process_family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """Memory of a server and its workers, in MB: resident (shared pages counted in every
    process), proportional (shared pages split between them), and anonymous (the processes' own
    heap; the rest is the index's file pages, which the kernel shares and can drop)."""
    totals = {"rss": 0.0, "pss": 0.0, "anonymous": 0.0}
    for member in process_family(pid):
        rollup = Path(f"/proc/{member}/smaps_rollup").read_text().splitlines()
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.strip()}
        totals["rss"] += values["Rss"] / 1024
        totals["pss"] += values["Pss"] / 1024
        totals["anonymous"] += values["Anonymous"] / 1024
    return totals


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def start_server(data: Path, port: int, checkout: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """The real server on this data, with this checkout's code (else the running one's) and
    these settings (ZHENGCE_… variables) besides the environment's."""
    environment = {**os.environ, **({"PYTHONPATH": str(checkout)} if checkout else {}), **(env or {})}
    server = subprocess.Popen(
        [sys.executable, "-m", "zhengce.cli", "--data-dir", str(data), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=checkout, env=environment,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"server did not start: {server.stderr.read().decode()}")


def load_arguments(description: str) -> argparse.Namespace:
    """The size of a search benchmark: documents generated, clients at once, requests measured."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1600, help="distinct search requests measured")
    return parser.parse_args()


def main() -> None:
    args = load_arguments(__doc__.splitlines()[0])
    rng = random.Random(11)

    started = time.perf_counter()
    documents = CorpusGenerator().documents(args.documents)
    text_mb = sum(len(d.title.encode()) + len(d.body.encode()) for d in documents) / 1e6
    print(f"corpus: {len(documents):,} documents, {text_mb:.0f} MB of text, generated in {time.perf_counter() - started:.0f} s")
    sample = [f"{d.title}\n{d.body}" for d in rng.sample(documents, max(1, len(documents) // 40))]
    segmenter_mb_s = segmenter_throughput(sample)
    print(f"segmenter alone (jieba_fast, one core, best of 2 runs on a 2.5% sample): {segmenter_mb_s:.2f} MB/s")

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        engine = TantivyEngine(data / "index" / "tantivy")
        report = engine.replace_all(documents, count_hint=len(documents))
        build_s = time.perf_counter() - started
        index_mb = sum(f.stat().st_size for f in (data / "index").rglob("*") if f.is_file()) / 1e6
        index_mb_s = text_mb / build_s
        print(f"index build: {build_s:.0f} s, {report.indexed / build_s:,.0f} docs/s, {index_mb_s:.2f} MB/s "
              f"on {os.cpu_count()} cores = {index_mb_s / segmenter_mb_s:.2f} × the segmenter alone; "
              f"index {index_mb:,.0f} MB; failed {len(report.failed)}")
        the_queries = queries(documents, rng, args.requests + 200)
        del documents, engine
        port = 8700 + os.getpid() % 200
        server = start_server(data, port)
        try:
            search_paths = [f"/api/search?{urllib.parse.urlencode(q)}" for q in the_queries]
            alone, _ = drive(port, search_paths[:200], 1)  # warm-up, and the service time of one client
            paths = search_paths[200:]
            latencies, wall = drive(port, paths, args.clients)
            repeated, repeated_wall = drive(port, paths, args.clients)  # the same again: from the cache
            trivial, trivial_wall = drive(port, ["/api/health"] * args.requests, args.clients)
            memory = memory_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    search_rps, trivial_rps = len(latencies) / wall, len(trivial) / trivial_wall
    figures = {
        "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 0.99),
        "ratio": search_rps / trivial_rps, "rss_mb": memory["pss"], "throughput_ratio": index_mb_s / segmenter_mb_s,
    }
    print(f"search, {args.clients} clients, {len(latencies)} distinct requests: "
          f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, {search_rps:.0f} requests/s")
    print(f"one client, 200 other requests: p50 {statistics.median(alone):.1f} ms, p99 {percentile(alone, 0.99):.1f} ms")
    print(f"the same {len(repeated)} requests again (response cache): p50 {statistics.median(repeated):.1f} ms, "
          f"p99 {percentile(repeated, 0.99):.1f} ms, {len(repeated) / repeated_wall:.0f} requests/s")
    print(f"trivial endpoint (/api/health): p50 {statistics.median(trivial):.1f} ms, {trivial_rps:.0f} requests/s; "
          f"search/trivial = {figures['ratio']:.2f}")
    print(f"server memory, all processes: {memory['rss']:.0f} MB resident "
          f"(shared pages counted per process), {memory['pss']:.0f} MB proportional, "
          f"{memory['anonymous']:.0f} MB anonymous (the rest is the index's page cache)")
    verdicts = {
        "p50_ms": figures["p50_ms"] <= TARGETS["p50_ms"], "p99_ms": figures["p99_ms"] <= TARGETS["p99_ms"],
        "ratio": figures["ratio"] >= TARGETS["ratio"], "rss_mb": figures["rss_mb"] <= TARGETS["rss_mb"],
        "throughput_ratio": figures["throughput_ratio"] >= TARGETS["throughput_ratio"],
    }
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in verdicts.items()))
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
