"""The raw page store: every fetched response, byte-exact, in one SQLite file.

It is the source of truth: analyzers and the index can be rebuilt from it at any time without
the network. A response is committed before anything parses it. A URL's rows are its versions:
a new row only when what the server says changes (status or bytes); a re-fetch that finds the
same page, or a 304, only updates the URL's check time in `urls`, the seen-URL store. Bodies are
stored once per content hash."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator

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
    fetched_at TEXT NOT NULL,
    referer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS responses_by_url ON responses(url, id);
CREATE INDEX IF NOT EXISTS responses_by_final_url ON responses(final_url, id);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    last_checked TEXT NOT NULL,
    last_status INTEGER NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    stage TEXT NOT NULL,
    message TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<!--")


def looks_like_html(body: bytes) -> bool:
    """HTML by its first bytes, whatever the server declared (image/png, JSON, octet-stream)."""
    return body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS)


@dataclass(frozen=True)
class StoredCapture:
    url: str
    fetched_at: datetime
    status: int
    sha256: str


@dataclass(frozen=True)
class RawResponse:
    site: str
    url: str
    final_url: str
    status: int
    headers: dict[str, list[str]]  # lower-cased names
    body: bytes
    fetched_at: datetime
    referer: str = ""  # the page that linked here: which column a document was found in
    id: int = 0  # the row: later versions have larger ones


    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    @property
    def is_html(self) -> bool:
        """Declared as HTML, or HTML by its bytes whatever it is declared as: a page labelled
        image/png is still a page."""
        kind = self.content_type.lower()
        return "html" in kind or looks_like_html(self.body) or (not kind and self.body.lstrip()[:1] == b"<")


class Outcome(str, Enum):
    """What a fetch found, compared with the URL's latest stored version."""

    new = "new"
    changed = "changed"
    unchanged = "unchanged"
    withdrawn = "withdrawn"  # 404/410 where a page used to be
    failed = "failed"  # a server error: not a version of the page, and asked again next time


WITHDRAWN_STATUSES = (404, 410)


@dataclass(frozen=True)
class Visit:
    """The seen-URL store's record of a URL."""

    last_checked: datetime
    last_status: int
    etag: str
    last_modified: str

    @property
    def complete(self) -> bool:
        """A fetch that got the server's answer; a 5xx is asked again."""
        return self.last_status < 500


@dataclass(frozen=True)
class StoredError:
    site: str
    url: str
    stage: str
    message: str
    at: str


_BATCH = 500  # URLs per query: below SQLite's limit on bound parameters


@dataclass(frozen=True)
class LatestRow:
    id: int
    site: str
    final_url: str


@dataclass(frozen=True)
class LatestIds:
    """The newest row of each URL asked for (its id, site and final address), and the newest row
    id as `RawStore.latest` finds it: by the address asked for, else by the address a redirect
    led to."""

    rows: dict[str, LatestRow]
    by_final_url: dict[str, int]

    def of(self, url: str) -> int | None:
        row = self.rows.get(url)
        return row.id if row else self.by_final_url.get(url)


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class RawStoreError(RuntimeError):
    """The store file cannot be used at all; the message says what to do."""


class RawStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # timeout: a second writer (another crawl, a reindex logging errors) waits for the lock.
            self._db = sqlite3.connect(self.path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a response the crawler was told is stored survives a crash or power cut.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
            if "referer" not in columns:  # a store written before referers were kept
                self._db.execute("ALTER TABLE responses ADD COLUMN referer TEXT NOT NULL DEFAULT ''")
        except sqlite3.DatabaseError as exc:
            raise RawStoreError(
                f"raw store {self.path} cannot be read ({exc}): restore it from a backup, or move it aside"
                " and crawl again (`sqlite3 raw.sqlite3 .recover` may save what is left)"
            ) from exc

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
        referer: str = "",
    ) -> Outcome:
        """Record a fetch; a new row only when status or bytes differ from the latest version."""
        fetched_at = fetched_at or _now()
        sha1 = hashlib.sha1(body).hexdigest()
        headers = {k.lower(): list(v) for k, v in headers.items()}
        with self._db:
            # Take the write lock before reading: two crawls comparing with the same latest row
            # would both insert the same version.
            self._db.execute("BEGIN IMMEDIATE")
            latest = self._db.execute(
                "SELECT status, body_sha1, final_url FROM responses WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
            ).fetchone()
            if latest is not None and latest == (status, sha1, final_url):
                outcome = Outcome.unchanged
            else:
                if status >= 500:
                    outcome = Outcome.failed
                elif latest is None:
                    outcome = Outcome.new
                elif status in WITHDRAWN_STATUSES and latest[0] == 200:
                    outcome = Outcome.withdrawn
                else:
                    outcome = Outcome.changed
                self._db.execute("INSERT OR IGNORE INTO bodies(sha1, data) VALUES (?, ?)", (sha1, body))
                self._db.execute(
                    "INSERT INTO responses(site, url, final_url, status, headers, body_sha1, fetched_at, referer)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (site, url, final_url, status, json.dumps(headers, ensure_ascii=False), sha1,
                     fetched_at.isoformat(), referer),
                )
            validators = (_first(headers, "etag"), _first(headers, "last-modified")) if status == 200 else ("", "")
            for seen in {url, final_url}:
                self._db.execute(
                    "INSERT INTO urls(url, site, last_checked, last_status, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(url) DO UPDATE SET last_checked = excluded.last_checked,"
                    " last_status = excluded.last_status, etag = excluded.etag, last_modified = excluded.last_modified",
                    (seen, site, fetched_at.isoformat(), status, *validators),
                )
        return outcome

    def put_many(self, site: str, fetches: Iterable[tuple[str, int, dict[str, list[str]], bytes, datetime]]) -> None:
        """First fetches of URLs the store has never seen — (url, status, headers, body, when) —
        in one transaction: an imported archive, a benchmark's corpus. Unlike put, nothing is
        compared with an earlier version: a URL already stored gets a second row."""
        with self._db:
            for url, status, headers, body, fetched_at in fetches:
                sha1 = hashlib.sha1(body).hexdigest()
                self._db.execute("INSERT OR IGNORE INTO bodies(sha1, data) VALUES (?, ?)", (sha1, body))
                self._db.execute(
                    "INSERT INTO responses(site, url, final_url, status, headers, body_sha1, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (site, url, url, status, json.dumps(headers, ensure_ascii=False), sha1, fetched_at.isoformat()))
                self._db.execute(
                    "INSERT OR REPLACE INTO urls(url, site, last_checked, last_status) VALUES (?, ?, ?, ?)",
                    (url, site, fetched_at.isoformat(), status))

    def touch(self, url: str, checked_at: datetime | None = None) -> Outcome:
        """A 304: the latest version still stands; only the check time moves."""
        with self._db:
            self._db.execute(
                "UPDATE urls SET last_checked = ? WHERE url = ?", ((checked_at or _now()).isoformat(), url)
            )
        return Outcome.unchanged

    def visit(self, url: str) -> Visit | None:
        row = self._db.execute(
            "SELECT last_checked, last_status, etag, last_modified FROM urls WHERE url = ?", (url,)
        ).fetchone()
        return Visit(datetime.fromisoformat(row[0]), row[1], row[2], row[3]) if row else None

    _SELECT = (
        "SELECT r.site, r.url, r.final_url, r.status, r.headers, b.data, r.fetched_at, r.referer, r.id"
        " FROM responses r JOIN bodies b ON b.sha1 = r.body_sha1"
    )

    @staticmethod
    def _row(row: tuple) -> RawResponse:
        site, url, final_url, status, headers, body, fetched_at, referer, row_id = row
        return RawResponse(
            site, url, final_url, status, json.loads(headers), body, datetime.fromisoformat(fetched_at), referer, row_id
        )

    def latest(self, url: str) -> RawResponse | None:
        """The newest version stored for a URL, asked for by it or redirected to it."""
        for column in ("url", "final_url"):
            row = self._db.execute(f"{self._SELECT} WHERE r.{column} = ? ORDER BY r.id DESC LIMIT 1", (url,)).fetchone()
            if row:
                return self._row(row)
        return None

    def iter_latest(self, site: str | None = None) -> Iterator[RawResponse]:
        """The newest response of every URL, oldest URL first."""
        where = "WHERE r.site = ?" if site else ""
        query = (
            f"{self._SELECT} JOIN (SELECT url, MAX(id) AS id FROM responses GROUP BY url) newest"
            f" ON newest.id = r.id {where} ORDER BY r.id"
        )
        for row in self._db.execute(query, (site,) if site else ()):
            yield self._row(row)

    def latest_ids(self) -> "LatestIds":
        """The newest row of every URL, by the address asked for and by the one redirected to:
        what `latest` would read, without reading a body (an index scan, not a table scan)."""
        # SQLite reads the bare columns from the row that has the MAX.
        rows = self._db.execute("SELECT url, MAX(id), site, final_url FROM responses GROUP BY url")
        by_final = dict(self._db.execute("SELECT final_url, MAX(id) FROM responses GROUP BY final_url"))
        return LatestIds({url: LatestRow(row_id, site, final) for url, row_id, site, final in rows}, by_final)

    def response(self, row_id: int) -> RawResponse:
        return self._row(self._db.execute(f"{self._SELECT} WHERE r.id = ?", (row_id,)).fetchone())

    def max_id(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM responses").fetchone()[0]

    def urls_since(self, row_id: int) -> set[str]:
        """Every address (asked for, or redirected to) of a row stored after `row_id`."""
        rows = self._db.execute("SELECT url, final_url FROM responses WHERE id > ?", (row_id,))
        return {address for url, final_url in rows for address in (url, final_url)}

    def versions(self, url: str) -> list[RawResponse]:
        """Every stored version of a URL, oldest first."""
        return [self._row(row) for row in self._db.execute(f"{self._SELECT} WHERE r.url = ? ORDER BY r.id", (url,))]

    def captures(self, urls: set[str]) -> dict[str, list[StoredCapture]]:
        """Every stored fetch of these URLs (asked for, or redirected to), oldest first, with the
        SHA-256 of the bytes stored — the evidence of what a page said, and since when."""
        found: dict[str, list[StoredCapture]] = {}
        digests: dict[str, str] = {}
        for url, final_url, status, fetched_at, body_sha1 in self._rows_of(urls):
            for address in {url, final_url} & urls:
                if body_sha1 not in digests:
                    body = self._db.execute("SELECT data FROM bodies WHERE sha1 = ?", (body_sha1,)).fetchone()
                    digests[body_sha1] = hashlib.sha256(body[0] if body else b"").hexdigest()
                found.setdefault(address, []).append(
                    StoredCapture(address, datetime.fromisoformat(fetched_at), status, digests[body_sha1]))
        return found

    def _rows_of(self, urls: set[str]) -> list[tuple]:
        """The rows asked for at, or redirected to, any of these URLs, oldest first: by the
        indexes, a batch of URLs at a time, so that a few URLs cost a few rows, not a scan."""
        rows: dict[int, tuple] = {}
        addresses = sorted(urls)
        for start in range(0, len(addresses), _BATCH):
            batch = addresses[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            for column in ("url", "final_url"):
                query = f"SELECT id, url, final_url, status, fetched_at, body_sha1 FROM responses WHERE {column} IN ({marks})"
                for row_id, *row in self._db.execute(query, batch):
                    rows[row_id] = tuple(row)
        return [rows[row_id] for row_id in sorted(rows)]

    def first_fetch_by_site(self) -> dict[str, datetime]:
        """When each site was first crawled: before that, no page of it could have been seen."""
        rows = self._db.execute("SELECT site, MIN(fetched_at) FROM responses GROUP BY site")
        return {site: datetime.fromisoformat(first) for site, first in rows}

    def urls_with_history(self) -> set[str]:
        """URLs with more than one stored version."""
        return {row[0] for row in self._db.execute("SELECT url FROM responses GROUP BY url HAVING COUNT(*) > 1")}

    def sites(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT DISTINCT site FROM responses")}

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

    def clear_errors(self, stage: str, urls: set[str] | None = None) -> None:
        """Forget a stage's errors: all of them, or those of these URLs."""
        with self._db:
            if urls is None:
                self._db.execute("DELETE FROM errors WHERE stage = ?", (stage,))
                return
            addresses = sorted(urls)
            for start in range(0, len(addresses), _BATCH):
                batch = addresses[start : start + _BATCH]
                self._db.execute(f"DELETE FROM errors WHERE stage = ? AND url IN ({','.join('?' * len(batch))})",
                                 (stage, *batch))
