"""Stages one at a time, on generated pages whose truth is known."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from broadsheet.config import OcrConfig, PreprocessConfig, RapidOcrConfig, TesseractConfig
from broadsheet.engines import ocr_engine
from broadsheet.engines.tiling import MIN_STRIP_OVERLAPS, Tile, strips, tiles, within_tile_area
from broadsheet.ingest.files import ingest_file, load_gray
from broadsheet.stages.preprocess import Preprocess, estimate_skew
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import cer
from samples.generator import generate_page
from samples.imaging import Degradation


@pytest.mark.parametrize("skew", [-1.2, 0.4, 1.5])
def test_skew_is_measured_and_undone(skew: float, tmp_path: Path) -> None:
    page = generate_page("zh", "random", seed=5, width=1240, height=1754, dpi=150,
                         degrade=Degradation(skew_degrees=skew))
    estimate = estimate_skew(np.asarray(page.image), max_degrees=5.0)
    assert estimate == pytest.approx(-skew, abs=0.1)


def test_preprocess_writes_working_image_and_transform(small_page: Path, tmp_path: Path) -> None:
    [page] = ingest_file(small_page)
    ingested = page.model_dump()
    images = WorkingImages(tmp_path / "work")
    done = Preprocess(PreprocessConfig(), images)(page)
    assert done is not page and page.model_dump() == ingested, "a stage must not change its input"
    assert images.path(done).is_file()
    skew = json.loads(small_page.with_suffix("").with_suffix(".gt.json").read_text())["degradation"]["skew_degrees"]
    assert done.transform.skew_degrees == pytest.approx(-skew, abs=0.15)
    assert done.steps[-1].stage == "preprocess"


def test_a_working_image_read_back_is_the_png_on_disk_and_a_copy_the_reader_may_draw_on(small_page: Path,
                                                                                          tmp_path: Path) -> None:
    import cv2

    [page] = ingest_file(small_page)
    images = WorkingImages(tmp_path / "work")
    done = Preprocess(PreprocessConfig(), images)(page)
    from_disk = cv2.imread(str(images.path(done)), cv2.IMREAD_GRAYSCALE)
    read = images.read(done)
    assert np.array_equal(read, from_disk)
    read[:] = 0
    assert np.array_equal(images.read(done), from_disk), "what a stage drew on is not the next stage's image"
    images.discard(done.id)
    with pytest.raises(OSError):
        images.read(done)


def test_strip_cores_partition_the_height() -> None:
    spans = strips(5000, 1600, 400)
    assert spans[0][2] == 0 and spans[-1][3] == 5000
    for (_, _, _, core_bottom), (_, _, core_top, _) in pairwise(spans):
        assert core_bottom == core_top
    for top, bottom, core_top, core_bottom in spans:
        assert top <= core_top < core_bottom <= bottom and bottom - top <= 1600


def _text_page() -> np.ndarray:
    """Three columns of 'lines' of 30 px 'characters' with 100 px gutters and 20 px leading."""
    page = np.full((3000, 6000), 255, dtype=np.uint8)
    for left in (100, 2100, 4100):
        for top in range(100, 2900, 40):
            for x in range(left, left + 1800, 36):
                page[top:top + 20, x:x + 30] = 0
    return page


def test_tiles_cut_only_through_white_and_cover_all_ink() -> None:
    page = _text_page()
    cut = tiles(page, max_width=2600, max_height=1000, overlap=400)
    covered = np.zeros(page.shape, dtype=bool)
    for tile in cut:
        assert tile.right - tile.left <= 2600 and tile.bottom - tile.top <= 1000
        assert tile.core_top == tile.top and tile.core_bottom == tile.bottom, "white space needs no overlap"
        covered[tile.top:tile.bottom, tile.left:tile.right] = True
        for edge in (tile.top, tile.bottom - 1):
            assert (page[edge, tile.left:tile.right] == 255).all(), "a tile edge crossed a line"
    assert covered[page < 128].all()


def test_a_line_across_every_gutter_is_never_cut_sideways() -> None:
    page = _text_page()
    for x in range(100, 5900, 70):  # a headline spanning all columns
        page[1500:1560, x:x + 60] = 0
    for tile in tiles(page, max_width=2600, max_height=1000, overlap=400):
        if tile.top <= 1530 < tile.bottom:
            assert tile.left <= 100 and tile.right >= 5900


def test_dense_blocks_fall_back_to_overlapping_strips() -> None:
    page = np.where(np.random.default_rng(2).random((5000, 1000)) < 0.5, 0, 255).astype(np.uint8)
    page = np.kron(page[:2500, :500], np.ones((2, 2), dtype=np.uint8))  # specks of 2 px: ink everywhere
    cut = tiles(page, max_width=2600, max_height=2000, overlap=400)
    assert len(cut) > 1
    assert cut[0].core_top == 0 and cut[-1].core_bottom == 5000
    for first, second in pairwise(cut):
        assert first.core_bottom == second.core_top and first.bottom > second.top

def test_a_strip_wider_than_a_tile_is_made_shorter_never_cut_across() -> None:
    """A dense block 6000 px wide with no gutter anywhere: each strip keeps the block's width (a line across it stays
    whole) but holds no more pixels than a tile; the cores still partition the block's height."""
    specks = np.where(np.random.default_rng(3).random((900, 3000)) < 0.5, 0, 255).astype(np.uint8)
    page = np.kron(specks, np.ones((2, 2), dtype=np.uint8))  # 6000 x 1800: fits the tile's height, not its width
    assert len(tiles(page, max_width=2600, max_height=2000, overlap=400)) == 1, "unbounded pixels: one strip"
    cut = tiles(page, max_width=2600, max_height=2000, overlap=400, max_pixels=2600 * 2000)
    assert len(cut) > 1
    assert cut[0].core_top == 0 and cut[-1].core_bottom == page.shape[0]
    for tile in cut:
        assert (tile.right - tile.left) * (tile.bottom - tile.top) <= 2600 * 2000
        assert tile.left == 0 and tile.right == page.shape[1], "the width is never cut where there is no gutter"
    assert all(tile.bottom - tile.top >= MIN_STRIP_OVERLAPS * 400 for tile in cut[:-1])
    for first, second in pairwise(cut):
        assert first.core_bottom == second.core_top and first.bottom > second.top


def test_a_strip_within_the_tile_area_is_left_as_it_is() -> None:
    strip = Tile(top=100, bottom=600, left=0, right=8000, core_top=300, core_bottom=400)
    assert within_tile_area(strip, 2600 * 2000, 400) == [strip]
    tall = Tile(top=0, bottom=2000, left=0, right=5200, core_top=200, core_bottom=1800)
    parts = within_tile_area(tall, 2600 * 2000, 400)
    assert parts[0].core_top == 200 and parts[-1].core_bottom == 1800
    assert all(a.core_bottom == b.core_top for a, b in pairwise(parts))
    assert all(t.core_top < t.core_bottom and (t.bottom - t.top) * 5200 <= 2600 * 2000 for t in parts)



def _truth_text(truth: dict) -> str:
    return "".join(r["text"] for r in truth["regions"] if r["text"])


@pytest.mark.slow
@pytest.mark.parametrize("config", [RapidOcrConfig(), TesseractConfig()], ids=["rapidocr", "tesseract"])
def test_engines_read_a_page_on_one_confidence_scale(small_page: Path, config: OcrConfig) -> None:
    engine = ocr_engine(config)
    [page] = ingest_file(small_page)
    lines = engine.read(load_gray(page))
    truth = json.loads(small_page.with_suffix("").with_suffix(".gt.json").read_text())
    text = "".join(line.text for line in lines)
    assert lines and all(0.0 <= line.confidence <= 1.0 for line in lines)
    assert all(0.0 <= w.confidence <= 1.0 for line in lines for w in line.words)
    # Reading order differs between engines, so compare the characters read, not their sequence.
    read, expected = sorted(text.replace(" ", "")), sorted(_truth_text(truth).replace("\n", "").replace(" ", ""))
    assert cer("".join(read), "".join(expected)) < (0.05 if config.kind == "rapidocr" else 0.35)
