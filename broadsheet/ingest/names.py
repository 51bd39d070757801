"""What file and folder names say: which files are pages, and, when no sidecar does, an issue's title, date and
printed page numbers. Light on imports, so the command line can use it before anything heavy loads."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from broadsheet.model.page import IssueMetadata

JPEG2000_SUFFIXES = frozenset({".jp2", ".j2k", ".jpx", ".jpf"})
"""JPEG 2000, as NDNP batches deliver; Pillow decodes it with OpenJPEG."""
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"}) | JPEG2000_SUFFIXES
PDF_SUFFIXES = frozenset({".pdf"})
PAGE_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES

DATE = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")
_PAGE_NUMBER = re.compile(r"(\d{1,4})$")
"""The printed page is the trailing number of a file stem: page_04, 04, A06, p3, ttt_1944_0059."""


def printable(path: Path | str) -> str:
    """A path as text that any UTF-8 file or terminal can hold: bytes of a name that are not UTF-8 (which Python
    keeps as lone surrogates) are shown as \\xNN escapes, so a reason can still name the file."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8_name(path: Path) -> bool:
    return printable(path) == os.fspath(path)


def iso_date(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s_\-.]+", name) if w and not w.isdigit()]


GENERIC_FOLDERS = frozenset({"images", "image", "img", "pages", "page", "scans", "scan", "tif", "tiff", "jpg",
                             "jpeg", "png", "jp2", "pdf", "pdfs", "masters", "access", "input", "inbox"})
"""Folder names that say what the files are, not which paper: the title is looked for above them."""


def _split_date(name: str) -> tuple[str | None, str]:
    """The first valid date in a name, and the name without it."""
    for match in DATE.finditer(name):
        date = iso_date(*match.groups())
        if date:
            return date, name[:match.start()] + " " + name[match.end():]
    return None, name


def guess_metadata(folder: Path, file: Path | None = None) -> IssueMetadata:
    """Title and date from a folder name such as `renmin-ribao_2024-03-05`. A folder named only by its date takes
    the title from its parent (`renmin-ribao/2024-03-05`), and folders such as `images/` or `tiff/` are looked
    past. Without a date in the folders, a date in the file's name (`renmin_2024-03-05_p1.tif`) is used."""
    names = [printable(part) for part in reversed((folder.resolve() if folder.name in ("", ".") else folder).parts)
             if part.strip("/\\")][:4]
    date, words = None, []
    for name in names:
        if name.lower() in GENERIC_FOLDERS:
            continue
        found, rest = _split_date(name)
        date = date or found
        words = _words(rest)
        if words:
            break
    if date is None and file is not None:
        date = _split_date(file.stem)[0]
    title = " ".join(w.capitalize() if w.islower() else w for w in words) or "Unknown newspaper"
    return IssueMetadata(title=title, date=date, source="defaults")


def page_number_from_name(path: Path) -> int | None:
    match = _PAGE_NUMBER.search(path.stem)
    return (int(match.group(1)) or None) if match else None
