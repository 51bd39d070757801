"""Atomic writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import ctypes
import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

PUBLISHED_MODE = 0o644


def _temporary(path: Path, data: bytes, sync: bool) -> str:
    """`data` in a temporary file beside `path`, flushed to disk first where `sync`; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); outputs are for library systems and colleagues to read.
        os.fchmod(fd, PUBLISHED_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def write_bytes_atomic(path: Path, data: bytes) -> None:
    temporary = _temporary(path, data, sync=True)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _syncfs(folder: Path) -> bool:
    """Flush the file system holding `folder` to disk in one call (Linux `syncfs`); False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


def write_files_atomic(files: Mapping[Path, bytes]) -> None:
    """Several files written as `write_bytes_atomic` writes one (each seen whole, old or new, never half), with
    one flush to disk for all of them where the system allows: a page's hundred small TEI files would otherwise
    wait for a hundred flushes. Every file is on disk before any replaces its old version."""
    temporaries: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            temporaries.append((_temporary(path, data, sync=False), path))
        folders = {path.parent for _, path in temporaries}
        if temporaries and not all(_syncfs(folder) for folder in folders):
            for temporary, _ in temporaries:
                fd = os.open(temporary, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        for temporary, path in temporaries:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in temporaries:
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
