"""Helpers for tests that crawl a local mirror: build it, serve it, crawl it with the real
command line, analyze the raw store, and compare documents with what the mirror holds."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from analyzers.model import Document
from crawler.raw_store import RawStore
from sample_site.server import serve_in_background
from tests.conftest import REPO, zhengce
from zhengce.pipeline import analyze_store

SITE_FILES = REPO / "tests" / "data" / "sites"


@dataclass
class Mirror:
    root: Path
    url: str
    data: Path
    server: object

    def crawl(self, site: str, *extra: str):
        result = zhengce(self.data, "crawl", "--site", site, "--base-url", self.url, "--delay", "0",
                         "--log-level", "WARNING", *extra)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def documents(self) -> dict[str, Document]:
        """Documents by URL path, as `zhengce reindex` would build them."""
        with RawStore(self.data / "raw.sqlite3") as store:
            report = analyze_store(store, (self.data / "sites",))
        return {doc.url.removeprefix(self.url): doc for doc in report.documents}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_mirror(tmp: Path, build, site_file: str | None = None, delay: float = 0.0) -> tuple[Mirror, object]:
    root = tmp / "www"
    root.mkdir(parents=True)
    expected = build(root)
    server, url = serve_in_background(root=root, delay=delay)
    data = tmp / "data"
    if site_file:
        (data / "sites").mkdir(parents=True)
        shutil.copy(SITE_FILES / site_file, data / "sites" / site_file)
    return Mirror(root, url, data, server), expected


def _same_time(actual: datetime | date | None, stated: str) -> bool:
    if actual is None:
        return False
    wanted = datetime.fromisoformat(stated)
    if isinstance(actual, datetime):
        return actual == wanted
    return actual == wanted.date() and len(stated) == 10


def assert_document(doc: Document | None, expected: dict, documents: dict[str, Document]) -> None:
    where = expected["path"]
    assert doc is not None, f"{where}: not found by the crawl"
    for field, value in expected.items():
        if field == "path":
            continue
        if field in ("published_at", "written_date"):
            assert _same_time(getattr(doc, field), value), f"{where}: {field} {getattr(doc, field)} != {value}"
        elif field == "body_contains":
            assert value and value in doc.body, f"{where}: body lacks {value[:30]}…"
        elif field == "interprets_policy":
            policy = documents[value]
            assert doc.url in {link.url for link in policy.interpretations}, f"{where}: not linked to {value}"
        else:
            actual = getattr(doc, field)
            actual = actual.value if hasattr(actual, "value") else actual
            assert actual == value, f"{where}: {field} {actual!r} != {value!r}"
