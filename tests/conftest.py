"""Shared fixtures: the real sample site on loopback, a real crawl of it into a raw store, a
real index, and the real API server (uvicorn, in its own process) over that index."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from sample_site.server import serve_in_background

REPO = Path(__file__).resolve().parent.parent
SAMPLE_WWW = REPO / "sample_site" / "www"
CORPUS = REPO / "sample_site" / "corpus"
SAMPLE_DOCUMENTS = sum(1 for _ in SAMPLE_WWW.rglob("t[0-9]*_*.htm"))  # detail pages of the sample site


def zhengce(data_dir: Path, *args: str, timeout: float = 300, input_text: str | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "zhengce.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False, input=input_text,
        env={**os.environ, **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sample_site_url():
    server, url = serve_in_background()
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, sample_site_url) -> Path:
    """A data directory filled by `zhengce crawl` of the sample site and `zhengce reindex`."""
    data = tmp_path_factory.mktemp("data")
    crawl = zhengce(data, "crawl", "--site", "quangang_sample", "--base-url", sample_site_url, "--log-level", "WARNING")
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    reindex = zhengce(data, "reindex")
    assert reindex.returncode == 0, reindex.stdout + reindex.stderr
    return data


@pytest.fixture(scope="session")
def es_cluster():
    """Our own two-node Elasticsearch cluster (tests/es_cluster.py), started once for the session;
    None when ZHENGCE_ES_URL names a cluster of the user's (used as given, never stopped). Where
    Java or Maven is missing the cluster tests are skipped with one line saying so, unless
    ZHENGCE_REQUIRE_CLUSTER is set (CI), which makes them fail instead."""
    if os.environ.get("ZHENGCE_ES_URL"):
        yield None
        return
    from tests.es_cluster import Cluster, ClusterUnavailable, missing_tools

    problem = missing_tools()
    try:
        if problem:
            raise ClusterUnavailable(problem)
        cluster = Cluster()
        cluster.start()
    except ClusterUnavailable as exc:
        message = f"no Elasticsearch cluster: {exc} — install Java 17+ and Maven, or set ZHENGCE_ES_URL"
        if os.environ.get("ZHENGCE_REQUIRE_CLUSTER"):
            pytest.fail(f"{message} (ZHENGCE_REQUIRE_CLUSTER is set)", pytrace=False)
        pytest.skip(message)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def es_url(es_cluster) -> str:
    return os.environ.get("ZHENGCE_ES_URL") or es_cluster.url


def es_client(url: str):
    from indexer.elastic_engine import connect

    return connect(url, os.environ.get("ZHENGCE_ES_API_KEY", ""), os.environ.get("ZHENGCE_ES_USER", ""),
                   os.environ.get("ZHENGCE_ES_PASSWORD", ""), os.environ.get("ZHENGCE_ES_CA_CERTS", ""))


def drop_builds(client, alias: str) -> None:
    """Every index a test's builds under this alias left (the cluster refuses wildcards in deletes)."""
    names = list(client.indices.get(index=f"{alias}-*", allow_no_indices=True))
    if names:
        client.indices.delete(index=",".join(names))


@pytest.fixture(scope="module")
def client(api_url):
    """An HTTP client of the real API server, as the public."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http


STAFF_NAME = "测试员"


@pytest.fixture(scope="session")
def staff_token(data_dir) -> str:
    """An API token of a staff account made with `zhengce staff add`, as an administrator would."""
    added = zhengce(data_dir, "staff", "add", STAFF_NAME)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def staff_client(api_url, staff_token):
    """An HTTP client of the real API server, authenticated as staff by its bearer token."""
    with httpx.Client(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {staff_token}"}) as http:
        yield http


@contextmanager
def start_api(data_dir: Path, workers: int = 1, env: dict | None = None):
    """The real API server (`zhengce serve`) over a data directory, in its own process."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "zhengce.cli", "--data-dir", str(data_dir), "serve", "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "ZHENGCE_WORKERS": str(workers), **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"API server did not start: {process.stdout.read().decode()}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def api_url(data_dir):
    with start_api(data_dir, workers=os.cpu_count() or 1) as url:
        yield url


LATE_DECEMBER_POLICY = "泉港政办〔2026〕99号"  # published Wed 2026-12-30, no interpretation yet


@pytest.fixture(scope="session")
def deployment(data_dir, sample_site_url, tmp_path_factory):
    """A deployment of its own (a copy of the sample data dir and its own server), with one more
    policy, published at the end of December 2026, crawled into its raw store and indexed: for
    tests that change the deployment's calendar and rule files."""
    import sqlite3

    from crawler.raw_store import RawStore
    from tests.hostile import policy_page, put_page

    folder = tmp_path_factory.mktemp("deployment")
    with sqlite3.connect(data_dir / "raw.sqlite3") as source, sqlite3.connect(folder / "raw.sqlite3") as copy:
        source.backup(copy)
    with RawStore(folder / "raw.sqlite3") as store:
        put_page(store, "zwgk/zcwj/202612/t20261230_9990001.htm", policy_page(
            "泉港区人民政府办公室关于做好2027年元旦春节期间困难群众走访慰问工作的通知",
            "<p>各镇人民政府，区直有关单位：现就做好元旦春节期间走访慰问工作通知如下。</p>",
            doc_number=LATE_DECEMBER_POLICY, published="2026-12-30 10:00",
        ), base=sample_site_url)
    reindex = zhengce(folder, "reindex")
    assert reindex.returncode == 0, reindex.stdout + reindex.stderr
    with start_api(folder) as url:
        yield folder, url


def pytest_terminal_summary(terminalreporter):
    """How many tests ran on the real Elasticsearch cluster, said at the end of every run: a
    run where they were skipped says that too."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "[elasticsearch" in nodeid or "test_elastic_cluster.py" in nodeid:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        said = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items())
        terminalreporter.write_line(f"on the real Elasticsearch cluster: {said}")
