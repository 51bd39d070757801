"""Existing OCR as input: plain text, ALTO and hOCR become pages for the structure and repair stages.

Archives hold decades of OCR that needs repair, not a re-scan. `read_existing` turns one such file
(an `ExistingPage`: the OCR file, and what else is known of its page: the image paired with it, the file a
METS names, the METS/MIX resolution, the printed page number and the issue) into a page, or a failed page
with a clear reason, never an exception. `run.existing` runs the stages that still make sense on it and writes
TEI, ALTO and the manifest through the same output path as a scan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image, UnidentifiedImageError

from broadsheet.config import ExistingOcrConfig
from broadsheet.ingest.files import failed_page, page_id
from broadsheet.ingest.names import IMAGE_SUFFIXES
from broadsheet.ingest.readers.alto import AltoError, ResolutionHints, read_alto
from broadsheet.model.page import IssueMetadata, Page
from broadsheet.text.xmlsafe import UnsafeXMLError

from .abbyy import AbbyyError, read_abbyy
from .hocr import HocrError, read_hocr
from .iarchives import REBUILT_BLOCK, read_iarchives
from .page_xml import PageXmlError, read_page_xml
from .plain_text import TextEncodingError, read_text_file

TEXT_SUFFIXES = (".txt",)
ALTO_SUFFIXES = (".xml",)
"""ALTO, and the other OCR XML told apart by their root element: PAGE, ABBYY FineReader, iArchives."""
HOCR_SUFFIXES = (".hocr", ".html", ".htm", ".xhtml")
EXISTING_SUFFIXES = TEXT_SUFFIXES + ALTO_SUFFIXES + HOCR_SUFFIXES


def is_existing_ocr(path: Path) -> bool:
    return path.suffix.lower() in EXISTING_SUFFIXES


@dataclass(frozen=True)
class ExistingPage:
    """One page of existing OCR, and what else is known about it."""

    ocr: Path
    image: Path | None = None
    """The page image, where it is at hand: its pixel size places physical ALTO units on it."""
    image_name: str | None = None
    """The image file a METS names for the page, which may be absent (the OCR carries the geometry)."""
    mets_dpi: float | None = None
    page_number: int | None = None
    issue: IssueMetadata | None = None
    named_by: str | None = None
    """The file that names this OCR file (an issue's METS), for the reason when the OCR file is missing."""


def paired_image(ocr: Path) -> Path | None:
    """The image beside an OCR file with the same stem (0480.xml and 0480.jp2), where there is one."""
    candidates = sorted(p for p in ocr.parent.glob(f"{ocr.stem}.*") if p.suffix.lower() in IMAGE_SUFFIXES)
    return candidates[0] if candidates else None


def _image_size(image: Path) -> tuple[int, int]:
    with Image.open(image) as opened:  # the header only: no pixels are decoded
        return opened.size


def _read_alto_page(spec: ExistingPage, config: ExistingOcrConfig) -> Page:
    image = spec.image if spec.image and spec.image.is_file() else None
    hints = ResolutionHints(image_size=_image_size(image) if image else None, mets_dpi=spec.mets_dpi,
                            option_dpi=config.dpi, tolerance=config.page_image_tolerance)
    raw = spec.ocr.read_bytes()
    page = read_alto(raw, hints)
    sha256 = hashlib.sha256(raw).hexdigest()
    # The image the coordinates refer to: the one at hand, else the one the METS names, else the ALTO's own
    # fileName (relative to the ALTO); the TEI facsimile points there even when the file is absent.
    named = image or next((spec.ocr.parent / name for name in (spec.image_name, page.source) if name), None)
    # ALTO ids need not be unique across files ("page" is common); ours are built from the file.
    return page.model_copy(update={"id": page_id(spec.ocr, sha256, page.frame), "source": str(spec.ocr),
                                   "sha256": page.sha256 or sha256, "image": str(named) if named else None})


def _read_xml_page(spec: ExistingPage, config: ExistingOcrConfig) -> Page:
    """An OCR XML file by what its root element says it is: PAGE, ABBYY FineReader, iArchives, else ALTO."""
    with spec.ocr.open("rb") as file:
        head = file.read(4096)
    if b"<PcGts" in head or b":PcGts" in head:
        page = read_page_xml(spec.ocr)
    elif b"abbyy.com/FineReader" in head:
        page = read_abbyy(spec.ocr)
    elif b"iarchives.com/schema" in head:
        page = read_iarchives(spec.ocr, spec.image, config)
    else:
        return _read_alto_page(spec, config)
    image = spec.image if spec.image and spec.image.is_file() else None
    if image:
        width, height = _image_size(image)
        if page.width > width * (1 + config.page_image_tolerance) or \
                page.height > height * (1 + config.page_image_tolerance):
            raise AltoError(f"the OCR's page ({page.width}x{page.height} pixels) is larger than its image "
                            f"({width}x{height}): the OCR was not made on this image")
    return page.model_copy(update={"image": str(image) if image else page.image})


def read_existing(source: Path | ExistingPage, config: ExistingOcrConfig | None = None) -> Page:
    """One page from an OCR file; unreadable, empty, oversized, unsafe or inconsistent input gives a failed page."""
    spec = source if isinstance(source, ExistingPage) else ExistingPage(ocr=source, image=paired_image(source))
    config = config or ExistingOcrConfig()
    source = spec.ocr
    suffix = source.suffix.lower()
    try:
        size = source.stat().st_size
        if size == 0:
            return failed_page(source, f"{source.name} is empty", code="empty-file")
        if size > config.max_bytes:
            limit = f"{config.max_bytes / 1e6:.0f} MB, ExistingOcrConfig.max_bytes"
            return failed_page(source, f"{source.name} is {size / 1e6:.0f} MB, over the limit for an OCR file "
                                       f"({limit}); refused unread", code="ocr-too-large")
        if suffix in TEXT_SUFFIXES:
            page = read_text_file(source)
        elif suffix in HOCR_SUFFIXES:
            page = read_hocr(source)
        else:
            page = _read_xml_page(spec, config)
        return page.model_copy(update={"page_number": spec.page_number or page.page_number,
                                       "issue": spec.issue or page.issue})
    except FileNotFoundError:
        named = f"{spec.named_by} names {source.name}, which" if spec.named_by else f"{source}"
        return failed_page(source, f"{named} does not exist", code="missing-file")
    except (UnidentifiedImageError, OSError) as exc:
        return failed_page(source, f"{source.name}: its image {spec.image} cannot be read: {exc}", code="bad-image")
    except UnsafeXMLError as exc:
        return failed_page(source, f"{source.name}: {exc}", code="unsafe-xml")
    except etree.XMLSyntaxError as exc:
        return failed_page(source, f"{source.name} is not well-formed XML: {exc}", code="bad-xml")
    except (AltoError, HocrError, PageXmlError, AbbyyError, TextEncodingError, ValueError) as exc:
        return failed_page(source, f"{source.name}: {exc}", code="bad-ocr-input")


__all__ = ["EXISTING_SUFFIXES", "REBUILT_BLOCK", "ExistingPage", "is_existing_ocr", "paired_image", "read_existing"]
