"""Ingest: a file becomes one page record per frame (or PDF page), or a failed page with a reason.

Nothing here raises for bad input: a bad file is a page with status failed, so one broken
scan never sinks a batch. Images: TIFF (multi-page, bitonal G4), JPEG, PNG, JPEG 2000. PDFs:
each page is read from its text layer or rasterised for OCR (broadsheet/ingest/pdf.py decides, per page).
A loose file gets issue metadata guessed from its folder and name; `broadsheet.ingest.issue` replaces it
with the issue's own.
"""

from __future__ import annotations

import hashlib
import re
import struct
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from broadsheet.config import IngestConfig
from broadsheet.ingest.folds import fold_pieces
from broadsheet.ingest.names import (
    PAGE_SUFFIXES,
    PDF_SUFFIXES,
    guess_metadata,
    is_utf8_name,
    page_number_from_name,
    printable,
)
from broadsheet.ingest.pdf import PdfError, decide, decision_step, open_pdf, page_count, page_pixels, rasterise
from broadsheet.model.page import Flag, Page, PageStatus, Severity

HASH_CHUNK_BYTES = 1 << 20


NON_UTF8_NAME = "the file name is not valid UTF-8, so TEI, ALTO and the manifest cannot record it: rename the file"


class BadInputError(ValueError):
    """Input that will never succeed, however often it is retried."""


def page_id(source: Path, sha256: str, frame: int) -> str:
    """Stable across runs and moves: the file's stem for people, its hash for uniqueness."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-")[:40] or "page"
    if not stem[0].isalpha():
        stem = f"p-{stem}"
    return f"{stem}-{sha256[:8]}-f{frame}"


def failed_page(source: Path, reason: str, code: str = "bad-input", sha256: str = "") -> Page:
    name = printable(source)
    pid = page_id(Path(name), sha256 or hashlib.sha256(name.encode()).hexdigest(), 0)
    return Page(
        id=pid,
        source=name,
        sha256=sha256,
        status=PageStatus.failed,
        flags=[Flag(code=code, reason=reason, severity=Severity.error)],
    )


def _open_header(source: Path) -> Image.Image:
    """The image opened on its header alone: no pixel is decoded yet."""
    Image.MAX_IMAGE_PIXELS = None  # our own limit (ingest.max_pixels) gives a clearer message than PIL's
    try:
        return Image.open(source)
    except UnidentifiedImageError as exc:
        raise BadInputError("not a readable image (unknown or corrupt format)") from exc
    except (OSError, ValueError, SyntaxError, struct.error) as exc:  # a header cut short, or contradicting itself
        raise BadInputError(f"not a readable image (corrupt header: {type(exc).__name__}: {exc})") from exc


def _frames_up_to(image: Image.Image, limit: int) -> int:
    """The image's frame count, or limit + 1 when it holds more: at most `limit` frame headers are read."""
    if not getattr(image, "is_animated", False):
        return 1
    try:
        for frame in range(1, limit + 1):  # one directory at a time: n_frames would walk all of them
            try:
                image.seek(frame)
            except EOFError:
                return frame
    finally:
        image.seek(0)
    return limit + 1


def _open_checked(source: Path, config: IngestConfig) -> Image.Image:
    """Open without decoding and refuse what no page can be, before any pixels are allocated."""
    image = _open_header(source)
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
    try:
        frames = _frames_up_to(image, config.max_pages_per_file)
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        image.close()
        raise BadInputError(f"image frames cannot be read: {type(exc).__name__}: {exc}") from exc
    if frames > config.max_pages_per_file:
        image.close()
        raise BadInputError(f"image holds more than {config.max_pages_per_file:,} frames "
                            "(ingest.max_pages_per_file): split it")
    return image


def _read_image(source: Path, sha256: str, config: IngestConfig) -> list[Page]:
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
            except (OSError, ValueError, SyntaxError, struct.error) as exc:
                pages.append(Page(**identity, status=PageStatus.failed, flags=[
                    Flag(code="bad-input", reason=f"image data is corrupt: {exc}", severity=Severity.error)]))
                continue
            width, height = frame_image.size
            page = Page(**identity, width=width, height=height, dpi=float(dpi) if dpi else None)
            pieces = fold_pieces(np.asarray(frame_image.convert("L")), config) \
                if config.split_folds and width >= config.fold_min_aspect * height else []
            # A fold: one page per side, each the same source with its part (`Page.crop`) and an id of its own.
            pages.extend(page.model_copy(update={"id": f"{page.id}-s{crop.piece}", "crop": crop}) for crop in pieces)
            if not pieces:
                pages.append(page)
    return pages


def _read_pdf(source: Path, sha256: str, config: IngestConfig) -> list[Page]:
    """One page per PDF page, each with its reading decision; a page that breaks fails alone."""
    try:
        count = page_count(source)
        if count > config.max_pages_per_file:
            return [failed_page(source, f"PDF has {count:,} pages, over the {config.max_pages_per_file:,} page "
                                        "limit (ingest.max_pages_per_file): split it", sha256=sha256)]
        with open_pdf(source) as document:
            pages: list[Page] = []
            for frame, pdf_page in enumerate(document.pages):
                identity = {"id": page_id(source, sha256, frame), "source": str(source), "frame": frame,
                            "sha256": sha256}
                try:
                    started = time.perf_counter()
                    decision = decide(pdf_page, config, source)
                    step = decision_step(decision, round(time.perf_counter() - started, 4))
                    width, height = page_pixels(pdf_page, decision)
                    if width * height > config.max_pixels:
                        raise BadInputError(f"page {frame + 1} is {width}x{height} pixels at {decision.dpi:g} dpi, "
                                            f"over the {config.max_pixels:,} pixel limit; lower ingest.pdf_dpi")
                except Exception as exc:  # pdfminer and pdfium raise many types for a damaged page
                    reason = str(exc) if isinstance(exc, BadInputError) else (
                        f"PDF page {frame + 1} cannot be read: {type(exc).__name__}: {exc}")
                    pages.append(Page(**identity, status=PageStatus.failed,
                                      flags=[Flag(code="bad-input", reason=reason, severity=Severity.error)]))
                    continue
                pages.append(Page(**identity, width=width, height=height, dpi=decision.dpi, pdf=decision,
                                  steps=[step]))
            return pages or [failed_page(source, "PDF has no pages", sha256=sha256)]
    except PdfError as exc:
        return [failed_page(source, str(exc), sha256=sha256)]


def ingest_file(source: Path, config: IngestConfig | None = None) -> list[Page]:
    """Read a file's header and every frame (or PDF page), returning one page per frame."""
    config = config or IngestConfig()
    source = Path(source)
    suffix = source.suffix.lower()
    if not is_utf8_name(source):
        return [failed_page(source, NON_UTF8_NAME, code="bad-name")]
    if suffix not in PAGE_SUFFIXES:
        return [failed_page(source, f"unsupported file type {source.suffix or '(none)'}")]
    try:
        if source.is_dir():
            return [failed_page(source, "a folder, not a page file")]
        sha256 = _sha256(source)
    except OSError as exc:
        return [failed_page(source, f"cannot read file: {exc.strerror or exc}", code="unreadable")]
    if sha256 is None:
        return [failed_page(source, "file is empty (0 bytes)")]
    try:
        pages = _read_pdf(source, sha256, config) if suffix in PDF_SUFFIXES else _read_image(source, sha256, config)
    except Exception as exc:  # decoders raise many types for damaged data; one damaged file fails alone
        return [failed_page(source, f"cannot be read: {type(exc).__name__}: {exc}", sha256=sha256)]
    metadata = guess_metadata(source.parent, source)
    first = page_number_from_name(source) or 1
    return [page.model_copy(update={"issue": metadata, "page_number": first + index})
            for index, page in enumerate(pages)]


def _sha256(source: Path) -> str | None:
    """The file's SHA-256, read in chunks (a file is never held in memory whole); None for an empty file."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest() if size else None


def frame_count(source: Path, config: IngestConfig | None = None) -> int:
    """Pages in a file (frames of a TIFF, pages of a PDF), read from headers only; 1 where the file cannot tell
    or is refused (ingest says why), so numbering goes on. Never raises: it runs before the page is ingested."""
    config = config or IngestConfig()
    try:
        if source.suffix.lower() in PDF_SUFFIXES:
            count = page_count(source)
        else:
            with _open_header(source) as image:
                count = _frames_up_to(image, config.max_pages_per_file)
    except Exception:  # any failure here is reported once, with its reason, when the file is ingested
        return 1
    return count if 1 <= count <= config.max_pages_per_file else 1


def page_image(page: Page, mode: str = "L", source: Path | None = None) -> Image.Image:
    """The page's frame decoded into `mode` (a PDF page rasterised at its dpi); `source` overrides where the file
    is looked for (the review app resolves recorded paths)."""
    path = source or Path(page.source)
    if page.pdf is not None:
        return Image.fromarray(rasterise(path, page.frame, page.pdf, (page.width, page.height))).convert(mode)
    with Image.open(path) as image:
        image.seek(page.frame)
        return image.convert(mode)


def load_gray(page: Page) -> np.ndarray:
    """The page's frame as 8-bit grayscale, decoded from the source file."""
    return np.asarray(page_image(page), dtype=np.uint8)
