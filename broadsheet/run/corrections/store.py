"""The review app's SQLite store: reviewers, login sessions, the audit trail of every decision, and which of those
decisions each written page model holds (its review state, kept beside the page model, not in it).

One file, `OUT/review.sqlite3` by default, next to the run it is about, so it survives restarts and re-runs
into the same folder. Only the standard library is used here: `broadsheet.run.output.write_page` reads the audit
trail on every write (to re-apply reviewers' corrections) and must not pull in the web stack.

Sessions end `review.session_seconds` after login, or sooner after `review.idle_seconds` without a request. Failed
logins are kept for `review.login_window_seconds`: a user name or an address with too many of them is refused, the
password not even checked, until the window has passed (a guesser gets a handful of tries an hour, not millions).

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

from broadsheet.config import ReviewConfig

DB_NAME = "review.sqlite3"
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
CREATE TABLE IF NOT EXISTS login_failures (
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures(at);
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
CREATE TABLE IF NOT EXISTS page_review (
    page_id TEXT PRIMARY KEY,
    model_sha256 TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    accepted_by TEXT,
    accepted_at TEXT,
    corrections INTEGER NOT NULL,
    applied_through INTEGER NOT NULL
);
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


@dataclass(frozen=True)
class Review:
    """What QA staff did to one page model in the review app (broadsheet/apps/review/).

    Kept by the store for the model file it describes, named by that file's SHA-256 (`OUT/pages/<id>.json`, the
    manifest's `model_sha256`): a re-run writes a fresh model, with other bytes, which holds none of it."""

    accepted: bool = False
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    corrections: int = 0
    """Reviewer corrections applied to the page model."""
    applied_through: int = 0
    """Id of the last audit-trail row already applied to the page model; later rows are re-applied on a re-run."""


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

    Made on first use: `broadsheet.run.output` imports this module, and a pipeline run should not pay for it."""
    return hash_password(secrets.token_hex(8))


class ReviewStore:
    def __init__(self, path: Path, config: ReviewConfig | None = None) -> None:
        self.path = path
        self.config = config or ReviewConfig()
        with self._db() as db:
            db.executescript(_SCHEMA)
            if "last_seen" not in {row[1] for row in db.execute("PRAGMA table_info(sessions)")}:
                # A store made before sessions had an idle timeout: its sessions count as seen at their start.
                db.execute("ALTER TABLE sessions ADD COLUMN last_seen TEXT NOT NULL DEFAULT ''")

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

    # ----------------------------------------------------------------------------------- login attempts

    def login_refused_for(self, name: str, address: str) -> int:
        """Seconds until the user name and the address may try again; 0 when they may now."""
        since = (_now() - timedelta(seconds=self.config.login_window_seconds)).isoformat()
        with self._db() as db:
            db.execute("DELETE FROM login_failures WHERE at < ?", (since,))
            waits = []
            for column, limit in (("user", self.config.max_failures_per_user),
                                  ("address", self.config.max_failures_per_address)):
                times = [row[0] for row in db.execute(
                    f"SELECT at FROM login_failures WHERE {column} = ? ORDER BY at DESC LIMIT ?",  # a constant
                    (name if column == "user" else address, limit))]
                if len(times) >= limit:  # the oldest of the last `limit` failures must leave the window first
                    leaves = datetime.fromisoformat(times[-1]) + timedelta(seconds=self.config.login_window_seconds)
                    waits.append(max(1, int((leaves - _now()).total_seconds()) + 1))
        return max(waits, default=0)

    def record_login_failure(self, name: str, address: str) -> None:
        with self._db() as db:
            db.execute("INSERT INTO login_failures (at, user, address) VALUES (?, ?, ?)",
                       (_now().isoformat(), name[:64], address))

    # ---------------------------------------------------------------------------------------- sessions

    def create_session(self, user: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(user=user, csrf=secrets.token_urlsafe(32))
        now = _now()
        expires = (now + timedelta(seconds=self.config.session_seconds)).isoformat()
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now.isoformat(),))
            db.execute("INSERT INTO sessions (token_sha256, user, csrf, expires, last_seen) VALUES (?, ?, ?, ?, ?)",
                       (_token_key(token), user, session.csrf, expires, now.isoformat()))
        return token, session

    def session(self, token: str | None) -> Session | None:
        """The live session of the token, its idle clock restarted; None when there is none or it has expired."""
        if not token:
            return None
        now = _now()
        idle_since = (now - timedelta(seconds=self.config.idle_seconds)).isoformat()
        with self._db() as db:
            row = db.execute("SELECT user, csrf, expires, last_seen FROM sessions WHERE token_sha256 = ?",
                             (_token_key(token),)).fetchone()
            if row is None:
                return None
            if row[2] < now.isoformat() or (row[3] and row[3] < idle_since):
                db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_token_key(token),))
                return None
            db.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", (now.isoformat(), _token_key(token)))
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

    # ------------------------------------------------------------------------------------- review state

    def page_review(self, page_id: str, model_sha256: str) -> Review:
        """The review state of the page model with this SHA-256; a fresh one for any other model of the page."""
        with self._db() as db:
            row = db.execute("SELECT accepted, accepted_by, accepted_at, corrections, applied_through FROM page_review "
                             "WHERE page_id = ? AND model_sha256 = ?", (page_id, model_sha256)).fetchone()
        if row is None:
            return Review()
        accepted, accepted_by, accepted_at, corrections, applied_through = row
        return Review(accepted=bool(accepted), accepted_by=accepted_by,
                      accepted_at=datetime.fromisoformat(accepted_at) if accepted_at else None,
                      corrections=corrections, applied_through=applied_through)

    def keep_page_review(self, page_id: str, model_sha256: str, review: Review) -> None:
        """Record the review state of the page model just written; the state of the page's earlier model goes."""
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO page_review (page_id, model_sha256, accepted, accepted_by, accepted_at, "
                       "corrections, applied_through) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (page_id, model_sha256, int(review.accepted), review.accepted_by,
                        review.accepted_at.isoformat() if review.accepted_at else None, review.corrections,
                        review.applied_through))


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
