"""Existing OCR as input: plain text, ALTO and hOCR become pages for the structure and repair stages.

Archives hold decades of OCR that needs repair, not a re-scan. `read_existing` turns one such file
(an `ExistingPage`: the OCR file, and what else is known of its page: the image paired with it, the file a
METS names, the METS/MIX resolution, the printed page number and the issue) into a page, or a failed page
with a clear reason, never an exception; `existing_stages` are the stages that still make sense without
pixels; `digitise_existing` runs them and writes TEI, ALTO and the manifest through the same output path
as a scan.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image, UnidentifiedImageError

from pipeline import __version__
from pipeline.config import ExistingOcrConfig, Settings
from pipeline.engines import layout_engine, ocr_engine
from pipeline.model import IssueMetadata, Page, PageStatus, ProcessingStep, RegionType
from pipeline.names import IMAGE_SUFFIXES
from pipeline.output import ManifestArticle, ManifestIssue, ManifestPage, write_manifest, write_page
from pipeline.process import finalise, run_stage
from pipeline.serialise.alto import AltoError, ResolutionHints, read_alto
from pipeline.serialise.xmlsafe import UnsafeXMLError
from pipeline.stages.articles import Articles
from pipeline.stages.base import Stage, recorded_step
from pipeline.stages.ingest import failed_page, ingest_file, page_id
from pipeline.stages.preprocess import Preprocess
from pipeline.stages.reading_order import ReadingOrder
from pipeline.stages.repair import PLAIN_TEXT_ENGINE, RepairStage
from pipeline.stages.typing import NewspaperTypes

from .abbyy import AbbyyError, read_abbyy
from .hocr import HocrError, read_hocr
from .iarchives import read_iarchives
from .page_xml import PageXmlError, read_page_xml
from .paired import LayoutEvidence, ReadAgain
from .plain_text import TextEncodingError, read_text_file

TEXT_SUFFIXES = (".txt",)
ALTO_SUFFIXES = (".xml",)
"""ALTO, and the other OCR XML told apart by their root element: PAGE, ABBYY FineReader, iArchives."""
HOCR_SUFFIXES = (".hocr", ".html", ".htm", ".xhtml")
EXISTING_SUFFIXES = TEXT_SUFFIXES + ALTO_SUFFIXES + HOCR_SUFFIXES
_UNTYPED = frozenset({RegionType.body, RegionType.figure, RegionType.separator})


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
        page = read_iarchives(spec.ocr, spec.image)
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


class StatedOrder:
    """Carries the reading order a source states across the typing stage, which may split and join its blocks:
    each block after typing takes the earliest stated place of its lines, matched by their polygons (which typing
    keeps); blocks holding none of them follow in the order typing left them."""

    name = "stated-order"

    def __init__(self, source: Page) -> None:
        ranks = {region_id: n for n, region_id in enumerate(source.reading_order)}
        self.place = {line.polygon: (ranks[region.id], k) for region in source.regions if region.id in ranks
                      for k, line in enumerate(region.lines)}

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, "broadsheet", __version__, {}):
            unplaced = (len(self.place), 0)
            places = {region.id: min((self.place.get(line.polygon, unplaced) for line in region.lines),
                                     default=unplaced) for region in page.regions}
            page.reading_order = sorted(places, key=lambda region_id: places[region_id])
        return page


def existing_stages(page: Page, settings: Settings) -> list[Stage]:
    """Plain text comes structured by its reader; ALTO and hOCR get typing (if untyped), order and articles."""
    repair = RepairStage(settings.repair)
    if any(line.engine == PLAIN_TEXT_ENGINE for region in page.regions for line in region.lines):
        return [repair]
    typed = any(region.type not in _UNTYPED for region in page.regions)
    # A reading order the source states (PAGE, ALTO ReadingOrder) is kept, not worked out again; blocks it leaves
    # out follow it in the order the source lists them.
    kept = bool(page.reading_order)
    typing: list[Stage] = [] if typed else [NewspaperTypes(settings.typing), *([StatedOrder(page)] if kept else [])]
    return [*typing, *([] if kept else [ReadingOrder()]), Articles(settings.articles, stated_order=kept), repair]


def with_image(page: Page, image: Path, settings: Settings, work_dir: Path) -> Page:
    """Existing OCR on its page image: preprocessed as a scan (working image, deskew), rules and pictures added
    from the pixels, and poorly read lines read again where `ExistingOcrConfig.reocr_below` asks; text otherwise
    kept. The page's source becomes the image (what the TEI and the review app show); the OCR file is recorded."""
    scan = ingest_file(image, settings.ingest)[0]
    if scan.status == PageStatus.failed:
        return page.model_copy(update={"status": PageStatus.failed, "flags": [*page.flags, *scan.flags]})
    ocr_file = page.source
    page = page.model_copy(update={"source": scan.source, "sha256": scan.sha256, "frame": scan.frame, "image": None,
                                   "width": scan.width, "height": scan.height, "dpi": page.dpi or scan.dpi})
    page.steps.append(ProcessingStep(stage="existing-ocr", software="broadsheet", version=__version__,
                                     settings={"ocr_file": ocr_file, "resolution_from": page.resolution_from}))
    stages: list[Stage] = [Preprocess(settings.preprocess, work_dir),
                           LayoutEvidence(layout_engine(settings.layout), settings.ocr.figure_text_share)]
    if settings.existing.reocr_below is not None:
        stages.append(ReadAgain(ocr_engine(settings.ocr.engine), settings.existing.reocr_below))
    for stage in stages:
        page = run_stage(stage, page)
    return page


def process_existing(source: Path | ExistingPage, settings: Settings, work_dir: Path | None = None) -> Page:
    """One page of existing OCR through the stages after OCR; with its image at hand and a `work_dir` for the
    working image, the image gives the layout evidence first (`with_image`)."""
    spec = source if isinstance(source, ExistingPage) else ExistingPage(ocr=source, image=paired_image(source))
    page = read_existing(spec, settings.existing)
    image = spec.image if spec.image and spec.image.is_file() else None
    plain = any(line.engine == PLAIN_TEXT_ENGINE for region in page.regions for line in region.lines)
    if image and work_dir is not None and page.status != PageStatus.failed and page.unit == "pixel" and not plain:
        page = with_image(page, image, settings, work_dir)
    for stage in existing_stages(page, settings) if page.status != PageStatus.failed else []:
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)


def digitise_existing(sources: Sequence[Path | ExistingPage], out_dir: Path, settings: Settings,
                      issue: ManifestIssue | None = None) -> tuple[list[ManifestPage], int]:
    """Repair and re-serialise existing OCR files into OUT; returns the manifest pages and article count."""
    started = time.perf_counter()
    entries: list[ManifestPage] = []
    articles: list[ManifestArticle] = []
    stage_seconds: dict[str, float] = defaultdict(float)
    work_dir = out_dir / ".work"
    for source in sources:
        processed = process_existing(source, settings, work_dir)
        if processed.working_image:  # the working image is only needed while the stages run
            Path(processed.working_image).unlink(missing_ok=True)
            processed = processed.model_copy(update={"working_image": None})
        page, entry, page_articles = write_page(processed, out_dir, validate=settings.output.validate_tei,
                                                cert_below=settings.qa.tei_cert_below)
        for step in page.steps:
            stage_seconds[step.stage] += step.seconds
        entries.append(entry)
        articles.extend(page_articles)
    total = time.perf_counter() - started
    timings: dict[str, float | int | dict[str, float]] = {
        "total_seconds": round(total, 3), "pages": len(entries),
        "seconds_per_page": round(total / len(entries), 3) if entries else 0.0,
        "stages": {name: round(seconds, 3) for name, seconds in stage_seconds.items()},
    }
    write_manifest(out_dir, entries, articles, timings, issue=issue)
    return entries, len(articles)


__all__ = ["EXISTING_SUFFIXES", "ExistingPage", "StatedOrder", "digitise_existing", "existing_stages",
           "is_existing_ocr", "paired_image", "process_existing", "read_existing", "with_image"]
