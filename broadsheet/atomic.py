"""Atomic writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PUBLISHED_MODE = 0o644


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); outputs are for library systems and colleagues to read.
        os.fchmod(fd, PUBLISHED_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete the temporary files a killed writer left behind (a kill -9 skips the cleanup above).

    Only safe while no other process writes into the folder: hold `exclusive_folder` first.
    """
    partial = [p for p in folder.rglob(".*.part") if p.is_file()]
    for path in partial:
        path.unlink(missing_ok=True)
    return partial


@contextmanager
def exclusive_folder(folder: Path) -> Iterator[None]:
    """One writer per output folder: an advisory lock the kernel releases even when the holder is killed."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusyError(f"another broadsheet run is writing to {folder}") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class FolderBusyError(RuntimeError):
    """Another process holds the output folder."""
