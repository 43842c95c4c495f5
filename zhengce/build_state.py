"""What the last index build or update knew, so that the next update redoes only what changed.

One SQLite file per index (beside it in the data dir), written only by the build that holds
the reindex lock:
- pages: each raw-store URL's analysis — the row it was made from, the listing record and the
  attachment and image rows it read (a change to any of them makes it stale), and the page's
  Document before cross-document work (duplicates, repeals, links), or none;
- indexed: each document in the index with the hash of what was stored for it;
- facts: each policy's timeliness facts, as stored in the build's facts product;
- images: the image products stored with the index;
- vectors: the words of a text for linking by similarity, by the text's hash;
- row_texts: what each analyzed raw-store row said (content hash, title, body; none when it
  made no document): a changed page's earlier texts become its versions without analyzing
  its earlier rows again;
- meta: the fingerprint of the analyzers and templates the pages were analyzed with, the
  engine's generation the state describes, the raw store's last row seen, and `dirty`, set
  before the pages' analyses are written and the engine is changed, and cleared with the rest
  of the new state in one transaction — a build killed in between leaves `dirty`, and the next
  update rebuilds in full.

A state that does not describe the index that answers (another engine wrote it, a build
was killed, the analyzers changed) is never patched: the update becomes a full rebuild."""
from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.isolation import worker_pool
from analyzers.linking import compared_text, text_vector, vector_key, words_vector
from analyzers.segment import tokenizer
from analyzers.model import Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    response_id INTEGER NOT NULL,
    final_url TEXT NOT NULL,
    listing TEXT NOT NULL,
    deps TEXT NOT NULL,
    document BLOB,
    problems TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS indexed (doc_id TEXT PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (policy_id TEXT PRIMARY KEY, facts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS images (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS row_texts (row_id INTEGER PRIMARY KEY, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, words TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class PageEntry:
    """One raw-store URL as the analyzers last saw it."""

    url: str
    response_id: int  # the row analyzed: the URL's newest (a withdrawn page's text comes from an older one)
    final_url: str
    listing: str  # the JSON list record the page was analyzed with, as JSON ("" when none)
    deps: dict[str, int | None]  # attachment and image URLs read → the row read (None: none stored)
    document: bytes | None  # the page's Document as JSON, before cross-document work
    problems: list[str] = field(default_factory=list)
    # Kept entries read back from the state leave `document` there (a province's are gigabytes):
    # whether there is one, read with BuildState.documents when it is needed.
    stored: bool = False


@dataclass
class Meta:
    fingerprint: str = ""
    generation: str = ""
    last_response_id: int = 0
    dirty: bool = True
    site_facts: str = ""  # the crawl intervals and first captures the facts were computed with


QUERY_KEYS = 500  # keys in one query's IN (…) (SQLite allows 32,766 parameters)
_EMPTY = {"{}": dict, "[]": list}


def _json(text: str):
    """Most pages read nothing else and have no problem: their "{}" and "[]" are not parsed (two
    json.loads a page, every page, every update)."""
    return _EMPTY[text]() if text in _EMPTY else json.loads(text)


class BuildState:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "BuildState":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading ----
    def meta(self) -> Meta:
        values = dict(self._db.execute("SELECT key, value FROM meta"))
        if not values:
            return Meta()
        return Meta(values.get("fingerprint", ""), values.get("generation", ""), int(values.get("last_response_id", 0)),
                    values.get("dirty", "1") == "1", values.get("site_facts", ""))

    def pages(self) -> dict[str, PageEntry]:
        """Every page's entry, without its document (see PageEntry.stored)."""
        rows = self._db.execute(
            "SELECT url, response_id, final_url, listing, deps, document IS NOT NULL, problems FROM pages")
        return {url: PageEntry(url, response_id, final_url, listing, _json(deps), None, _json(problems),
                               bool(stored))
                for url, response_id, final_url, listing, deps, stored, problems in rows}

    def documents(self, urls: list[str]) -> dict[str, bytes]:
        """The stored documents of these pages."""
        return self._where_in("SELECT url, document FROM pages WHERE document IS NOT NULL AND url IN", urls)

    def _where_in(self, select: str, keys: list[str]) -> dict:
        """(key, value) rows of `select … IN` these keys, QUERY_KEYS a query: one query for many
        rows, where a query each was seconds of an update."""
        found: dict = {}
        for start in range(0, len(keys), QUERY_KEYS):
            batch = keys[start:start + QUERY_KEYS]
            found.update(self._db.execute(f"{select} ({','.join('?' * len(batch))})", batch))
        return found

    def indexed(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT doc_id, hash FROM indexed"))

    def images(self) -> set[str]:
        return {name for (name,) in self._db.execute("SELECT name FROM images")}

    def policies_with_facts(self) -> set[str]:
        return {policy_id for (policy_id,) in self._db.execute("SELECT policy_id FROM facts")}

    def facts_by_id(self) -> Iterator[tuple[str, bytes]]:
        """Every policy's stored facts, by id, read as they are used."""
        return iter(self._db.execute("SELECT policy_id, facts FROM facts ORDER BY policy_id"))

    def vectors(self, fresh: bool) -> "CachedVectors":
        """fresh: for a full rebuild, which segments every text again (the dictionary may have
        changed) and replaces the kept vectors with its own."""
        return CachedVectors(self, fresh)

    def stored_row_text(self, row_id: int) -> tuple[bool, bytes]:
        row = self._db.execute("SELECT text FROM row_texts WHERE row_id = ?", (row_id,)).fetchone()
        return (row is not None, row[0] if row else b"")

    def stored_vector(self, text_hash: str) -> str | None:
        row = self._db.execute("SELECT words FROM vectors WHERE text_hash = ?", (text_hash,)).fetchone()
        return row[0] if row else None

    def stored_vectors(self, text_hashes: list[str]) -> dict[str, str]:
        return self._where_in("SELECT text_hash, words FROM vectors WHERE text_hash IN", text_hashes)

    # ---- writing ----
    def mark_dirty(self) -> None:
        """Before the engine is changed: until save() clears it, this state describes no index."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('dirty', '1')")

    def save_pages(self, pages: Iterable[PageEntry], gone_pages: Iterable[str], full: bool) -> None:
        """The pages' analyses (full: replacing all), written once they are known and before the
        cross-document work, so that a build need not hold a million pages' JSON until it ends.
        Call it after mark_dirty: until save() the state vouches for nothing."""
        with self._db:
            if full:
                self._db.execute("DELETE FROM pages")
            self._db.executemany("DELETE FROM pages WHERE url = ?", ((url,) for url in gone_pages))
            self._db.executemany(
                "INSERT OR REPLACE INTO pages(url, response_id, final_url, listing, deps, document, problems)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((p.url, p.response_id, p.final_url, p.listing, json.dumps(p.deps, ensure_ascii=False), p.document,
                  json.dumps(p.problems, ensure_ascii=False)) for p in pages))

    def save(self, meta: Meta, indexed: dict[str, str], unindexed: Iterable[str], facts: dict[str, bytes],
             vectors: dict[str, list], images: set[str], row_texts: dict[int, bytes], full: bool) -> None:
        """The rest of the state after a build (full: everything before it is dropped) or an
        update, in one transaction that clears `dirty`."""
        with self._db:
            if full:
                for table in ("indexed", "facts", "vectors", "row_texts", "meta"):
                    self._db.execute(f"DELETE FROM {table}")
            self._db.executemany("DELETE FROM indexed WHERE doc_id = ?", ((doc_id,) for doc_id in unindexed))
            self._db.executemany("DELETE FROM facts WHERE policy_id = ?", ((doc_id,) for doc_id in unindexed))
            self._db.executemany("INSERT OR REPLACE INTO indexed(doc_id, hash) VALUES (?, ?)", indexed.items())
            self._db.executemany("INSERT OR REPLACE INTO facts(policy_id, facts) VALUES (?, ?)", facts.items())
            self._db.executemany("INSERT OR REPLACE INTO row_texts(row_id, text) VALUES (?, ?)", row_texts.items())
            self._db.execute("DELETE FROM images")
            self._db.executemany("INSERT INTO images(name) VALUES (?)", ((name,) for name in sorted(images)))
            self._db.executemany("INSERT OR IGNORE INTO vectors(text_hash, words) VALUES (?, ?)",
                                 ((key, json.dumps(words, ensure_ascii=False)) for key, words in vectors.items()))
            self._db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [
                ("fingerprint", meta.fingerprint), ("generation", meta.generation),
                ("last_response_id", str(meta.last_response_id)), ("site_facts", meta.site_facts), ("dirty", "0"),
            ])


VECTORS_PARALLEL_FROM = 200  # texts to segment: fewer are segmented in this process


class CachedVectors:
    """linking.text_vector through the state: a text's words are segmented once, whatever the
    number of builds; the new ones are kept in `added` until the state is saved."""

    def __init__(self, state: BuildState, fresh: bool):
        self.state = state
        self.fresh = fresh
        self.added: dict[str, list] = {}
        self.known: dict[str, str] = {}  # stored words read ahead by prefetch, as stored

    def __call__(self, document: Document) -> Counter:
        key = vector_key(document)
        if key in self.added:
            return Counter(dict(self.added[key]))
        row = self.known.get(key) or (None if self.fresh else self.state.stored_vector(key))
        if row:
            return Counter(dict(json.loads(row)))
        words = text_vector(document)
        self.added[key] = list(words.items())
        return words

    def prefetch(self, documents: list[Document]) -> None:
        """The stored words of these documents read in a few queries, and the missing ones
        segmented on every core when there are many: the first comparison of a 90-day window
        is thousands of policies (36 s of a 41 s update at 100,000 documents, on one core)."""
        wanted = {vector_key(d): d for d in documents}
        missing = [key for key in wanted if key not in self.added and key not in self.known]
        if not self.fresh:
            self.known.update(self.state.stored_vectors(missing))
            missing = [key for key in missing if key not in self.known]
        for key, words in zip(missing, _segmented([compared_text(wanted[key]) for key in missing])):
            self.added[key] = list(words.items())


def _segmented(texts: list[str]) -> list[Counter]:
    workers = min(os.cpu_count() or 1, len(texts) // VECTORS_PARALLEL_FROM)
    if workers < 2:
        return [words_vector(text) for text in texts]
    tokenizer()  # loaded once here, inherited by the forked workers
    with worker_pool(workers) as pool:
        return list(pool.map(words_vector, texts, chunksize=64))


RowText = tuple[str, str, str]  # content hash, title, body


class RowTexts:
    """What raw-store rows said when analyzed (content hash, title, body; None: no document),
    kept in the state (none: a rebuild, which analyzes every row again); the rows analyzed now
    are in `added` until the state is saved."""

    def __init__(self, state: BuildState | None):
        self.state = state
        self.added: dict[int, bytes] = {}

    def get(self, row_id: int, listing: str) -> tuple[bool, RowText | None]:
        """(known, its text): known only when analyzed with the same list record, which can
        name the title."""
        if row_id in self.added:
            packed = self.added[row_id]
        elif self.state is not None:
            known, packed = self.state.stored_row_text(row_id)
            if not known:
                return False, None
        else:
            return False, None
        said, text = json.loads(zlib.decompress(packed))
        return (True, tuple(text) if text else None) if said == listing else (False, None)

    def put(self, row_id: int, listing: str, document: Document | None) -> None:
        text = None if document is None else [document.content_hash, document.title, document.body]
        self.added[row_id] = zlib.compress(json.dumps([listing, text], ensure_ascii=False).encode(), 3)
