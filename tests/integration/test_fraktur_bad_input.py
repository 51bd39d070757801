"""Fraktur pages that go wrong: a read that times out, a page scanned at 150 dpi, a page with bleed-through.

None may crash or stall the run: a timed-out read is retried smaller, then left to the other engine and flagged;
the poor scans are read, slower or worse, but read.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.config import OcrConfig, ScriptRoutingConfig, Settings, TesseractConfig
from broadsheet.engines import ocr_engine
from broadsheet.engines.base import EngineTimeoutError
from broadsheet.engines.routing import ScriptRouter
from broadsheet.engines.tesseract import TesseractEngine
from broadsheet.model.page import Page, PageStatus
from broadsheet.stages.ocr import Ocr, read_tiles
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import cer
from tests.shared_data import needs_shared, shared_path

KANT = shared_path("real", "kant_aufklaerung_1784", "data")
needs_kant = needs_shared(KANT)
NO_TIME = 0.001
"""A timeout no Tesseract read can meet: a real setting, not a mock."""


def _gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("L"))


def _paragraph() -> np.ndarray:
    """Kant page 17's second paragraph, about ten lines."""
    return np.pad(_gray(KANT / "OCR-D-IMG" / "INPUT_0017.tif")[1044:1600, 100:935], 16, constant_values=255)


@needs_kant
def test_a_read_past_the_timeout_is_retried_smaller_then_raises() -> None:
    engine = TesseractEngine(TesseractConfig(languages="Fraktur", timeout_s=NO_TIME)).at_resolution(300)
    started = time.perf_counter()
    with pytest.raises(EngineTimeoutError, match=r"again downscaled to 0\.5"):
        engine.read(_paragraph())
    assert time.perf_counter() - started < 10  # both tries stopped, neither left running


@needs_kant
def test_the_smaller_retry_reads_the_same_lines_in_the_full_images_pixels() -> None:
    engine = TesseractEngine(TesseractConfig(languages="Fraktur", processes=1)).at_resolution(300)
    image = _paragraph()
    full, half = engine._read(image, 1.0), engine._read(image, 0.5)
    assert abs(len(full) - len(half)) <= 1 and len(full) >= 8
    for line, smaller in zip(sorted(full, key=lambda ln: ln.quad[0][1]), sorted(half, key=lambda ln: ln.quad[0][1]),
                             strict=False):
        assert abs(line.quad[0][1] - smaller.quad[0][1]) < 12 and abs(line.quad[2][0] - smaller.quad[2][0]) < 40
    assert cer("".join(ln.text for ln in half), "".join(ln.text for ln in full)) < 0.25


@needs_kant
def test_a_tile_tesseract_times_out_on_twice_is_read_by_the_other_engine_and_flagged(tmp_path: Path) -> None:
    router = ocr_engine(ScriptRoutingConfig(blackletter=TesseractConfig(languages="Fraktur", timeout_s=NO_TIME)))
    assert isinstance(router, ScriptRouter) and router.blackletter is not None
    stage = Ocr(router, OcrConfig(), WorkingImages(tmp_path))
    timeouts: list[str] = []
    image = _paragraph()
    lines = read_tiles(router.blackletter, image, *image.shape[1::-1], 400,
                       stage._read_instead(router.default, 300, timeouts))
    assert len(timeouts) == 1 and "read by rapidocr" in timeouts[0]
    assert len(lines) >= 8 and sum(len(line.text) for line in lines) > 300  # rapidocr's text, not lost


@needs_kant
@pytest.mark.slow
def test_a_page_whose_fraktur_check_times_out_is_read_by_the_default_engine_and_flagged(tmp_path: Path) -> None:
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import build_stages, process_page

    path = tmp_path / "kant_paragraph.png"
    Image.fromarray(_paragraph()).save(path, dpi=(300, 300))
    settings = Settings(ocr=OcrConfig(engine=ScriptRoutingConfig(
        blackletter=TesseractConfig(languages="Fraktur+frk", heavy_noise_removal=True, timeout_s=NO_TIME))))
    [page] = ingest_file(path)
    page = process_page(page, build_stages(settings, WorkingImages(tmp_path / "work")), settings)
    assert page.status == PageStatus.flagged
    assert any(f.code == "ocr-timeout" and "script check" in f.reason for f in page.flags)
    lines = [line for region in page.regions for line in region.lines]
    assert len(lines) >= 8 and {line.engine for line in lines} == {"rapidocr"}


@needs_kant
@pytest.mark.slow
def test_a_page_read_whole_unpadded_keeps_the_engines_blocks_where_the_padded_reading_has_them(
        tmp_path: Path) -> None:
    from broadsheet.stages.ocr import ENGINE_ORDER

    tops = []
    for pad in (True, False):
        blackletter = TesseractConfig(languages="Fraktur+frk", heavy_noise_removal=True, pad_whole_page=pad)
        page, _ = _processed(tmp_path / str(pad), _paragraph(), 300,
                             Settings(ocr=OcrConfig(engine=ScriptRoutingConfig(blackletter=blackletter))))
        assert next(s for s in page.steps if s.stage == "ocr").settings["reading_order"] == ENGINE_ORDER
        tops.append(sorted(line.polygon.bounds[1] for region in page.regions for line in region.lines))
    padded, unpadded = tops
    assert len(unpadded) >= 8 and abs(len(padded) - len(unpadded)) <= 1
    assert all(abs(a - b) < 8 for a, b in zip(padded, unpadded, strict=False))  # same page pixels, no shift


def _processed(tmp_path: Path, image: np.ndarray, dpi: int, settings: Settings | None = None) -> tuple[Page, float]:
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import build_stages, process_page

    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "page.png"
    Image.fromarray(image).save(path, dpi=(dpi, dpi))
    settings = settings or Settings()
    [page] = ingest_file(path)
    started = time.perf_counter()
    page = process_page(page, build_stages(settings, WorkingImages(tmp_path / "work")), settings)
    return page, time.perf_counter() - started


def _read_text(page: Page) -> str:
    from benchmarks.engines import normalise

    return normalise("".join(page.region(rid).text for rid in page.reading_order), False)


def _truth_text() -> str:
    from benchmarks.engines import normalise, read_page_xml

    regions = read_page_xml(KANT / "OCR-D-GT-PAGE" / "PAGE_0017_PAGE.xml")
    return normalise("".join(r.text for r in regions), False)


@needs_kant
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_fraktur_page_scanned_at_150_dpi_is_read_as_fraktur(tmp_path: Path) -> None:
    """Half the resolution: x-height about 8 px, a third of what the LSTM models were trained on. Read worse, but
    read, by the Fraktur engine, in bounded time."""
    image = _gray(KANT / "OCR-D-IMG" / "INPUT_0017.tif")
    small = np.array(Image.fromarray(image).resize((image.shape[1] // 2, image.shape[0] // 2), Image.LANCZOS))
    page, seconds = _processed(tmp_path, small, 150)
    assert page.status != PageStatus.failed
    step = next(s for s in page.steps if s.stage == "ocr")
    assert step.settings["script"] == "fraktur" and step.settings["dpi"] == 150
    assert cer(_read_text(page), _truth_text()) < 0.35
    assert seconds < 300


@needs_kant
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_fraktur_page_with_bleed_through_is_read_without_the_backs_text(tmp_path: Path) -> None:
    """Page 20 mirrored shows through page 17 at a third of its ink's darkness, as from the back of thin paper."""
    front = _gray(KANT / "OCR-D-IMG" / "INPUT_0017.tif").astype(np.float32)
    back = _gray(KANT / "OCR-D-IMG" / "INPUT_0020.tif")[:, ::-1].astype(np.float32)
    height, width = min(front.shape[0], back.shape[0]), min(front.shape[1], back.shape[1])
    front, back = front[:height, :width], back[:height, :width]
    shown = 255 - (255 - back) / 3
    page, seconds = _processed(tmp_path, np.minimum(front, shown).astype(np.uint8), 300)
    assert page.status != PageStatus.failed
    assert next(s for s in page.steps if s.stage == "ocr").settings["script"] == "fraktur"
    assert cer(_read_text(page), _truth_text()) < 0.15
    assert seconds < 300
