"""Staff state in one SQLite file (<data dir>/staff.sqlite3): accounts, API tokens and browser
sessions (only their SHA-256 hashes are stored), the timeliness scope decisions, and the audit
log of every change.

Every API worker is its own process and several may write at once: each change is one
`BEGIN IMMEDIATE` transaction (the database's write lock, held across processes) that writes
the decision and its audit row together, so a change is either whole or absent. WAL lets
readers go on while one writes; busy_timeout makes a second writer wait instead of failing."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scope_decisions (
    doc_id TEXT PRIMARY KEY,
    include INTEGER NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS imports (
    source TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
"""

SESSION_HOURS = 12
TOKEN_PREFIX = "zc_"
_NAME_LIMIT = 64


class StaffStoreError(RuntimeError):
    """The staff database cannot be used (corrupt, unwritable); the message says what to do."""


@dataclass(frozen=True)
class ScopeDecision:
    doc_id: str
    include: bool
    decided_by: str
    decided_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict


@dataclass(frozen=True)
class Session:
    name: str
    csrf: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _password_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${key.hex()}"


def _password_matches(password: str, stored: str) -> bool:
    try:
        _scheme, salt, _key = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(_password_hash(password, bytes.fromhex(salt)), stored)


def valid_name(name: str) -> bool:
    return 0 < len(name) <= _NAME_LIMIT and name.isprintable() and name == name.strip()


class StaffStore:
    def __init__(self, path: Path, legacy_scope_file: Path | None = None):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StaffStoreError(
                f"staff database {self.path} is unusable ({exc}): restore it from a backup, or move it aside"
                " and add staff again with `zhengce staff add NAME`"
            ) from exc
        if legacy_scope_file is not None and legacy_scope_file.exists():
            self.import_scope_file(legacy_scope_file)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per operation: API handlers run on a thread pool, and a connection is cheap.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=FULL")
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that holds the write lock from its first statement, across processes."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _audit(db: sqlite3.Connection, actor: str, action: str, target: str = "", **detail) -> None:
        db.execute(
            "INSERT INTO audit(at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (_now().isoformat(), actor, action, target, json.dumps(detail, ensure_ascii=False)),
        )

    # accounts and tokens

    def add_staff(self, name: str, actor: str = "命令行") -> str:
        """Create the account if needed and issue a new API token; the token is shown only now."""
        if not valid_name(name):
            raise ValueError(f"a staff name is 1 to {_NAME_LIMIT} printable characters without edge spaces")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as db:
            created = db.execute(
                "INSERT INTO staff(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                (name, _now().isoformat()),
            ).rowcount
            db.execute("INSERT INTO tokens(token_hash, name, created_at) VALUES (?, ?, ?)",
                       (_digest(token), name, _now().isoformat()))
            self._audit(db, actor, "staff.add" if created else "token.issue", name)
        return token

    def set_password(self, name: str, password: str, actor: str = "命令行") -> None:
        if len(password) < 10:
            raise ValueError("a password has at least 10 characters")
        with self._write() as db:
            if not db.execute("UPDATE staff SET password_hash = ? WHERE name = ?",
                              (_password_hash(password), name)).rowcount:
                raise KeyError(name)
            self._audit(db, actor, "staff.password", name)

    def remove_staff(self, name: str, actor: str = "命令行") -> bool:
        with self._write() as db:
            removed = db.execute("DELETE FROM staff WHERE name = ?", (name,)).rowcount > 0
            if removed:
                self._audit(db, actor, "staff.remove", name)
        return removed

    def staff_names(self) -> list[str]:
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT name FROM staff ORDER BY name")]

    def has_staff(self) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is not None

    def staff_for_token(self, token: str) -> str | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._connect() as db:
            row = db.execute("SELECT name FROM tokens WHERE token_hash = ?", (_digest(token),)).fetchone()
        return row[0] if row else None

    def check_credentials(self, name: str, secret: str) -> bool:
        """A staff member signs in with their password, or with one of their API tokens."""
        if self.staff_for_token(secret) == name:
            return True
        with self._connect() as db:
            row = db.execute("SELECT password_hash FROM staff WHERE name = ?", (name,)).fetchone()
        return bool(row and row[0] and _password_matches(secret, row[0]))

    # browser sessions

    def open_session(self, name: str) -> tuple[str, Session]:
        """A new session: its secret goes into the cookie, only its hash into the database."""
        secret = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), _now() + timedelta(hours=SESSION_HOURS))
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (_now().isoformat(),))
            db.execute("INSERT INTO sessions(session_hash, name, csrf, expires_at) VALUES (?, ?, ?, ?)",
                       (_digest(secret), name, session.csrf, session.expires_at.isoformat()))
            self._audit(db, name, "session.open")
        return secret, session

    def session(self, secret: str) -> Session | None:
        with self._connect() as db:
            row = db.execute("SELECT name, csrf, expires_at FROM sessions WHERE session_hash = ?",
                             (_digest(secret),)).fetchone()
        if row is None:
            return None
        session = Session(row[0], row[1], datetime.fromisoformat(row[2]))
        return session if session.expires_at > _now() else None

    def close_session(self, secret: str) -> None:
        with self._write() as db:
            row = db.execute("DELETE FROM sessions WHERE session_hash = ? RETURNING name", (_digest(secret),)).fetchone()
            if row:
                self._audit(db, row[0], "session.close")

    # timeliness scope

    def set_scope(self, doc_id: str, include: bool | None, actor: str, reason: str = "") -> ScopeDecision | None:
        """Record include/exclude for one policy (None: back to the default rule), with its audit row."""
        with self._write() as db:
            before = db.execute("SELECT include FROM scope_decisions WHERE doc_id = ?", (doc_id,)).fetchone()
            previous = None if before is None else bool(before[0])
            if include is None:
                db.execute("DELETE FROM scope_decisions WHERE doc_id = ?", (doc_id,))
                decision = None
            else:
                decision = ScopeDecision(doc_id, include, actor, _now(), reason)
                db.execute(
                    "INSERT INTO scope_decisions(doc_id, include, decided_by, decided_at, reason) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(doc_id) DO UPDATE SET include = excluded.include,"
                    " decided_by = excluded.decided_by, decided_at = excluded.decided_at, reason = excluded.reason",
                    (doc_id, int(include), actor, decision.decided_at.isoformat(), reason),
                )
            action = "scope.reset" if include is None else ("scope.include" if include else "scope.exclude")
            self._audit(db, actor, action, doc_id, before=previous, after=include, reason=reason)
        return decision

    def scope_decisions(self) -> dict[str, ScopeDecision]:
        with self._connect() as db:
            rows = db.execute("SELECT doc_id, include, decided_by, decided_at, reason FROM scope_decisions")
            return {r[0]: ScopeDecision(r[0], bool(r[1]), r[2], datetime.fromisoformat(r[3]), r[4]) for r in rows}

    def scope_overrides(self) -> dict[str, bool]:
        return {doc_id: d.include for doc_id, d in self.scope_decisions().items()}

    def import_scope_file(self, path: Path, actor: str = "导入") -> int:
        """Decisions of the JSON file earlier versions kept (document id → include), once per file;
        decisions already in the database win. The file is left where it is."""
        source = str(path.resolve())
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise StaffStoreError(f"{path} is unreadable ({exc}); fix it or move it aside") from exc
        with self._write() as db:
            if db.execute("SELECT 1 FROM imports WHERE source = ?", (source,)).fetchone():
                return 0
            imported = 0
            for doc_id, include in raw.items():
                imported += db.execute(
                    "INSERT INTO scope_decisions(doc_id, include, decided_by, decided_at, reason) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(doc_id) DO NOTHING",
                    (str(doc_id), int(bool(include)), actor, _now().isoformat(), f"从 {path.name} 导入"),
                ).rowcount
            db.execute("INSERT INTO imports(source, at) VALUES (?, ?)", (source, _now().isoformat()))
            self._audit(db, actor, "scope.import", path.name, decisions=imported)
        return imported

    # the audit log

    def audit_log(self, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first; `before_id` pages back."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, actor, action, target, detail FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before_id if before_id is not None else 2**62, limit),
            )
            return [AuditEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]
