"""The scaling curve: for each corpus size, a full build, an incremental update, and the real
server under 8 clients — so that what grows with the corpus, and what does not, shows.

For each size (generated documents, bench.corpus): build time and docs/s, index size (and
the build state's), an incremental update of 1 % changed and 0.1 % withdrawn pages (the time,
and searches answered meanwhile with no error), search p50/p99 and requests/s with 8 clients
and distinct requests through the real server, a unit's page and the timeliness report, and the
server's memory; beside them the machine's speed of the day: the trivial endpoint's requests/s
and the segmenter's MB/s.

How the corpus reaches the index. The raw store holds a row for every page; the pages' analyses
are the generated documents, handed to the rebuild as the analyses a rebuild would have made
(zhengce.pipeline.rebuild_from_analyses) — rendering and analyzing a million pages would cost
hours and measure the analyzers, not the index. The pages withdrawn are real HTML in the sample
portal's template from the start (their last text is kept); a changed page's new text is real
HTML, and its earlier row is one the build did not analyze, as a deployment's build state
already holds what its earlier rows said. The update is `zhengce update`'s own code,
unchanged: it finds the rows stored since the build, analyzes those pages, keeps every other
page's analysis, redoes the cross-document work over all, and writes only what differs.

Run: .venv/bin/python -m bench.scale [--sizes 10000,100000,300000] [--clients 8] [--requests 1600]"""
from __future__ import annotations

import argparse
import html
import http.client
import itertools
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from analyzers.model import DocKind, Document
from bench.corpus import CorpusGenerator
from bench.search import cpu_seconds, drive, memory_mb, percentile, queries, segmenter_throughput, start_server
from crawler.raw_store import RawStore
from indexer.base import SearchQuery
from indexer.tantivy_engine import TantivyEngine
from zhengce.build_state import BuildState, PageEntry
from zhengce.pipeline import rebuild_from_analyses, update
from zhengce.settings import Settings

SITE = "quangang_sample"  # the template the changed pages are analyzed with
HTML_HEADERS = {"content-type": ["text/html; charset=utf-8"]}
# Pages whose analysis is generated carry no HTML; the store keeps a row for each all the same.
GENERATED = b"bench.scale: this page's analysis is a generated document"
GENERATED_HEADERS = {"content-type": ["text/plain; charset=utf-8"]}


def page_html(doc: Document) -> bytes:
    """A detail page of the sample portal's template (Fujian TRS) saying what the document says."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in doc.body.splitlines())
    # An interpretation links back to its policy (相关文件), as the template's pages do.
    back = "".join(f'<li><a href="{html.escape(link.url)}">{html.escape(link.title)}</a></li>' for link in doc.interprets)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title></head>
<body><div class="xxgk_table"><table>
<tr><th>索引号：</th><td>QG-BENCH</td><th>发布机构：</th><td>{html.escape(doc.publisher)}</td></tr>
<tr><th>生成日期：</th><td>{doc.published_at:%Y-%m-%d}</td><th>文　　号：</th><td>{html.escape(doc.doc_number)}</td></tr>
</table></div><div class="article"><h1 class="article_title">{html.escape(doc.title)}</h1>
<div class="article_info"><span>时间:{doc.published_at:%Y-%m-%d %H:%M}</span></div>
<div class="TRS_Editor">{paragraphs}</div>
<div class="xgwj"><h3>相关文件</h3><ul>{back}</ul></div></div></body></html>""".encode("utf-8")


def wait_until_quiet(pid: int, limit: float = 900.0) -> float:
    """Wait for the server's start-up work (the timeliness report prepared in each worker, in
    the background) to end, so that it is not measured as the searches' cost; the seconds waited."""
    started = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit:
        time.sleep(1.0)
        now = cpu_seconds(pid)
        if now - before < 0.05:
            break
        before = now
    return time.monotonic() - started


def median_ms(port: int, path: str, runs: int = 5) -> tuple[float, float]:
    """(the first answer's ms, the median of the next `runs`) of one GET, asked by one client."""
    times, _wall = drive(port, [path] * (runs + 1), 1)
    return times[0], statistics.median(times[1:])


def store_pages(folder: Path, documents: list[Document], real_html: set[str]) -> tuple[RawStore, list[PageEntry]]:
    """The raw store's row of every page, and the pages' analyses: the documents."""
    store = RawStore(folder / "raw.sqlite3")
    fetched = datetime(2026, 12, 1, 8)
    store.put_many(SITE, ((d.url, 200, *((HTML_HEADERS, page_html(d)) if d.id in real_html else
                                         (GENERATED_HEADERS, GENERATED)), fetched) for d in documents))
    rows = store.latest_ids().rows
    return store, [PageEntry(d.url, rows[d.url].id, d.url, "", {}, d.model_dump_json().encode("utf-8"), [])
                   for d in documents]


def build(folder: Path, store: RawStore, entries: list[PageEntry]) -> float:
    """The full build from the pages' analyses; its seconds."""
    settings = Settings(data_dir=folder)
    started = time.perf_counter()
    with BuildState(settings.build_state_path) as state:
        rebuild_from_analyses(store, TantivyEngine(settings.index_dir / "tantivy"), state, entries)
    return time.perf_counter() - started


@dataclass
class Corpus:
    """What the measuring process keeps of a built corpus: a few pages, never the million."""

    figures: dict
    changed: list[Document]  # 1 %, to be edited by the re-crawl
    withdrawn: list[Document]  # 0.1 %, to answer 404
    search_paths: list[str]
    top_units: list[str]
    policy_count: int


def make_corpus(size: int, folder: Path, requests: int) -> Corpus:
    """Generate the documents, store their pages, build the index. Run in a process of its own
    (in_child): a million generated documents and their build take ~15 GB, which the process
    that then measures the server and the update must not go on holding."""
    rng = random.Random(11 + size)
    started = time.perf_counter()
    documents = CorpusGenerator().documents(size)
    figures: dict = {"size": size, "generate_s": time.perf_counter() - started}
    sample = [f"{d.title}\n{d.body}" for d in rng.sample(documents, min(2000, len(documents)))]
    figures["segmenter_mb_s"] = segmenter_throughput(sample)
    changed = rng.sample(documents, size // 100)
    chosen = {c.id for c in changed}
    withdrawn = rng.sample([d for d in documents if d.id not in chosen], max(1, size // 1000))
    search_paths = [f"/api/search?{urllib.parse.urlencode(q)}" for q in queries(documents, rng, requests + 400)]
    policy_count = sum(d.kind is DocKind.policy for d in documents)
    store, entries = store_pages(folder, documents, {d.id for d in withdrawn})
    del documents  # held once, as their analyses, not twice
    figures["build_s"] = build(folder, store, entries)
    store.close()
    top_units = [c.value for c in TantivyEngine(folder / "index" / "tantivy").term_counts("publisher", SearchQuery(), 3)]
    return Corpus(figures, changed, withdrawn, search_paths, top_units, policy_count)


def in_child(function, *args):
    """function(*args) in a forked process, whose memory goes back to the system when it ends."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(function, *args).result()


def run_update(folder: Path) -> tuple[float, dict]:
    """`zhengce update`'s code on this data: its seconds, and what it did."""
    settings = Settings(data_dir=folder)
    started = time.perf_counter()
    with RawStore(folder / "raw.sqlite3") as store, BuildState(settings.build_state_path) as state:
        report = update(store, TantivyEngine(settings.index_dir / "tantivy"), state, (), settings.analysis_limits)
    summary = {name: getattr(report, name) for name in ("full", "why_full", "pages_seen", "added", "replaced", "removed")}
    return time.perf_counter() - started, summary


# The searches answered during an update: a steady public load, not a loop as fast as it can
# go (which, on 2 cores, took one from the update it measures: 78,000 searches in a 55 s update).
SEARCHES_PER_SECOND = 50


def update_under_load(folder: Path, changed: list[Document], withdrawn: list[Document],
                      port: int, paths: list[str]) -> dict:
    """Store a re-crawl's findings, then run the update (in a process of its own, as `zhengce
    update` runs beside the server) while one client searches, SEARCHES_PER_SECOND."""
    fetched = datetime(2026, 12, 2, 8)
    with RawStore(folder / "raw.sqlite3") as store:
        for doc in changed:
            edited = doc.model_copy(update={"body": doc.body + "\n本文件已于近期修订，请以最新版本为准。"})
            store.put(SITE, doc.url, doc.url, 200, HTML_HEADERS, page_html(edited), fetched)
        for doc in withdrawn:
            store.put(SITE, doc.url, doc.url, 404, HTML_HEADERS, b"<html><body>404 Not Found</body></html>", fetched)
    errors: list[str] = []
    answered: list[float] = []
    running = threading.Event()
    running.set()

    def searching() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in itertools.cycle(paths):  # until the update ends (bounded by it)
            if not running.is_set():
                break
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
            except OSError as exc:
                errors.append(str(exc))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            answered.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, started + 1 / SEARCHES_PER_SECOND - time.perf_counter()))

    client = threading.Thread(target=searching)
    client.start()
    try:
        seconds, report = in_child(run_update, folder)
    finally:
        running.clear()
        client.join()
    return {"seconds": seconds, "report": report, "errors": errors, "searches": len(answered),
            "p50": statistics.median(answered) if answered else 0.0}


def measure(size: int, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        folder = Path(tmp)
        print(f"\n== {size:,} documents", flush=True)
        corpus = in_child(make_corpus, size, folder, args.requests)
        figures = corpus.figures
        search_paths = corpus.search_paths
        figures["docs_s"] = size / figures["build_s"]
        figures["index_mb"] = sum(f.stat().st_size for f in (folder / "index" / "tantivy").rglob("*") if f.is_file()) / 1e6
        figures["state_mb"] = sum(f.stat().st_size for f in (folder / "index").glob("*.build.sqlite3*")) / 1e6
        print(f"generated in {figures['generate_s']:.0f} s; build {figures['build_s']:.0f} s ({figures['docs_s']:,.0f}"
              f" docs/s), index {figures['index_mb']:,.0f} MB, build state {figures['state_mb']:,.0f} MB", flush=True)
        port = 8500 + os.getpid() % 300
        server = start_server(folder, port)
        try:
            figures["warm_s"] = wait_until_quiet(server.pid)
            print(f"server ready and quiet after {figures['warm_s']:.0f} s (the report prepared in each worker)", flush=True)
            drive(port, search_paths[:200], 1)  # warm-up
            trivial, trivial_wall = drive(port, ["/api/health"] * args.requests, args.clients)
            figures["trivial_rps"] = len(trivial) / trivial_wall
            latencies, wall = drive(port, search_paths[200:200 + args.requests], args.clients)
            figures.update(p50=statistics.median(latencies), p99=percentile(latencies, 0.99), rps=len(latencies) / wall)
            print(f"search {args.clients} clients, {len(latencies)} distinct requests: p50 {figures['p50']:.1f} ms,"
                  f" p99 {figures['p99']:.1f} ms, {figures['rps']:.0f} requests/s; trivial endpoint"
                  f" {figures['trivial_rps']:,.0f} requests/s; segmenter {figures['segmenter_mb_s']:.2f} MB/s", flush=True)
            unit = urllib.parse.quote(corpus.top_units[0])
            _first, figures["unit_ms"] = median_ms(port, f"/api/units/{unit}")
            figures["report_first_ms"], figures["report_unit_ms"] = median_ms(
                port, f"/api/reports/timeliness?unit={unit}")
            _first, figures["report_month_ms"] = median_ms(
                port, "/api/reports/timeliness?from=2024-03-01&to=2024-03-31")
            print(f"unit page ({corpus.top_units[0]}): {figures['unit_ms']:.1f} ms; timeliness report of that unit:"
                  f" {figures['report_unit_ms']:.1f} ms (the first after start {figures['report_first_ms']:.0f} ms),"
                  f" of one month: {figures['report_month_ms']:.1f} ms ({corpus.policy_count:,} policies)", flush=True)
            memory = memory_mb(server.pid)
            figures.update(anonymous_mb=memory["anonymous"], pss_mb=memory["pss"])
            outcome = update_under_load(folder, corpus.changed, corpus.withdrawn, port, search_paths[:200])
            report = outcome["report"]
            figures.update(update_s=outcome["seconds"], update_errors=len(outcome["errors"]),
                           update_searches=outcome["searches"])
            print(f"update of {len(corpus.changed):,} changed + {len(corpus.withdrawn):,} withdrawn pages:"
                  f" {outcome['seconds']:.1f} s ({'full rebuild: ' + report['why_full'] if report['full'] else 'incremental'};"
                  f" {report['pages_seen']} pages analyzed, {report['added']} added, {report['replaced']} replaced,"
                  f" {report['removed']} removed); {outcome['searches']} searches meanwhile, p50 {outcome['p50']:.1f} ms,"
                  f" {len(outcome['errors'])} errors {outcome['errors'][:3]};"
                  f" update ÷ build = {outcome['seconds'] / figures['build_s']:.3f}", flush=True)
            print(f"server memory (2 workers): {memory['anonymous']:.0f} MB anonymous, {memory['pss']:.0f} MB"
                  f" proportional (with the mapped index's pages)", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


COLUMNS = [("size", "documents", "{:,}"), ("build_s", "build s", "{:.0f}"), ("docs_s", "docs/s", "{:,.0f}"),
           ("index_mb", "index MB", "{:,.0f}"), ("update_s", "update s", "{:.1f}"), ("update_errors", "errors", "{}"),
           ("p50", "p50 ms", "{:.1f}"), ("p99", "p99 ms", "{:.1f}"), ("rps", "search/s", "{:.0f}"),
           ("unit_ms", "unit ms", "{:.1f}"), ("report_unit_ms", "report ms", "{:.1f}"),
           ("anonymous_mb", "anon MB", "{:.0f}"), ("pss_mb", "PSS MB", "{:.0f}"),
           ("trivial_rps", "trivial/s", "{:,.0f}"), ("segmenter_mb_s", "seg MB/s", "{:.2f}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1600, help="distinct search requests measured")
    parser.add_argument("--work", default=None, help="folder for the indexes (default: the system's temporary one)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = [measure(int(size), args) for size in args.sizes.split(",")]
    print(f"\n| {' | '.join(title for _key, title, _f in COLUMNS)} |")
    print(f"|{'|'.join(' --- ' for _ in COLUMNS)}|")
    for row in rows:
        print(f"| {' | '.join(fmt.format(row[key]) for key, _title, fmt in COLUMNS)} |")
    print(f"whole run: {timedelta(seconds=round(time.perf_counter() - started))}")


if __name__ == "__main__":
    main()
