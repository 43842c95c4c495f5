"""The raw page store: every fetched response, byte-exact, in one SQLite file.

It is the source of truth: analyzers and the index can be rebuilt from it at any time without
the network. A response is committed before anything parses it. Bodies are stored once per
content hash, so re-fetching an unchanged page costs a row, not a copy."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS bodies (
    sha1 TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body_sha1 TEXT NOT NULL REFERENCES bodies(sha1),
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_by_url ON responses(url, id);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    stage TEXT NOT NULL,
    message TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RawResponse:
    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, list[str]]  # lower-cased names
    body: bytes
    fetched_at: datetime

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    @property
    def is_html(self) -> bool:
        kind = self.content_type.lower()
        return "html" in kind or (not kind and self.body.lstrip()[:1] == b"<")


@dataclass(frozen=True)
class StoredError:
    site: str
    url: str
    stage: str
    message: str
    at: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


class RawStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a response the crawler was told is stored survives a crash or power cut.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RawStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def put(
        self,
        site: str,
        url: str,
        final_url: str,
        status: int,
        headers: dict[str, list[str]],
        body: bytes,
        fetched_at: datetime | None = None,
    ) -> RawResponse:
        fetched_at = fetched_at or _now()
        sha1 = hashlib.sha1(body).hexdigest()
        headers = {k.lower(): list(v) for k, v in headers.items()}
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO bodies(sha1, data) VALUES (?, ?)", (sha1, body))
            self._db.execute(
                "INSERT INTO responses(site, url, final_url, status, headers, body_sha1, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (site, url, final_url, status, json.dumps(headers, ensure_ascii=False), sha1, fetched_at.isoformat()),
            )
        return RawResponse(site, url, final_url, status, headers, body, fetched_at)

    _SELECT = (
        "SELECT r.site, r.url, r.final_url, r.status, r.headers, b.data, r.fetched_at"
        " FROM responses r JOIN bodies b ON b.sha1 = r.body_sha1"
    )

    @staticmethod
    def _row(row: tuple) -> RawResponse:
        site, url, final_url, status, headers, body, fetched_at = row
        return RawResponse(site, url, final_url, status, json.loads(headers), body, datetime.fromisoformat(fetched_at))

    def latest(self, url: str) -> RawResponse | None:
        row = self._db.execute(f"{self._SELECT} WHERE r.url = ? ORDER BY r.id DESC LIMIT 1", (url,)).fetchone()
        return self._row(row) if row else None

    def iter_latest(self, site: str | None = None) -> Iterator[RawResponse]:
        """The newest response of every URL, oldest URL first."""
        where = "WHERE r.site = ?" if site else ""
        query = (
            f"{self._SELECT} JOIN (SELECT url, MAX(id) AS id FROM responses GROUP BY url) newest"
            f" ON newest.id = r.id {where} ORDER BY r.id"
        )
        for row in self._db.execute(query, (site,) if site else ()):
            yield self._row(row)

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def log_error(self, site: str, url: str, stage: str, message: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO errors(site, url, stage, message, at) VALUES (?, ?, ?, ?, ?)",
                (site, url, stage, message, _now().isoformat()),
            )

    def errors(self, stage: str | None = None) -> list[StoredError]:
        query = "SELECT site, url, stage, message, at FROM errors"
        rows = self._db.execute(query + (" WHERE stage = ?" if stage else "") + " ORDER BY id", (stage,) if stage else ())
        return [StoredError(*row) for row in rows]

    def clear_errors(self, stage: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM errors WHERE stage = ?", (stage,))
