"""Crawl throughput: a generated TRS-style mirror of ≥ 5,000 pages (text from the real corpus)
served from its own process on loopback, crawled by the real `zhengce crawl` with politeness off
(no delay, no AutoThrottle; robots.txt still read), every response committed to the raw store
(SQLite, synchronous=FULL) before the spider parses it for links.

Run: .venv/bin/python -m bench.crawl [--documents 5000]
The site template is quangang_sample (8 concurrent requests); its two other columns are absent
from this mirror, so the crawl reports two 404 errors.
Prints pages/s, CPU seconds per page (crawler process), peak memory, and the server's share."""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample_site.mirrors import build_large
from sample_site.server import make_server

REPO = Path(__file__).resolve().parent.parent


def _serve(root: Path, port: multiprocessing.Value) -> None:
    server = make_server(0, root)
    port.value = server.server_address[1]
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, data = Path(tmp) / "www", Path(tmp) / "data"
        started = time.perf_counter()
        pages = build_large(root, documents=args.documents)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"mirror: {pages} pages, {size / 1e6:.1f} MB, generated in {time.perf_counter() - started:.1f} s")
        port = multiprocessing.Value("i", 0)
        server = multiprocessing.Process(target=_serve, args=(root, port), daemon=True)
        server.start()
        while not port.value:
            time.sleep(0.05)
        command = [sys.executable, "-m", "zhengce.cli", "--data-dir", str(data), "crawl", "--site", "quangang_sample",
                   "--base-url", f"http://127.0.0.1:{port.value}/", "--delay", "0", "--log-level", "WARNING"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            sys.exit(f"crawl failed:\n{result.stdout}\n{result.stderr}")
        server_cpu = _cpu_of(server.pid)
        started_again = time.perf_counter()
        again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall_again = time.perf_counter() - started_again
        server.terminate()
        with sqlite3.connect(data / "raw.sqlite3") as db:
            stored = db.execute("SELECT COUNT(*) FROM responses WHERE status = 200").fetchone()[0]
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(result.stdout.strip().splitlines()[-1])
        print(f"crawl: {stored} pages stored in {wall:.1f} s = {stored / wall:.0f} pages/s "
              "(the mirror server runs on the same cores)")
        print(f"crawler CPU: {cpu:.1f} s = {1000 * cpu / stored:.2f} ms per page; mirror server CPU: {server_cpu:.1f} s")
        print(f"crawler peak memory (max RSS): {after.ru_maxrss / 1024:.0f} MB")
        print(f"raw store: {(data / 'raw.sqlite3').stat().st_size / 1e6:.1f} MB")
        print(f"second crawl, every page fresh in the store (read back, links followed, nothing fetched): "
              f"{wall_again:.1f} s — {again.stdout.strip().splitlines()[-1]}")


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
