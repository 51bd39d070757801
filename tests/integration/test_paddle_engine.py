"""The paddleocr engine: model dirs built from the rapidocr wheel, real reads on real pages, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from broadsheet.config import PaddleOcrConfig
from broadsheet.engines.base import EngineUnavailableError
from broadsheet.engines.paddle_models import DET_MODEL_NAME, REC_MODEL_NAME, ensure_model_dirs
from evaluation.generated import cer
from tests.conftest import BUNDLED


@pytest.fixture(scope="module")
def paddle_engine() -> object:
    from broadsheet.engines import ocr_engine

    return ocr_engine(PaddleOcrConfig())


def _gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("L"))


def test_model_dirs_are_built_from_the_wheel(tmp_path: Path) -> None:
    dirs = ensure_model_dirs(tmp_path)
    det = yaml.safe_load((dirs.det_dir / "inference.yml").read_text(encoding="utf-8"))
    rec = yaml.safe_load((dirs.rec_dir / "inference.yml").read_text(encoding="utf-8"))
    assert det["Global"]["model_name"] == DET_MODEL_NAME and det["PostProcess"]["name"] == "DBPostProcess"
    assert rec["Global"]["model_name"] == REC_MODEL_NAME and rec["PostProcess"]["name"] == "CTCLabelDecode"
    assert len(rec["PostProcess"]["character_dict"]) > 18000 and "中" in rec["PostProcess"]["character_dict"]
    assert (dirs.det_dir / "inference.onnx").stat().st_size > 1_000_000
    assert ensure_model_dirs(tmp_path) == dirs  # built once, then reused


def test_reads_a_chinese_crop_like_rapidocr(paddle_engine: object) -> None:
    import json

    truth = json.loads((BUNDLED / "zh_two_articles.gt.json").read_text(encoding="utf-8"))
    region = max((r for r in truth["regions"] if r["type"] == "body"), key=lambda r: len(r["text"]))
    x0, y0, x1, y1 = region["box"]
    crop = _gray(BUNDLED / "zh_two_articles.jpg")[y0 - 10:y1 + 10, x0 - 10:x1 + 10]
    crop = np.pad(crop, 16, constant_values=255)
    lines = paddle_engine.read(crop)  # type: ignore[attr-defined]
    lines.sort(key=lambda line: line.quad[0][1])
    assert cer("".join(line.text for line in lines), region["text"]) < 0.03
    for line in lines:
        assert 0.0 <= line.confidence <= 1.0 and len(line.quad) == 4
        assert line.words and all(0.0 <= w.confidence <= 1.0 for w in line.words)
        xs = [x for x, _ in line.quad]
        assert min(xs) >= 0 and max(xs) <= crop.shape[1]


def test_official_model_dirs_are_used_when_configured(tmp_path: Path) -> None:
    """A site with PaddleOCR's own model dirs names them; the dirs given here are used as they are."""
    from broadsheet.engines.paddle import PaddleOcrEngine

    dirs = ensure_model_dirs(tmp_path / "site")
    engine = PaddleOcrEngine(PaddleOcrConfig(det_model_dir=str(dirs.det_dir), rec_model_dir=str(dirs.rec_dir),
                                             cache_dir=str(tmp_path / "unused")))
    assert not (tmp_path / "unused").exists()
    image = np.full((120, 600), 255, np.uint8)
    import cv2

    cv2.putText(image, "Broadsheet 1944", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    assert "Broadsheet" in " ".join(line.text for line in engine.read(image))
    with pytest.raises(EngineUnavailableError, match=r"inference\.yml"):
        PaddleOcrEngine(PaddleOcrConfig(det_model_dir=str(tmp_path), rec_model_dir=str(dirs.rec_dir)))


def test_missing_paddleocr_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from broadsheet.engines.paddle import PaddleOcrEngine

    monkeypatch.setitem(sys.modules, "paddleocr", None)  # import fails as if not installed
    with pytest.raises(EngineUnavailableError, match="pip install"):
        PaddleOcrEngine(PaddleOcrConfig())


def test_cli_accepts_paddleocr_and_maps_a_missing_engine_to_exit_5(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from broadsheet.apps import cli
    from broadsheet.engines import forget_ocr_engines

    forget_ocr_engines()
    monkeypatch.setitem(sys.modules, "paddleocr", None)
    try:
        code = cli.main(["run", str(BUNDLED / "en_two_articles.jpg"), "--out", str(tmp_path), "--engine", "paddleocr"])
    finally:
        forget_ocr_engines()
    assert code == cli.EXIT_MISSING_DEPENDENCY
    assert "paddleocr" in capsys.readouterr().err
