"""End-to-end figures on the sample site: crawl, reindex, and search latency in-process.

Run: .venv/bin/python -m bench.pipeline   (prints one line per figure)"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.sample_index import build_sample_index
from indexer.base import SearchQuery

QUERIES = ["政务公开", "泉港政办〔2018〕84号", "社会救助", "低保", "涂岭镇", "绩效考核", "国务院", "学前教育",
           "临时救助", "信息公开", "环境保护", "责任单位", "公共文化体育", "医疗", "通知"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, crawl_s, reindex_s = build_sample_index(Path(tmp))
        documents = engine.count()
        engine.search(SearchQuery(q="预热"))
        timings = []
        for _ in range(20):
            for q in QUERIES:
                started = time.perf_counter()
                engine.search(SearchQuery(q=q))
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"crawl of the sample site (incl. process start): {crawl_s:.2f} s")
    print(f"reindex ({documents} documents, incl. process start and jieba load): {reindex_s:.2f} s")
    print(f"search + facets + snippets, in-process, {len(timings)} queries: "
          f"p50 {statistics.median(timings):.2f} ms, p99 {timings[int(len(timings) * 0.99) - 1]:.2f} ms")


if __name__ == "__main__":
    main()
