"""Stages one at a time, on generated pages whose truth is known."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import OcrConfig, PreprocessConfig, RapidOcrConfig, TesseractConfig
from pipeline.engines import ocr_engine
from pipeline.evaluate import cer
from pipeline.stages.ingest import ingest_file, load_gray
from pipeline.stages.ocr import gutter_cuts, strips
from pipeline.stages.preprocess import Preprocess, estimate_skew
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
    done = Preprocess(PreprocessConfig(), tmp_path)(page)
    assert done is not page and page.working_image is None, "a stage must not change its input"
    assert Path(done.working_image).is_file()
    skew = json.loads(small_page.with_suffix("").with_suffix(".gt.json").read_text())["degradation"]["skew_degrees"]
    assert done.transform.skew_degrees == pytest.approx(-skew, abs=0.15)
    assert done.steps[-1].stage == "preprocess"


def test_strip_cores_partition_the_page() -> None:
    spans = list(strips(5000, 1600, 400))
    assert spans[0][2] == 0 and spans[-1][3] == 5000
    for (_, _, _, core_bottom), (_, _, core_top, _) in pairwise(spans):
        assert core_bottom == core_top
    for top, bottom, core_top, core_bottom in spans:
        assert top <= core_top - 0 and core_bottom <= bottom
        assert bottom - top <= 1600


def test_gutter_cuts_only_at_blank_columns() -> None:
    strip = np.full((300, 6000), 255, dtype=np.uint8)
    for left in (0, 2100, 4200):  # three text blocks with 100 px gutters
        strip[20:280:20, left:left + 2000] = 0
    cuts = gutter_cuts(strip, max_width=2600)
    assert cuts[0][0] == 0 and cuts[-1][1] == 6000
    for left, right in cuts:
        assert right - left <= 2600
        assert (strip[:, max(left - 1, 0)] == 255).all() or left == 0
    headline = strip.copy()
    headline[100:140, :] = 0  # a line across every gutter: no cut may split it
    assert gutter_cuts(headline, max_width=2600) == [(0, 6000)]


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
