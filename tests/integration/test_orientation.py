"""Turned pages are put upright, and pages with nothing to read are flagged, not crashed on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.config import OrientationConfig, Settings
from broadsheet.engines import ocr_engine
from broadsheet.ingest.files import ingest_file
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import PageStatus
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.base import to_working
from broadsheet.stages.orientation import Orientation, turned
from broadsheet.stages.preprocess import Preprocess, rotate_page
from broadsheet.stages.working_images import WorkingImages

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("method", ["model", "ocr-sample"])
# A CJK page turned clockwise (270) reads, as it stands, exactly as vertical CJK does: PP-OCR turns each tall
# line crop upright, and the vertical-rl order (the rightmost column first, each from its top) is its lines'
# order. It is read so (writing_mode vertical-rl, no turn), and the stages after orientation see it turned a
# quarter, which puts it upright (broadsheet/stages/ocr.py).
@pytest.mark.parametrize(("degrees", "turns"), [(0, 0), (90, 3), (180, 2), (270, 0)])
def test_turned_pages_are_put_upright(small_page: Path, tmp_path: Path, degrees: int, turns: int, method: str) -> None:
    path = tmp_path / f"turned{degrees}.png"
    Image.open(small_page).rotate(degrees, expand=True).save(path)
    [page] = ingest_file(path)
    images = WorkingImages(tmp_path / "work")
    preprocessed = Preprocess(Settings().preprocess, images)(page)
    as_preprocessed = images.read(preprocessed)
    page = Orientation(ocr_engine(Settings().ocr.engine), images,
                       OrientationConfig(method=method))(preprocessed)  # type: ignore[arg-type]
    assert page.steps[-1].settings["quarter_turns"] == turns
    read_vertically = degrees == 270
    assert (page.writing_mode == "vertical-rl") == read_vertically
    # The model settles an upright page alone; every other verdict is checked by reading.
    assert page.steps[-1].settings["decided_by"] == (
        "model" if method == "model" and not turns and not read_vertically else "ocr-sample")
    assert ("rotated-page" in [f.code for f in page.flags]) == bool(turns)
    upright = images.read(page)
    # Read vertically, the page is seen turned a quarter too, its columns (the page's lines) lying across.
    assert upright.shape[0] > upright.shape[1], "an upright A-series page is taller than wide"
    assert (images.read(preprocessed) == as_preprocessed).all(), "the turn is a version of its own, never in place"


def test_turn_keeps_source_coordinates_exact() -> None:
    _, transform = rotate_page(np.full((300, 200), 255, dtype=np.uint8), 0.7)
    box = Polygon.from_box(12, 30, 80, 44)
    for turns in range(4):
        moved = turned(transform, turns)
        there = box.transform(moved.to_working)
        back = there.transform(moved.to_source)
        assert np.allclose(back.points, box.points, atol=1e-6)
        x0, y0, x1, y1 = there.bounds
        assert x0 >= 0 and x1 <= moved.working_width and y0 >= 0 and y1 <= moved.working_height


def _page_like(tmp_path: Path, name: str, pixels: np.ndarray) -> Path:
    path = tmp_path / name
    Image.fromarray(pixels).save(path)
    return path


def test_blank_black_and_photo_pages_are_flagged(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:1400, 0:1000]
    photo = (127 + 60 * np.sin(xx / 90) * np.cos(yy / 70) + rng.normal(0, 12, xx.shape)).clip(0, 255)
    inputs = {
        "blank.png": np.full((1400, 1000), 250, dtype=np.uint8),
        "black.png": np.full((1400, 1000), 8, dtype=np.uint8),
        "photo.png": photo.astype(np.uint8),
    }
    settings = Settings()
    stages = build_stages(settings, WorkingImages(tmp_path / "work"))
    codes = {}
    for name, pixels in inputs.items():
        [page] = ingest_file(_page_like(tmp_path, name, pixels))
        page = process_page(page, stages, settings)
        assert page.status == PageStatus.flagged, f"{name}: {page.flags}"
        codes[name] = {f.code for f in page.flags}
    assert "blank-page" in codes["blank.png"]
    assert "dark-page" in codes["black.png"]
    assert "no-text" in codes["photo.png"] or any("picture" in c for c in codes["photo.png"])


def test_working_coordinates_follow_the_turn(small_page: Path, tmp_path: Path) -> None:
    path = tmp_path / "turned.png"
    Image.open(small_page).rotate(180, expand=True).save(path)
    [page] = ingest_file(path)
    images = WorkingImages(tmp_path / "work")
    page = Orientation(ocr_engine(Settings().ocr.engine), images)(Preprocess(Settings().preprocess, images)(page))
    corner = to_working(page, Polygon.from_box(0, 0, 10, 10))
    assert corner.bounds[0] > page.transform.working_width - 60, "the source's top-left is now bottom-right"
