"""Pages read up to OCR once, kept on disk: the loop for work on typing, reading order, articles and repair.

OCR is nearly all of a page's time; the stages after it need only the page model (lines and their
boxes), not the image. `read_cached` runs ingest → preprocess → orientation → layout → OCR and
stores the page model as JSON, keyed by the file's bytes, the frame and the settings those stages
read. The key does not cover their code: after changing a stage before OCR, pass `refresh=True`
(or delete the cache folder). The working images are kept beside the models, in the cache folder as a
`WorkingImages` store (`cached_images`): typing measures stroke weight on them. `finish` then runs the later
stages as `broadsheet.run.page` does.
"""

from __future__ import annotations

import hashlib
import json
import os
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
from broadsheet.stages.repair import repair_stages
from broadsheet.stages.typing import NewspaperTypes
from broadsheet.stages.working_images import WorkingImages

CACHE_FORMAT = "post-ocr-1"
ANY_SETTINGS = "BROADSHEET_STAGE_CACHE_ANY"
"""Set (to anything) to take a page's cached reading whatever settings made it: replays after a settings change
that does not touch OCR's output (a new option with its default)."""


def _key(sha256: str, frame: int, settings: Settings) -> str:
    read = settings.model_dump(mode="json", include={"ingest", "preprocess", "layout", "ocr"})
    payload = json.dumps({"format": CACHE_FORMAT, "sha256": sha256, "frame": frame, "settings": read}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def reading_stages(settings: Settings, images: WorkingImages) -> list[Stage]:
    engine = ocr_engine(settings.ocr.engine)
    return [Preprocess(settings.preprocess, images), Orientation(engine, images),
            Layout(layout_engine(settings.layout), settings.layout, images), Ocr(engine, settings.ocr, images)]


def later_stages(settings: Settings, images: WorkingImages) -> list[Stage]:
    return [NewspaperTypes(settings.typing, images), ReadingOrder(settings.reading_order), Articles(settings.articles),
            *repair_stages(settings.repair, settings.articles.indent)]


def cached_images(cache_dir: Path) -> WorkingImages:
    """The working images of the pages read into `cache_dir`, each the version its cached page's transform names."""
    return WorkingImages(cache_dir)


def read_cached(source: Path, cache_dir: Path, settings: Settings | None = None, refresh: bool = False) -> list[Page]:
    """Every page of a file, read up to and including OCR; from the cache when it holds them."""
    settings = settings or Settings()
    cache_dir.mkdir(parents=True, exist_ok=True)
    pages = ingest_file(Path(source), settings.ingest)
    read: list[Page] = []
    images = cached_images(cache_dir)
    stages: list[Stage] = []  # built on the first miss: a run from the cache loads no model
    for page in pages:
        path = cache_dir / f"{page.id}-{_key(page.sha256, page.frame, settings)}.json"
        if not path.exists() and os.environ.get(ANY_SETTINGS):
            path = next(iter(sorted(cache_dir.glob(f"{page.id}-*.json"))), path)
        if page.status != PageStatus.failed and path.exists() and not refresh:
            cached = Page.model_validate_json(path.read_bytes())
            legacy = path.with_suffix(".png")  # where a cache written before the store kept the page's image
            if not images.path(cached).is_file() and legacy.is_file():
                images.path(cached).parent.mkdir(parents=True, exist_ok=True)
                os.replace(legacy, images.path(cached))
            if not images.path(cached).is_file():
                # A model cached without its working image gets it back from preprocessing, where that gives the
                # same transform (no page turn by the orientation stage): typing measures stroke weight on it.
                run_stage(Preprocess(settings.preprocess, images), page)
            read.append(cached)
            continue
        stages = stages or reading_stages(settings, images)
        for stage in stages:
            page = run_stage(stage, page)
        if page.status != PageStatus.failed:
            path.write_text(page.model_dump_json(), encoding="utf-8")
        read.append(page)
    return read


def finish(page: Page, images: WorkingImages, settings: Settings | None = None) -> Page:
    """The stages after OCR (typing, reading order, articles, repair) and QA, as a full run does them; `images`
    holds the page's working image (`cached_images` of the cache folder it was read into)."""
    settings = settings or Settings()
    for stage in later_stages(settings, images):
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)
