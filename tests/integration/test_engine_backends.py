"""rapidocr's runtimes: OpenVINO by default where it loads, ONNX Runtime as the plain path, CUDA where onnxruntime-gpu
sees a GPU; a runtime that fails falls back to the plain path and flags the page, never failing it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.config import OcrConfig, OrientationConfig, RapidOcrConfig, Settings, TesseractConfig
from broadsheet.engines.base import fallback_reason, read_all
from broadsheet.engines.rapid_ocr import PLAIN, RapidOcrEngine, choose_backend, rapidocr_params, wheel_models
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


def _tiny_page(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "tiny.png"
    Image.fromarray(_crop(300, 700)).save(path)
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


def test_the_warm_up_thread_and_a_page_read_with_one_engine_at_once_read_what_each_reads_alone() -> None:
    import threading

    from broadsheet.run.page import warm_up_in_background

    settings = Settings(ocr=OcrConfig(engine=RapidOcrConfig()))
    warming = warm_up_in_background(settings)
    assert warming is not None, "rapidocr is warmed in a thread"
    from broadsheet.engines import ocr_engine

    engine = ocr_engine(settings.ocr.engine)
    crops = [_crop(top, 300) for top in (300, 700)]
    alone = [[line.text for line in engine.read(crop)] for crop in crops]
    together: dict[int, list[str]] = {}
    readers = [threading.Thread(target=lambda k=k: together.__setitem__(k, [line.text for line in engine.read(
        crops[k])])) for k in range(2) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    warming.join()
    assert alone[0] and together == {0: alone[0], 1: alone[1]}
    assert fallback_reason(engine) is None, "no read collided with another (OpenVINO runs one request at a time)"
    assert warm_up_in_background(Settings(ocr=OcrConfig(engine=TesseractConfig(languages="eng")))) is None
