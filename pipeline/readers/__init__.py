"""Existing OCR as input: plain text, ALTO and hOCR become pages for the structure and repair stages.

Archives hold decades of OCR that needs repair, not a re-scan. `read_existing` turns one such file
into a page (or a failed page with a clear reason, never an exception); `existing_stages` are the
stages that still make sense without pixels; `process_existing` runs them and writes TEI, ALTO and
the manifest through the same output path as a scan.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from pipeline.config import Settings
from pipeline.model import Page, RegionType
from pipeline.output import ManifestArticle, ManifestPage, write_manifest, write_page
from pipeline.process import finalise, run_stage
from pipeline.serialise.alto import AltoError, read_alto
from pipeline.serialise.xmlsafe import UnsafeXMLError
from pipeline.stages.articles import Articles
from pipeline.stages.base import Stage
from pipeline.stages.ingest import failed_page, page_id
from pipeline.stages.reading_order import ReadingOrder
from pipeline.stages.repair import PLAIN_TEXT_ENGINE, RepairStage
from pipeline.stages.typing import NewspaperTypes

from .hocr import HocrError, read_hocr
from .plain_text import TextEncodingError, read_text_file

TEXT_SUFFIXES = (".txt",)
ALTO_SUFFIXES = (".xml",)
HOCR_SUFFIXES = (".hocr", ".html", ".htm", ".xhtml")
EXISTING_SUFFIXES = TEXT_SUFFIXES + ALTO_SUFFIXES + HOCR_SUFFIXES
_UNTYPED = frozenset({RegionType.body, RegionType.figure, RegionType.separator})


def is_existing_ocr(path: Path) -> bool:
    return path.suffix.lower() in EXISTING_SUFFIXES


def read_existing(source: Path) -> Page:
    """One page from an OCR file; unreadable, empty, unsafe or inconsistent input gives a failed page."""
    suffix = source.suffix.lower()
    try:
        if source.stat().st_size == 0:
            return failed_page(source, f"{source.name} is empty", code="empty-file")
        if suffix in TEXT_SUFFIXES:
            return read_text_file(source)
        if suffix in HOCR_SUFFIXES:
            return read_hocr(source)
        page = read_alto(source.read_bytes())
        sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
        # ALTO ids need not be unique across files ("page" is common); ours are built from the file.
        return page.model_copy(update={"id": page_id(source, sha256, page.frame), "source": page.source or str(source),
                                       "sha256": page.sha256 or sha256})
    except FileNotFoundError:
        return failed_page(source, f"{source} does not exist", code="missing-file")
    except UnsafeXMLError as exc:
        return failed_page(source, f"{source.name}: {exc}", code="unsafe-xml")
    except etree.XMLSyntaxError as exc:
        return failed_page(source, f"{source.name} is not well-formed XML: {exc}", code="bad-xml")
    except (AltoError, HocrError, TextEncodingError, ValueError) as exc:
        return failed_page(source, f"{source.name}: {exc}", code="bad-ocr-input")


def existing_stages(page: Page, settings: Settings) -> list[Stage]:
    """Plain text comes structured by its reader; ALTO and hOCR get typing (if untyped), order and articles."""
    repair = RepairStage(settings.repair)
    if any(line.engine == PLAIN_TEXT_ENGINE for region in page.regions for line in region.lines):
        return [repair]
    typed = any(region.type not in _UNTYPED for region in page.regions)
    structure: list[Stage] = [ReadingOrder(), Articles(settings.articles)]
    return [*([] if typed else [NewspaperTypes(settings.typing)]), *structure, repair]


def process_existing(source: Path, settings: Settings) -> Page:
    page = read_existing(source)
    for stage in existing_stages(page, settings):
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)


def digitise_existing(sources: Sequence[Path], out_dir: Path, settings: Settings) -> tuple[list[ManifestPage], int]:
    """Repair and re-serialise existing OCR files into OUT; returns the manifest pages and article count."""
    started = time.perf_counter()
    entries: list[ManifestPage] = []
    articles: list[ManifestArticle] = []
    stage_seconds: dict[str, float] = defaultdict(float)
    for source in sources:
        page, entry, page_articles = write_page(process_existing(source, settings), out_dir,
                                                validate=settings.output.validate_tei,
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
    write_manifest(out_dir, entries, articles, timings)
    return entries, len(articles)


__all__ = ["EXISTING_SUFFIXES", "digitise_existing", "existing_stages", "is_existing_ocr", "process_existing",
           "read_existing"]
