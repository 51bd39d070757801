"""Pages read up to OCR once, kept on disk: the loop for work on typing, reading order, articles and repair.

OCR is nearly all of a page's time; the stages after it need only the page model (lines and their
boxes), not the image. `read_cached` runs ingest → preprocess → orientation → layout → OCR and
stores the page model as JSON, keyed by the file's bytes, the frame and the settings those stages
read. The key does not cover their code: after changing a stage before OCR, pass `refresh=True`
(or delete the cache folder). The working image is kept beside each model (typing measures stroke weight
on it). `finish` then runs the later stages as `broadsheet.run.page` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from broadsheet.config import Settings
from broadsheet.engines import layout_engine, ocr_engine
from broadsheet.ingest.files import ingest_file
from broadsheet.model.page import Page, PageStatus
from broadsheet.run.page import finalise, run_stage
from broadsheet.stages.articles import Articles
from broadsheet.stages.base import Stage
from broadsheet.stages.layout import Layout
from broadsheet.stages.ocr import Ocr
from broadsheet.stages.orientation import Orientation
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.reading_order import ReadingOrder
from broadsheet.stages.repair import RepairStage
from broadsheet.stages.typing import NewspaperTypes

CACHE_FORMAT = "post-ocr-1"
ANY_SETTINGS = "BROADSHEET_STAGE_CACHE_ANY"
"""Set (to anything) to take a page's cached reading whatever settings made it: replays after a settings change
that does not touch OCR's output (a new option with its default)."""


def _key(sha256: str, frame: int, settings: Settings) -> str:
    read = settings.model_dump(mode="json", include={"ingest", "preprocess", "layout", "ocr"})
    payload = json.dumps({"format": CACHE_FORMAT, "sha256": sha256, "frame": frame, "settings": read}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def reading_stages(settings: Settings, work_dir: Path) -> list[Stage]:
    return [Preprocess(settings.preprocess, work_dir), Orientation(ocr_engine(settings.ocr.engine)),
            Layout(layout_engine(settings.layout), settings.layout), Ocr(ocr_engine(settings.ocr.engine), settings.ocr)]


def later_stages(settings: Settings) -> list[Stage]:
    return [NewspaperTypes(settings.typing), ReadingOrder(), Articles(settings.articles),
            RepairStage(settings.repair, settings.articles.indent)]


def read_cached(source: Path, cache_dir: Path, settings: Settings | None = None, refresh: bool = False) -> list[Page]:
    """Every page of a file, read up to and including OCR; from the cache when it holds them."""
    settings = settings or Settings()
    cache_dir.mkdir(parents=True, exist_ok=True)
    pages = ingest_file(Path(source), settings.ingest)
    read: list[Page] = []
    with tempfile.TemporaryDirectory() as work:
        stages: list[Stage] = []  # built on the first miss: a run from the cache loads no model
        for page in pages:
            path = cache_dir / f"{page.id}-{_key(page.sha256, page.frame, settings)}.json"
            if not path.exists() and os.environ.get(ANY_SETTINGS):
                path = next(iter(sorted(cache_dir.glob(f"{page.id}-*.json"))), path)
            if page.status != PageStatus.failed and path.exists() and not refresh:
                cached = Page.model_validate_json(path.read_bytes())
                if cached.working_image is None or not Path(cached.working_image).exists():
                    cached = _with_working_image(page, cached, path.with_suffix(".png"), settings, Path(work))
                read.append(cached)
                continue
            stages = stages or reading_stages(settings, Path(work))
            for stage in stages:
                page = run_stage(stage, page)
            if page.status != PageStatus.failed:
                # The working image goes with the model: typing measures stroke weight on it.
                image = path.with_suffix(".png")
                if page.working_image and Path(page.working_image).exists():
                    shutil.copyfile(page.working_image, image)
                page = page.model_copy(update={"working_image": str(image) if image.exists() else None})
                path.write_text(page.model_dump_json(), encoding="utf-8")
            read.append(page)
    return read


def _with_working_image(ingested: Page, cached: Page, image: Path, settings: Settings, work: Path) -> Page:
    """A model cached without its working image gets it back from preprocessing, where that gives the same
    transform (no page turn by the orientation stage): typing measures stroke weight on it."""
    redone = run_stage(Preprocess(settings.preprocess, work), ingested)
    if redone.working_image is None or redone.transform != cached.transform:
        return cached
    shutil.copyfile(redone.working_image, image)
    return cached.model_copy(update={"working_image": str(image)})


def finish(page: Page, settings: Settings | None = None) -> Page:
    """The stages after OCR (typing, reading order, articles, repair) and QA, as a full run does them."""
    settings = settings or Settings()
    for stage in later_stages(settings):
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)
