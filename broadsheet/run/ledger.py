"""The inbox ledger: which issue folders have been digitised, keyed by their content, in SQLite.

A folder is new when its content hash is not in the ledger, so an issue whose pages or sidecar changed
is digitised again, and one merely renamed or touched is not.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

LEDGER_NAME = "ledger.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    content_hash TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    issue_id TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    pages INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    finished TEXT NOT NULL
)
"""


class LedgerEntry(BaseModel):
    content_hash: str
    folder: str
    issue_id: str
    out_dir: str
    pages: int
    failed: int
    finished: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def folder_content_hash(folder: Path) -> str:
    """SHA-256 over every visible file's relative name and bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        file_digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                file_digest.update(block)
        digest.update(file_digest.digest())
    return digest.hexdigest()


def issue_folders(inbox: Path) -> list[Path]:
    """Issue folders in the inbox, in name order. Hidden folders are skipped: copy an issue in as `.name` and
    rename it when complete, so a half-copied issue is never picked up."""
    return sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith("."))


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A runs' writes are few and small; the timeout lets two flow runs share the file.
        with closing(sqlite3.connect(self.path, timeout=30)) as connection, connection:
            yield connection

    def is_done(self, content_hash: str) -> bool:
        with self._connect() as connection:
            row = connection.execute("SELECT 1 FROM issues WHERE content_hash = ?", (content_hash,)).fetchone()
        return row is not None

    def record(self, entry: LedgerEntry) -> None:
        with self._connect() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO issues (content_hash, folder, issue_id, out_dir, pages, failed, finished) "
                "VALUES (:content_hash, :folder, :issue_id, :out_dir, :pages, :failed, :finished)",
                entry.model_dump())

    def entries(self) -> list[LedgerEntry]:
        with self._connect() as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute("SELECT * FROM issues ORDER BY finished").fetchall()
        return [LedgerEntry(**dict(row)) for row in rows]

    def new_folders(self, inbox: Path) -> list[tuple[Path, str]]:
        """The inbox's issue folders whose content the ledger has not seen, with their content hashes."""
        hashed = [(folder, folder_content_hash(folder)) for folder in issue_folders(inbox)]
        return [(folder, content_hash) for folder, content_hash in hashed if not self.is_done(content_hash)]
