"""Ingest: a file becomes one page record per frame, or a failed page with a reason.

Nothing here raises for bad input: a bad file is a page with status failed, so one broken
scan never sinks a batch.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline.config import IngestConfig
from pipeline.model import Flag, Page, PageStatus, Severity

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})


class BadInputError(ValueError):
    """Input that will never succeed, however often it is retried."""


def page_id(source: Path, sha256: str, frame: int) -> str:
    """Stable across runs and moves: the file's stem for people, its hash for uniqueness."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-")[:40] or "page"
    if not stem[0].isalpha():
        stem = f"p-{stem}"
    return f"{stem}-{sha256[:8]}-f{frame}"


def failed_page(source: Path, reason: str, code: str = "bad-input", sha256: str = "") -> Page:
    pid = page_id(source, sha256 or hashlib.sha256(str(source).encode()).hexdigest(), 0)
    return Page(
        id=pid,
        source=str(source),
        sha256=sha256,
        status=PageStatus.failed,
        flags=[Flag(code=code, reason=reason, severity=Severity.error)],
    )


def _open_checked(source: Path, config: IngestConfig) -> Image.Image:
    """Open without decoding and refuse what no page can be, before any pixels are allocated."""
    Image.MAX_IMAGE_PIXELS = None  # our own limit below gives a clearer message than PIL's warning
    try:
        image = Image.open(source)
    except UnidentifiedImageError as exc:
        raise BadInputError("not a readable image (unknown or corrupt format)") from exc
    width, height = image.size
    if width * height > config.max_pixels:
        image.close()
        raise BadInputError(
            f"image is {width}x{height} pixels, over the {config.max_pixels:,} pixel limit "
            "(possible decompression bomb)"
        )
    if min(width, height) < config.min_side:
        image.close()
        raise BadInputError(f"image is {width}x{height} pixels, too small to be a page")
    return image


def ingest_file(source: Path, config: IngestConfig | None = None) -> list[Page]:
    """Read a file's header and every frame, returning one page per frame."""
    config = config or IngestConfig()
    source = Path(source)
    if source.suffix.lower() not in IMAGE_SUFFIXES:
        return [failed_page(source, f"unsupported file type {source.suffix or '(none)'}")]
    try:
        data = source.read_bytes()
    except OSError as exc:
        return [failed_page(source, f"cannot read file: {exc.strerror or exc}", code="unreadable")]
    if not data:
        return [failed_page(source, "file is empty (0 bytes)")]
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        image = _open_checked(source, config)
    except BadInputError as exc:
        return [failed_page(source, str(exc), sha256=sha256)]
    pages: list[Page] = []
    with image:
        dpi = image.info.get("dpi", (None, None))[0]
        for frame, frame_image in enumerate(ImageSequence.Iterator(image)):
            identity = {"id": page_id(source, sha256, frame), "source": str(source), "frame": frame, "sha256": sha256}
            try:
                frame_image.load()
            except (OSError, ValueError, SyntaxError) as exc:
                pages.append(Page(**identity, status=PageStatus.failed, flags=[
                    Flag(code="bad-input", reason=f"image data is corrupt: {exc}", severity=Severity.error)]))
                continue
            width, height = frame_image.size
            pages.append(Page(**identity, width=width, height=height, dpi=float(dpi) if dpi else None))
    return pages


def load_gray(page: Page) -> np.ndarray:
    """The page's frame as 8-bit grayscale, decoded from the source file."""
    with Image.open(page.source) as image:
        image.seek(page.frame)
        frame = image.convert("L")
        return np.asarray(frame, dtype=np.uint8)
