"""rapidocr's runtimes: OpenVINO by default where it loads, ONNX Runtime as the plain path, CUDA where onnxruntime-gpu
sees a GPU; a runtime that fails falls back to the plain path and flags the page, never failing it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.config import OcrConfig, OrientationConfig, RapidOcrConfig, Settings, TesseractConfig
from broadsheet.engines.base import fallback_reason, load_models, read_all
from broadsheet.engines.rapid_ocr import (
    DET_MIN_SIDE,
    PLAIN,
    RapidOcrEngine,
    choose_backend,
    detection_scale,
    detector_padding,
    rapidocr_params,
    wheel_models,
)
from broadsheet.engines.routing import ScriptRouter
from broadsheet.model.page import PageStatus
from tests.conftest import BUNDLED

SAMPLE = BUNDLED / "zh_two_articles.jpg"


def _crop(top: int = 600, height: int = 500) -> np.ndarray:
    gray = np.asarray(Image.open(SAMPLE).convert("L"))
    return np.ascontiguousarray(gray[top:top + height, 150:1250])


def test_backend_choice_prefers_cuda_then_openvino_and_says_why_it_did_not_get_what_was_asked() -> None:
    cpu, gpu = ["CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_backend("auto", gpu, None) == ("cuda", None)
    assert choose_backend("auto", cpu, None) == ("openvino", None)
    assert choose_backend("auto", cpu, "OpenVINO does not load") == (PLAIN, None)
    backend, why = choose_backend("cuda", cpu, None)
    assert backend == PLAIN and "broadsheet[gpu]" in why
    assert choose_backend("openvino", cpu, "OpenVINO does not load (ImportError)") == (PLAIN, "OpenVINO does not "
                                                                                             "load (ImportError)")
    assert choose_backend("onnxruntime", gpu, None) == (PLAIN, None)
    params = rapidocr_params(RapidOcrConfig(threads=1), "cuda", wheel_models())
    assert params["EngineConfig.onnxruntime.use_cuda"] is True
    assert params["EngineConfig.onnxruntime.intra_op_num_threads"] == 1
    assert Path(str(params["Det.model_path"])).is_file() and Path(str(params["Rec.model_path"])).is_file()


@pytest.mark.slow
def test_openvino_and_onnxruntime_read_the_same_text() -> None:
    crop = _crop()
    engines = {backend: RapidOcrEngine(RapidOcrConfig(backend=backend)) for backend in ("openvino", "onnxruntime")}
    assert {name: e.backend for name, e in engines.items()} == {"openvino": "openvino", "onnxruntime": "onnxruntime"}
    texts = {name: [line.text for line in engine.read(crop)] for name, engine in engines.items()}
    assert texts["openvino"] and texts["openvino"] == texts["onnxruntime"]
    assert all(fallback_reason(e) is None for e in engines.values())
    boxes = engines["openvino"].detect(crop)
    assert len(boxes) >= len(texts["openvino"]) - 2, "detection alone finds the lines too"
    assert [line.text for line in engines["openvino"].read(crop)] == texts["openvino"], "read works after detect"


def test_openvino_lets_its_buffers_go_after_each_read_and_reads_the_same_text() -> None:
    crop = _crop()
    kept, released = (RapidOcrEngine(RapidOcrConfig(backend="openvino", release_above_mb=mb))
                      for mb in (10**6, 0))
    texts = [line.text for line in kept.read(crop)]
    assert texts and [line.text for line in released.read(crop)] == texts
    assert [line.text for line in released.read(crop)] == texts, "a read after the buffers went allocates them again"
    kept.release_memory()
    assert [line.text for line in kept.read(crop)] == texts


def test_detection_scale_never_shrinks_below_the_detectors_own_minimum_nor_what_rapidocr_pads() -> None:
    assert detection_scale(2032, 2512, 0.5) == 0.5, "an A4 tile: shrunk as asked"
    assert detection_scale(1000, 2512, 0.5) == DET_MIN_SIDE / 1000, "only down to the detector's 736 px"
    assert detection_scale(700, 700, 0.5) == 1.0, "already at the minimum: rapidocr would enlarge it"
    assert detection_scale(800, 7000, 0.5) == 1.0, "wider than 8 to 1: rapidocr pads it, left as it is"
    assert detection_scale(2032, 2512, 1.0) == 1.0


def test_a_shrunk_detector_finds_the_same_lines_and_recognition_reads_them_at_native_resolution() -> None:
    gray = np.asarray(Image.open(SAMPLE).convert("L"))
    tile = np.ascontiguousarray(gray[:1600])
    native, shrunk = (RapidOcrEngine(RapidOcrConfig(detector_scale=scale)) for scale in (1.0, 0.5))
    assert detection_scale(*tile.shape, shrunk.detector_scale) == 0.5
    lines = {name: engine.read(tile) for name, engine in (("native", native), ("shrunk", shrunk))}
    if shrunk.backend == "openvino":  # what the detector was last given, as OpenVINO holds it: half the tile
        seen = shrunk._engine.text_det.session.session.get_input_tensor().shape  # type: ignore[attr-defined]
        assert abs(seen[2] - 800) <= 32 and abs(seen[3] - tile.shape[1] // 2) <= 32, seen
    texts = {name: "".join(line.text for line in read) for name, read in lines.items()}
    same = sum(a == b for a, b in zip(texts["native"], texts["shrunk"], strict=False))
    assert len(texts["native"]) > 300 and same / len(texts["native"]) >= 0.9, texts
    # Boxes in the tile's own pixels: each shrunk line lies where a native one does, not at half its coordinates.
    centres = [np.mean(line.quad, axis=0) for line in lines["native"]]
    for line in lines["shrunk"]:
        centre = np.mean(line.quad, axis=0)
        assert min(float(np.hypot(*(centre - c))) for c in centres) < 20, line
    assert len(shrunk.detect(tile)) == len(lines["shrunk"]), "detection alone finds as many lines"
    assert texts["shrunk"] == "".join(line.text for line in shrunk.read(tile)), "the same again"


def test_detector_padding_bounds_what_the_detector_enlarges_and_leaves_tiles_alone() -> None:
    limit = 2600 * 2000
    assert detector_padding(2032, 2632, limit) == (0, 0), "a tile: nothing is enlarged"
    assert detector_padding(1421, 500, limit) == (0, 0), "enlarged to 736 x 2092: within the limit"
    assert detector_padding(152, 2032, limit) == (0, 0), "wider than 8 to 1: rapidocr pads it itself"
    below, right = detector_padding(1421, 129, limit)  # a narrow region read again: 6 MP once enlarged
    assert below == 0 and right > 0
    assert limit * (129 + right) >= DET_MIN_SIDE * DET_MIN_SIDE * 1421
    assert detector_padding(1421, 129 + right, limit) == (0, 0)
    below, right = detector_padding(300, 2000, limit)  # a wide block of a few lines: enlarged 2.5 times
    assert right == 0 and limit * (300 + below) >= DET_MIN_SIDE * DET_MIN_SIDE * 2000
    assert detector_padding(40, 300, 1000) == (DET_MIN_SIDE - 40, 0), "never padded past 736"


def _tiny_page(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "tiny.png"
    # Portrait, as a page is: a landscape crop with a clear gutter down its middle is a fold, and is cut in two.
    Image.fromarray(np.ascontiguousarray(_crop(300, 700)[:, :600])).save(path)
    return path


def _read_page(tmp_path: Path, config: RapidOcrConfig) -> tuple[object, object]:
    """The page through preprocess, orientation, layout and OCR with an engine built from `config`."""
    from broadsheet.engines import layout_engine
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import process_page
    from broadsheet.stages.layout import Layout
    from broadsheet.stages.ocr import Ocr
    from broadsheet.stages.orientation import Orientation
    from broadsheet.stages.preprocess import Preprocess
    from broadsheet.stages.working_images import WorkingImages

    settings = Settings()
    engine = RapidOcrEngine(config)
    images = WorkingImages(tmp_path / "work")
    stages = [Preprocess(settings.preprocess, images), Orientation(engine, images, OrientationConfig()),
              Layout(layout_engine(settings.layout), settings.layout, images), Ocr(engine, OcrConfig(), images)]
    [page] = ingest_file(_tiny_page(tmp_path))
    return process_page(page, stages, settings), engine


@pytest.mark.slow
def test_missing_openvino_reads_on_onnxruntime_and_flags_the_page(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # the wheel is not installed: `import openvino` fails
    page, engine = _read_page(tmp_path, RapidOcrConfig(backend="openvino"))
    assert engine.backend == PLAIN  # type: ignore[attr-defined]
    assert page.status != PageStatus.failed and any(line.text for r in page.regions for line in r.lines)
    [flag] = [f for f in page.flags if f.code == "engine-fallback"]
    assert "OpenVINO does not load" in flag.reason and "pip install openvino" in flag.reason
    assert next(s for s in page.steps if s.stage == "ocr").settings["runtime"] == PLAIN


@pytest.mark.slow
def test_unreadable_model_file_falls_back_to_the_wheel_models_on_onnxruntime(tmp_path: Path) -> None:
    broken = tmp_path / "models"
    broken.mkdir()
    for name in ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"):
        (broken / name).write_bytes(b"not a model")
    for backend in ("openvino", "onnxruntime"):
        page, engine = _read_page(tmp_path / backend, RapidOcrConfig(backend=backend, model_dir=str(broken)))
        assert page.status != PageStatus.failed, page.flags
        assert any(line.text for r in page.regions for line in r.lines)
        reasons = [f.reason for f in page.flags if f.code == "engine-fallback"]
        assert len(reasons) == 1 and str(broken) in reasons[0] and backend in reasons[0], reasons
        assert engine.plain  # type: ignore[attr-defined]


def test_models_loaded_early_are_the_ones_the_first_read_uses_and_a_broken_one_still_falls_back(
        tmp_path: Path) -> None:
    engine = RapidOcrEngine(RapidOcrConfig())
    assert engine._engine.text_det is None and engine._engine.text_rec is None  # type: ignore[attr-defined]
    load_models(ScriptRouter(engine, None))  # as the CLI does, in a thread, through the router
    detector, recogniser = engine._engine.text_det, engine._engine.text_rec  # type: ignore[attr-defined]
    assert detector is not None and recogniser is not None
    assert [line.text for line in engine.read(_crop())]
    assert engine._engine.text_det is detector and engine._engine.text_rec is recogniser  # type: ignore[attr-defined]
    broken = tmp_path / "models"
    broken.mkdir()
    for name in ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"):
        (broken / name).write_bytes(b"not a model")
    unreadable = RapidOcrEngine(RapidOcrConfig(model_dir=str(broken)))
    load_models(unreadable)  # does not raise: the first read shows it
    assert [line.text for line in unreadable.read(_crop())] and unreadable.plain
    assert str(broken) in (fallback_reason(unreadable) or "")


class _CountingEngine:
    """Reads nothing; records how many reads overlap, to show read_all's parallelism (the reads are real sleeps)."""

    name = version = model = "counting"

    def __init__(self, processes: int) -> None:
        import threading

        self.processes = processes
        self.lock = threading.Lock()
        self.running = self.most = 0

    def read(self, image: np.ndarray) -> list[object]:
        import time

        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return [int(image[0, 0])]


def test_read_all_keeps_order_and_reads_in_as_many_processes_as_the_engine_runs() -> None:
    images = [np.full((4, 4), k, dtype=np.uint8) for k in range(8)]
    for processes in (1, 2):
        engine = _CountingEngine(processes)
        assert read_all(engine, images) == [[k] for k in range(8)]  # type: ignore[arg-type]
        assert engine.most == processes


@pytest.mark.slow
def test_tesseract_reads_tiles_in_parallel_with_the_same_text() -> None:
    from broadsheet.engines.tesseract import TesseractEngine

    crops = [_crop(top, 260) for top in (300, 600, 900)]
    serial = read_all(TesseractEngine(TesseractConfig(languages="chi_sim+eng", processes=1)), crops)
    parallel = read_all(TesseractEngine(TesseractConfig(languages="chi_sim+eng", processes=2)), crops)
    assert [[line.text for line in lines] for lines in parallel] == [[line.text for line in lines] for lines in serial]
    assert any(serial)


def test_tesseract_version_is_read_as_pytesseract_reads_it_without_importing_pandas() -> None:
    import subprocess

    code = ("import sys; from broadsheet.config import TesseractConfig; "
            "from broadsheet.engines.tesseract import TesseractEngine; "
            "engine = TesseractEngine(TesseractConfig(languages='eng')); "
            "print(engine.version, 'pandas' in sys.modules, 'pytesseract' in sys.modules)")
    version, pandas, pytesseract = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                  check=True).stdout.split()
    import pytesseract as reference

    assert version == str(reference.get_tesseract_version())
    assert (pandas, pytesseract) == ("False", "False"), "building the engine imports neither: a CJK page needs neither"



def test_a_box_larger_than_the_tile_is_read_in_tiles_and_one_the_tile_holds_whole() -> None:
    """A region read again (routing.needs_second_reading) may be a Fraktur page's whole column: read whole, rapidocr's
    detection on it held 3.5 GB on a 7100x10590 page. Larger than the tile, it is read in tiles."""
    from broadsheet.engines.tiling import PADDING
    from broadsheet.model.geometry import Polygon
    from broadsheet.stages.ocr import read_boxes

    gray = np.asarray(Image.open(SAMPLE).convert("L"))
    engine = RapidOcrEngine(RapidOcrConfig())
    shapes: list[tuple[int, ...]] = []

    class Recording:
        """The real engine, noting the size of each image it is given."""
        name, version, model = engine.name, engine.version, engine.model

        def read(self, image: np.ndarray) -> list:  # type: ignore[type-arg]
            shapes.append(image.shape)
            return engine.read(image)

    config = OcrConfig(tile_width=700, tile_height=500)
    small, large = [500, 1000, 1100, 1400], [150, 1000, 1250, 2200]
    small_lines, large_lines = read_boxes(Recording(), gray, [small, large], config)  # type: ignore[arg-type]
    assert shapes[0] == (400 + 2 * PADDING, 600 + 2 * PADDING), "a box the tile holds is read whole, padded"
    # Tiles are cut along white space: no taller than the tile, and as wide as a line that has no blank cut.
    assert len(shapes) > 2 and all(h <= 500 + 2 * PADDING for h, _ in shapes[1:])
    assert max(h * w for h, w in shapes[1:]) < 0.5 * 1100 * 1200
    for box, lines in ((small, small_lines), (large, large_lines)):
        assert lines
        for line in lines:  # in the image's coordinates
            x0, y0, x1, y1 = Polygon.from_points(line.quad).bounds
            assert box[0] - PADDING <= x0 and x1 <= box[2] + PADDING
            assert box[1] - PADDING <= y0 and y1 <= box[3] + PADDING
    whole = engine.read(np.pad(gray[1000:2200, 150:1250], PADDING, constant_values=255))
    assert sum(len(line.text) for line in large_lines) >= 0.9 * sum(len(line.text) for line in whole)
