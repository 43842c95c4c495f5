"""The sample site crawled and indexed in a temporary directory, as `make run` does it."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from indexer.tantivy_engine import TantivyEngine
from sample_site.server import serve_in_background


def run_cli(data: Path, *args: str) -> float:
    """Run the zhengce command line; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zhengce.cli", "--data-dir", str(data), *args], check=True, capture_output=True)
    return time.perf_counter() - started


def build_sample_index(data: Path) -> tuple[TantivyEngine, float, float]:
    """Crawl the sample site into data/ and index it; return the engine and both timings."""
    server, url = serve_in_background()
    try:
        crawl_s = run_cli(data, "crawl", "--site", "quangang_sample", "--base-url", url, "--log-level", "WARNING")
    finally:
        server.shutdown()
    reindex_s = run_cli(data, "reindex")
    return TantivyEngine(data / "index" / "tantivy"), crawl_s, reindex_s
