"""PDF pages with pdfplumber: open safely, decide per page how to read it, rasterise it.

A born-digital page is read from its text layer, with no OCR; a scanned page, or one whose text layer is
garbage, is rasterised and OCR'd. The decision and its reason are kept in `Page.pdf`. Every page is rasterised
(the layout model needs pixels) at `Page.pdf.dpi`, and every coordinate is in those pixels: the configured dpi,
or a scan's own resolution.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium_raw
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.page import Page as PdfPlumberPage
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image

from broadsheet.config import IngestConfig
from broadsheet.model.page import PdfPage, ProcessingStep

COVERAGE_DPI = 36
"""The ink check renders the page this coarsely: a character box still covers its glyph's pixels."""
SCAN_IMAGE_SHARE = 0.9
"""An image covering this much of the page makes it a scan: any text layer on it is earlier OCR, not type."""
MIN_SCAN_DPI = 100.0
"""A scan stored at less than this is rendered at this: OCR needs some pixels per letter."""


class PdfError(ValueError):
    """A PDF that cannot be read at all; the message is one line, naming the fix where there is one."""


def _describe(exc: BaseException) -> str:
    inner = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    text = str(inner).strip()
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__


@contextmanager
def open_pdf(path: Path) -> Iterator[pdfplumber.PDF]:
    """The open document, its page list already parsed, so an encrypted or broken file fails here."""
    try:
        document = pdfplumber.open(path)
        _ = document.pages
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, PDFPasswordIncorrect):
            raise PdfError("PDF is encrypted with a password: decrypt it first, e.g. "
                           "`qpdf --decrypt --password=PASSWORD in.pdf out.pdf`") from exc
        raise PdfError(f"not a readable PDF (malformed or truncated): {_describe(exc)}") from exc
    except Exception as exc:  # pdfminer raises many types for damaged files; all mean the same to a user
        raise PdfError(f"not a readable PDF (malformed or truncated): {_describe(exc)}") from exc
    try:
        yield document
    finally:
        document.close()


PDF_END_MARKER = b"%%EOF"
PDF_TAIL_BYTES = 1024
"""The PDF standard puts %%EOF in the file's last 1024 bytes; a file without it was cut short in copying."""


def page_count(path: Path) -> int:
    """Pages in the PDF, read from its page tree by PDFium without parsing any page (a 10,000-page file costs
    no more than a short one); a file cut short, or one PDFium cannot open, is a PdfError."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - PDF_TAIL_BYTES))
        if PDF_END_MARKER not in handle.read():
            raise PdfError("not a readable PDF (truncated: no %%EOF at its end): copy the file again")
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfError("PDF is encrypted with a password: decrypt it first, e.g. "
                           "`qpdf --decrypt --password=PASSWORD in.pdf out.pdf`") from exc
        raise PdfError(f"not a readable PDF (malformed or truncated): {exc}") from exc
    try:
        return len(document)
    finally:
        document.close()


def raster_size(page: PdfPlumberPage, dpi: float) -> tuple[int, int]:
    """Pixels of the page rendered at dpi, as pypdfium2 (under pdfplumber) sizes its bitmap."""
    scale = dpi / 72
    # pypdfium2 takes the ceiling; a hair over a whole pixel is float noise, and rasterise trims that pixel.
    return math.ceil(float(page.width) * scale - 0.01), math.ceil(float(page.height) * scale - 0.01)


def render_gray(page: PdfPlumberPage, dpi: float) -> np.ndarray:
    return np.asarray(page.to_image(resolution=dpi).original.convert("L"), dtype=np.uint8)


def scan_pixels(path: Path, frame: int) -> np.ndarray | None:
    """The page's only image, decoded as stored, in grayscale; None unless the page holds exactly one image, drawn
    upright. Rendering would resample a scan; taking it out keeps every pixel as the scanner made it."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        images = list(document[frame].get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=1))
        if len(images) != 1:
            return None
        a, b, c, d, _, _ = images[0].get_matrix().get()
        if b or c or a <= 0 or d <= 0:
            return None
        return np.asarray(images[0].get_bitmap(render=False).to_pil().convert("L"), dtype=np.uint8)
    finally:
        document.close()


def _looks_like(pixels: np.ndarray, rendered: np.ndarray) -> bool:
    """Whether an image taken out of a page looks like the page rendered: a /Decode array or a mask the raw image
    ignores would invert or hide it."""
    small = np.asarray(Image.fromarray(pixels).resize(rendered.shape[::-1], Image.Resampling.BOX), dtype=float)
    return float(np.abs(small - rendered).mean()) < 32


def rasterise(path: Path, frame: int, pdf: PdfPage, size: tuple[int, int] | None = None) -> np.ndarray:
    """One page as 8-bit grayscale at its dpi (a scan as stored); padded or cut to `size` (width, height) so
    pixels match the model."""
    gray = scan_pixels(path, frame) if pdf.scan_pixels else None
    if gray is None or (size is not None and gray.shape[::-1] != size):
        with open_pdf(path) as document:
            gray = render_gray(document.pages[frame], pdf.dpi)
    if size is None or gray.shape[::-1] == size:
        return gray
    width, height = size
    canvas = np.full((height, width), 255, dtype=np.uint8)
    h, w = min(height, gray.shape[0]), min(width, gray.shape[1])
    canvas[:h, :w] = gray[:h, :w]
    return canvas


def is_garbage(text: str) -> bool:
    """A character that stands for no letter: pdfminer's (cid:NN) for an unmapped glyph, private use, U+FFFD."""
    if "(cid:" in text:
        return True
    return any(unicodedata.category(ch) in ("Co", "Cc", "Cs") or ch == "\ufffd" for ch in text)


def _box_area(obj: dict[str, Any]) -> float:
    return max(0.0, float(obj["x1"]) - float(obj["x0"])) * max(0.0, float(obj["bottom"]) - float(obj["top"]))


def _ink_covered(page: PdfPlumberPage, chars: list[dict[str, Any]]) -> float | None:
    """Share of the page's ink under character boxes, leaving out pictures and ruled lines and boxes.

    Text drawn as outlines, or a scan behind a partial text layer, leaves ink no character covers.
    """
    gray = render_gray(page, COVERAGE_DPI)
    ink = gray < 128
    scale = COVERAGE_DPI / 72
    height, width = ink.shape

    def mask(objects: list[dict[str, Any]], grow: int) -> None:
        for obj in objects:
            x0, x1 = int(float(obj["x0"]) * scale) - grow, math.ceil(float(obj["x1"]) * scale) + grow
            y0, y1 = int(float(obj["top"]) * scale) - grow, math.ceil(float(obj["bottom"]) * scale) + grow
            ink[max(0, y0):min(height, y1), max(0, x0):min(width, x1)] = False

    mask(page.images + page.rects + page.lines, 0)
    outside_text = int(ink.sum())
    if outside_text == 0:
        return None
    mask(chars, 1)
    return round(1 - int(ink.sum()) / outside_text, 4)


def _scan_image(page: PdfPlumberPage) -> tuple[float, float | None]:
    """The share of the page its largest image covers, and that image's own resolution (dpi) across the page."""
    page_area = float(page.width) * float(page.height)
    largest = max(page.images, key=_box_area, default=None)
    if largest is None or page_area <= 0:
        return 0.0, None
    share = min(_box_area(largest) / page_area, 1.0)
    shown_width = float(largest["x1"]) - float(largest["x0"])
    pixels = largest.get("srcsize", (0, 0))[0]
    return share, (round(float(pixels) * 72 / shown_width, 4) if shown_width > 0 and pixels else None)


def page_pixels(page: PdfPlumberPage, decision: PdfPage) -> tuple[int, int]:
    """Width and height in pixels of the page image later stages see."""
    if decision.scan_pixels:
        width, height = max(page.images, key=_box_area)["srcsize"]
        return int(width), int(height)
    return raster_size(page, decision.dpi)


def _native_scan(page: PdfPlumberPage, source: Path, scan_dpi: float | None,
                 config: IngestConfig) -> tuple[float, bool]:
    """The dpi a scanned page is read at, and whether its image can be taken out as stored."""
    if not (scan_dpi and config.pdf_scan_native_dpi):
        return float(config.pdf_dpi), False
    pixels = scan_pixels(source, page.page_number - 1)
    if pixels is not None and scan_dpi >= MIN_SCAN_DPI and _looks_like(pixels, render_gray(page, COVERAGE_DPI)):
        return scan_dpi, True
    # Rendering a scan at about its own resolution invents few pixels and throws few away.
    return min(max(scan_dpi, MIN_SCAN_DPI), float(config.pdf_dpi) * 2), False


def decide(page: PdfPlumberPage, config: IngestConfig, source: Path) -> PdfPage:
    """Text layer or raster for one page of `source`, and why; a scan is read at its own resolution."""
    chars = [c for c in page.chars if str(c.get("text", "")).strip()]
    count = len(chars)
    scan_share, scan_dpi = _scan_image(page)
    scanned = scan_share >= SCAN_IMAGE_SHARE
    dpi, as_stored = _native_scan(page, source, scan_dpi, config) if scanned else (float(config.pdf_dpi), False)

    def raster(reason: str, **found: float | None) -> PdfPage:
        return PdfPage(mode="raster", reason=reason, dpi=dpi, scan_pixels=as_stored, characters=count, **found)

    if not config.pdf_text_layer:
        return raster("text layers are switched off (ingest.pdf_text_layer)")
    if count < config.pdf_min_characters:
        scan = f" (a scan: an image covers {scan_share:.0%} of the page)" if scanned else ""
        return raster(("no text layer" if not count else f"text layer too small ({count} characters)") + scan)
    garbage = round(sum(is_garbage(str(c["text"])) for c in chars) / count, 4)
    if garbage > config.pdf_max_garbage_share:
        return raster(f"garbage text layer: {garbage:.0%} of {count} characters stand for no letter (unmapped "
                      "glyphs, private-use or replacement characters: a font without a usable ToUnicode map)",
                      garbage_share=garbage)
    if scanned:
        return raster(f"a scanned page (an image covers {scan_share:.0%} of it): its text layer is earlier OCR, "
                      "read again", garbage_share=garbage)
    if int(page.rotation or 0) % 360:
        return raster(f"the page is rotated by {page.rotation}°; its text layer is not used", garbage_share=garbage)
    covered = _ink_covered(page, chars)
    if covered is not None and covered < config.pdf_min_ink_covered:
        return raster(f"the text layer covers only {covered:.0%} of the page's ink (text drawn as outlines, or "
                      "a scan behind it)", garbage_share=garbage, ink_covered=covered)
    return PdfPage(mode="text-layer", dpi=dpi, characters=count, garbage_share=garbage, ink_covered=covered,
                   reason=f"born-digital text layer: {count} characters"
                          + (f", covering {covered:.0%} of the ink" if covered is not None else ""))


def decision_step(decision: PdfPage, seconds: float) -> ProcessingStep:
    """The decision as a processing step, so TEI appInfo and ALTO Processing say how the page was read."""
    return ProcessingStep(stage="ingest", software="pdfplumber", version=pdfplumber.__version__, seconds=seconds,
                          settings={"pdf_mode": decision.mode, "pdf_reason": decision.reason, "dpi": decision.dpi,
                                    "scan_pixels": decision.scan_pixels,
                                    "characters": decision.characters, "garbage_share": decision.garbage_share,
                                    "ink_covered": decision.ink_covered})
