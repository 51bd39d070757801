"""The review app's SQLite store: reviewers, login sessions and the audit trail of every decision.

One file, `OUT/review.sqlite3` by default, next to the run it is about, so it survives restarts and re-runs
into the same folder. Only the standard library is used here: `pipeline.output.write_page` reads the audit
trail on every write (to re-apply reviewers' corrections) and must not pull in the web stack.

Passwords are hashed with scrypt (a memory-hard KDF) and a per-user salt; the parameters are stored with
the hash so they can be raised later without locking anyone out. Session and CSRF tokens are random;
only a SHA-256 of the session token is stored, so a copy of the database cannot be used to log in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DB_NAME = "review.sqlite3"
SESSION_HOURS = 12
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_MAXMEM = 64 * 1024 * 1024
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    page_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL,
    element_id TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_page ON audit(page_id, sha256, id);
"""


class StoreError(ValueError):
    """A request the store refuses (bad user name, weak password, duplicate user)."""


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    user: str
    page_id: str
    sha256: str
    action: str
    element_id: str
    before: str
    after: str


def _now() -> datetime:
    return datetime.now(UTC)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=_MAXMEM, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected), maxmem=_MAXMEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so a wrong name costs as long as a wrong password.

    Made on first use: `pipeline.output` imports this module, and a pipeline run should not pay for it."""
    return hash_password(secrets.token_hex(8))


class ReviewStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: the web server calls from a thread pool and sqlite3 connections are per thread.
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            with db:  # commits, or rolls back on an exception
                yield db

    # ------------------------------------------------------------------------------------------- users

    def add_user(self, name: str, password: str) -> None:
        if not name or len(name) > 64 or not set(name) <= USERNAME_CHARS:
            raise StoreError("a user name is 1-64 letters, digits, '.', '_' or '-'")
        if len(password) < 8:
            raise StoreError("a password needs at least 8 characters")
        try:
            with self._db() as db:
                db.execute("INSERT INTO users (name, password, created) VALUES (?, ?, ?)",
                           (name, hash_password(password), _now().isoformat(timespec="seconds")))
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"user {name!r} already exists") from exc

    def check_login(self, name: str, password: str) -> bool:
        with self._db() as db:
            row = db.execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        ok = check_password(password, row[0] if row else _dummy_hash())
        return ok and row is not None

    # ---------------------------------------------------------------------------------------- sessions

    def create_session(self, user: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(user=user, csrf=secrets.token_urlsafe(32))
        expires = (_now() + timedelta(hours=SESSION_HOURS)).isoformat()
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (_now().isoformat(),))
            db.execute("INSERT INTO sessions (token_sha256, user, csrf, expires) VALUES (?, ?, ?, ?)",
                       (_token_key(token), user, session.csrf, expires))
        return token, session

    def session(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._db() as db:
            row = db.execute("SELECT user, csrf, expires FROM sessions WHERE token_sha256 = ?",
                             (_token_key(token),)).fetchone()
        if row is None or row[2] < _now().isoformat():
            return None
        return Session(user=row[0], csrf=row[1])

    def end_session(self, token: str | None) -> None:
        if token:
            with self._db() as db:
                db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_token_key(token),))

    # ------------------------------------------------------------------------------------------- audit

    def record(self, user: str, page_id: str, sha256: str, action: str, element_id: str, before: str,
               after: str) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO audit (at, user, page_id, sha256, action, element_id, before, after) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now().isoformat(timespec="seconds"), user, page_id, sha256, action, element_id, before, after))
            return int(cursor.lastrowid or 0)

    def history(self, page_id: str, sha256: str, after_id: int = 0) -> list[AuditRow]:
        """The page's audit rows after `after_id`, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, at, user, page_id, sha256, action, element_id, before, after FROM audit "
                "WHERE page_id = ? AND sha256 = ? AND id > ? ORDER BY id", (page_id, sha256, after_id)).fetchall()
        return [AuditRow(*row) for row in rows]


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
