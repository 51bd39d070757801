"""PP-OCRv6 small (PaddleOCR's models) through rapidocr, weights from the wheel, on OpenVINO, ONNX Runtime or CUDA.

Every backend runs the same ONNX files from the rapidocr wheel, so the text does not depend on the backend (measured:
README, section Speed). A backend that cannot run (its package missing, a model file it cannot read, an error inside
inference) never fails a page: the engine falls back to the plain path, ONNX Runtime on the CPU with the wheel's
models, and `fallback` says why, which the stages that read with it turn into an `engine-fallback` flag.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from broadsheet.config import RapidOcrConfig
from broadsheet.engines.base import EngineLine, EngineWord, Quad

_T = TypeVar("_T")

log = logging.getLogger(__name__)

# rapidocr shrinks anything above Global.max_side_len; the OCR stage hands us strips that are
# already small enough, so the limit is lifted to keep small newspaper type at native resolution.
NATIVE_RESOLUTION = 100_000
DET_MIN_SIDE = 736
"""rapidocr's detector enlarges an image until its shorter side is this long (Det.limit_side_len, limit_type min)."""
DET_WIDE_RATIO = 8
"""rapidocr pads an image wider than this many times its height to a quarter of its width before detection
(Global.width_height_ratio); the detector then enlarges that, so such an image is left to rapidocr."""
DET_MIN_HEIGHT = 30
"""rapidocr pads an image no taller than this before detection (Global.min_height)."""
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
PLAIN = "onnxruntime"
"""The fallback path: ONNX Runtime on the CPU with the wheel's models."""


def _quad(points: object) -> Quad:
    return tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))


def wheel_models() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def openvino_loads() -> str | None:
    """None when the `openvino` wheel imports; else why not."""
    try:
        import openvino  # noqa: F401
    except Exception as exc:  # ImportError, or a broken native library
        return f"OpenVINO does not load ({type(exc).__name__}: {exc}); pip install openvino"
    return None


def onnxruntime_providers() -> list[str]:
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def choose_backend(requested: str, providers: Sequence[str], openvino_problem: str | None) -> tuple[str, str | None]:
    """The backend to build and, when it is not the one asked for, why (None for `auto`'s ordinary choice).

    auto: CUDA where ONNX Runtime offers its CUDA provider (onnxruntime-gpu with a GPU), else OpenVINO where it
    loads, else ONNX Runtime on the CPU.
    """
    cuda = "CUDAExecutionProvider" in providers
    if requested == "auto":
        return ("cuda" if cuda else PLAIN if openvino_problem else "openvino"), None
    if requested == "cuda" and not cuda:
        return PLAIN, f"no CUDA execution provider in ONNX Runtime (providers: {', '.join(providers)}); " \
                      "pip install 'broadsheet[gpu]' on a machine with an NVIDIA GPU"
    if requested == "openvino" and openvino_problem:
        return PLAIN, openvino_problem
    return requested, None


def detector_padding(height: int, width: int, max_pixels: int) -> tuple[int, int]:
    """White to add (below, right) so that the detector, which enlarges the shorter side to DET_MIN_SIDE, sees at
    most `max_pixels`, where white can do it: (0, 0) for an image within it, one wider than DET_WIDE_RATIO times its
    height (rapidocr pads it itself), or one whose shorter side is DET_MIN_SIDE already (nothing is enlarged)."""
    short, long = min(height, width), max(height, width)
    if short >= DET_MIN_SIDE or width > DET_WIDE_RATIO * height:
        return 0, 0
    if DET_MIN_SIDE * DET_MIN_SIDE * long <= max_pixels * short:
        return 0, 0
    wanted = min(DET_MIN_SIDE, -(-DET_MIN_SIDE * DET_MIN_SIDE * long // max_pixels))
    return (wanted - height, 0) if height < width else (0, wanted - width)


def detection_scale(height: int, width: int, scale: float) -> float:
    """The factor an image is shrunk by for detection (`RapidOcrConfig.detector_scale`): never so far that its shorter
    side falls under DET_MIN_SIDE (rapidocr would enlarge it back); 1.0 for an image rapidocr pads before detecting
    (wider than DET_WIDE_RATIO times its height, or no taller than its DET_MIN_HEIGHT), which it reads as before."""
    short = min(height, width)
    if scale >= 1 or short <= DET_MIN_SIDE or width > DET_WIDE_RATIO * height or height <= DET_MIN_HEIGHT:
        return 1.0
    return max(scale, DET_MIN_SIDE / short)


def resident_mb() -> float | None:
    """The process's resident memory in MB, where /proc tells it (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim): the buffers a runtime frees stay
    resident otherwise, in the arenas of the threads that used them (measured: 1237 MB after eight tiles, 757 MB
    trimmed). Nothing where the C library is not glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rapidocr_params(config: RapidOcrConfig, backend: str, model_dir: Path) -> dict[str, object]:
    from rapidocr import EngineType

    params: dict[str, object] = {
        "Global.log_level": "error",
        "Global.max_side_len": NATIVE_RESOLUTION,
        "Global.text_score": config.text_score,
        "Global.use_cls": False,
        "Det.model_path": str(model_dir / DET_MODEL),
        "Rec.model_path": str(model_dir / REC_MODEL),
        "Rec.rec_batch_num": config.rec_batch,
        "Det.limit_side_len": DET_MIN_SIDE,
    }
    if backend == "openvino":
        params.update({"Det.engine_type": EngineType.OPENVINO, "Rec.engine_type": EngineType.OPENVINO})
        if config.threads:
            params["EngineConfig.openvino.inference_num_threads"] = config.threads
    else:
        params["EngineConfig.onnxruntime.use_cuda"] = backend == "cuda"
        if config.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = config.threads
    return params


class RapidOcrEngine:
    name = "rapidocr"
    model = "PP-OCRv6_small_det+PP-OCRv6_small_rec"

    def __init__(self, config: RapidOcrConfig) -> None:
        self.version = version("rapidocr")
        self._config = config
        self.detector_scale = config.detector_scale
        """What the detector's input is shrunk by (see `detection_scale`); the OCR step records it."""
        self.max_tile_pixels = config.max_detector_pixels
        """What a tile may hold (see tiling.tiles): the detector's memory grows with its input's pixels."""
        self.fallback: str | None = None
        """Why this engine runs on the plain path instead of the backend its settings asked for; None when it does."""
        problem = openvino_loads() if config.backend in ("auto", "openvino") else None
        self.backend, self.fallback = choose_backend(config.backend, onnxruntime_providers(), problem)
        self._model_dir = Path(config.model_dir) if config.model_dir else wheel_models()
        if self.fallback:
            log.warning("rapidocr on ONNX Runtime: %s", self.fallback)
        self._engine = self._build(self.backend, self._model_dir)

    def _build(self, backend: str, model_dir: Path) -> object:
        from rapidocr import RapidOCR

        return RapidOCR(params=rapidocr_params(self._config, backend, model_dir))

    @property
    def plain(self) -> bool:
        return self.backend == PLAIN and self._model_dir == wheel_models()

    def _fall_back(self, exc: Exception) -> None:
        where = "" if self._model_dir == wheel_models() else f" with models from {self._model_dir}"
        detail = " ".join(str(exc).split())[:300]
        self.fallback = f"{self.backend}{where} failed ({type(exc).__name__}: {detail})"
        log.warning("rapidocr falls back to ONNX Runtime on the CPU: %s", self.fallback)
        self.backend, self._model_dir = PLAIN, wheel_models()
        self._engine = self._build(PLAIN, self._model_dir)

    def _falling_back(self, call: Callable[[], _T]) -> _T:
        """`call`, once more on the plain path where it fails on another (the models load on their first use: an
        unreadable file shows there)."""
        try:
            return call()
        except Exception as exc:
            if self.plain:
                raise
            self._fall_back(exc)
            return call()

    def _run(self, image: np.ndarray, **options: bool) -> object:
        below, right = detector_padding(*image.shape[:2], self._config.max_detector_pixels)
        if below or right:  # white below and to the right: the lines' coordinates stay the image's
            image = np.pad(image, ((0, below), (0, right)) + ((0, 0),) * (image.ndim - 2), constant_values=255)
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        scale = detection_scale(*bgr.shape[:2], self._config.detector_scale)
        try:
            return self._falling_back(lambda: self._call(bgr, scale, **options))
        finally:
            if (resident_mb() or 0) > self._config.release_above_mb or self._config.release_above_mb == 0:
                self.release_memory()

    def load_models(self) -> None:
        """Compile the detector and the recogniser now, as rapidocr would on their first use (under its own locks, so a
        read that comes meanwhile waits for them). A model that cannot load is left to that first read, which falls
        back to the plain path as it always did."""
        engine = self._engine
        try:
            engine._load_det_model()  # type: ignore[attr-defined]
            engine._load_rec_model()  # type: ignore[attr-defined]
        except Exception as exc:  # an unreadable model file: the first read shows it and falls back
            log.debug("rapidocr models not loaded early: %s", exc)

    def _call(self, bgr: np.ndarray, scale: float, **options: bool) -> object:
        """rapidocr's own call; with `scale` under 1, the same steps by rapidocr's own functions, but the detector given
        the image shrunk: its post-processing maps the line boxes to the image's own size (as it does from the size it
        detected at), and the lines are cropped from the image and recognised at native resolution."""
        engine = self._engine
        if scale >= 1:
            return engine(bgr, use_cls=False, **options)  # type: ignore[operator]
        from rapidocr.ch_ppocr_cls.utils import TextClsOutput
        from rapidocr.ch_ppocr_det.utils import TextDetOutput
        from rapidocr.utils.output import RapidOCROutput

        engine.update_params(use_cls=False, **options)  # type: ignore[attr-defined]
        detector = engine._load_det_model()  # type: ignore[attr-defined]
        small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        predicted = detector.session(detector.get_preprocess()(small))
        boxes, scores = detector.postprocess_op(predicted, bgr.shape[:2])
        if len(boxes) < 1:
            return RapidOCROutput()
        found = TextDetOutput(bgr, detector.sorted_boxes(boxes), scores)
        if not options.get("use_rec", True):
            return found
        crops = engine.crop_text_regions(bgr, found.boxes)  # type: ignore[attr-defined]
        recognised = engine.recognize_txt(crops)  # type: ignore[attr-defined]
        unchanged = {"preprocess": {"ratio_h": 1.0, "ratio_w": 1.0}, "padding_1": {"top": 0, "left": 0}}
        return engine.build_final_output(bgr, found, TextClsOutput(), recognised, crops, unchanged)  # type: ignore[attr-defined]

    def release_memory(self) -> None:
        """OpenVINO keeps the intermediate buffers of the largest input each model has read (and of every input shape
        it has seen) until told to let them go: after a 75-MP page's OCR, 1.6 GB the later stages then ran on top of.
        `CompiledModel.release_memory` frees them; the next read allocates what it needs again. Measured on one
        process: a 5.6-MP tile's detection, 1309 MB held, 669 MB after. ONNX Runtime's arena is left as it is."""
        if self.backend != "openvino":
            return
        for model in (self._engine.text_det, self._engine.text_cls, self._engine.text_rec):  # type: ignore[attr-defined]
            session = getattr(getattr(model, "session", None), "session", None)  # rapidocr's OpenVINO InferRequest
            if session is not None:
                session.get_compiled_model().release_memory()
        trim_heap()

    def read(self, image: np.ndarray) -> list[EngineLine]:
        result = self._run(image, use_det=True, use_rec=True, return_word_box=True)
        if result.boxes is None or result.txts is None:  # type: ignore[attr-defined]
            return []
        word_results = result.word_results or [()] * len(result.txts)  # type: ignore[attr-defined]
        lines: list[EngineLine] = []
        for box, text, score, words in zip(result.boxes, result.txts, result.scores, word_results,  # type: ignore[attr-defined]
                                           strict=False):
            engine_words = tuple(
                EngineWord(text=str(w[0]), confidence=float(w[1]), quad=_quad(w[2])) for w in words if w
            )
            lines.append(EngineLine(text=str(text), confidence=float(score), quad=_quad(box),
                                    words=engine_words))
        return lines

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """The recogniser alone on each crop, read as one line: its text and confidence (base.recognise)."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput

        images = [cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) if c.ndim == 2 else c for c in crops]
        request = TextRecInput(img=images, return_word_box=False)
        result = self._falling_back(lambda: self._engine._load_rec_model()(request))  # type: ignore[attr-defined]
        return [(str(text), float(score)) for text, score in zip(result.txts, result.scores, strict=True)]

    def detect(self, image: np.ndarray) -> list[Quad]:
        """Text-line boxes only, without recognition: the orientation check's test for tall lines."""
        result = self._run(image, use_det=True, use_rec=False, return_word_box=False)
        return [] if result.boxes is None else [_quad(box) for box in result.boxes]  # type: ignore[attr-defined]
