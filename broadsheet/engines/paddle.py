"""PaddleOCR 3 on ONNX Runtime, with no PaddlePaddle: PP-OCRv6 small det/rec, weights from the rapidocr wheel.

PaddleX (under PaddleOCR) would otherwise look for models on a hub and check hub connectivity
at start-up; the environment below keeps it off the network, and the model dirs are local.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import cv2
import numpy as np

from broadsheet.config import PaddleOcrConfig
from broadsheet.engines.base import EngineLine, EngineUnavailableError, EngineWord, Quad
from broadsheet.engines.paddle_models import ensure_model_dirs

# The OCR stage hands us tiles of at most 2600 x 2000 px; a limit above that keeps them unshrunk.
NATIVE_SIDE = 4000
OFFLINE_ENV = {
    # No hub connectivity check at import, and no model source to fall back to.
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
    "DISABLE_MODEL_SOURCE_CHECK": "True",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "MODELSCOPE_OFFLINE": "1",
}


def _quad(points: object) -> Quad:
    return tuple((float(x), float(y)) for x, y in np.asarray(points, dtype=float).reshape(-1, 2))


def _import_paddleocr() -> type:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    try:
        from paddleocr import PaddleOCR
    except ImportError as exc:
        raise EngineUnavailableError(
            "the paddleocr engine needs PaddleOCR: pip install 'broadsheet[paddle]' (paddleocr==3.7.0)"
        ) from exc
    return PaddleOCR


class PaddleOcrEngine:
    name = "paddleocr"

    def __init__(self, config: PaddleOcrConfig) -> None:
        paddle_ocr = _import_paddleocr()
        try:
            self.version = version("paddleocr")
        except PackageNotFoundError:  # pragma: no cover - imported above, so installed
            self.version = "unknown"
        if config.det_model_dir and config.rec_model_dir:
            det_dir, rec_dir = Path(config.det_model_dir), Path(config.rec_model_dir)
        else:
            dirs = ensure_model_dirs(Path(config.cache_dir) if config.cache_dir else None)
            det_dir = Path(config.det_model_dir) if config.det_model_dir else dirs.det_dir
            rec_dir = Path(config.rec_model_dir) if config.rec_model_dir else dirs.rec_dir
        for model_dir in (det_dir, rec_dir):
            if not (model_dir / "inference.yml").exists():
                raise EngineUnavailableError(f"{model_dir} is not a PaddleOCR model dir (it has no inference.yml)")
        self.model = f"{config.det_model_name}+{config.rec_model_name}"
        options: dict[str, object] = {}
        if config.threads:
            options["cpu_threads"] = config.threads
        # PaddleX logs every model load and pipeline build at INFO; the CLI decides what is shown.
        logging.disable(logging.INFO)
        try:
            self._engine = paddle_ocr(
                text_detection_model_name=config.det_model_name,
                text_detection_model_dir=str(det_dir),
                text_recognition_model_name=config.rec_model_name,
                text_recognition_model_dir=str(rec_dir),
                engine="onnxruntime",
                use_doc_orientation_classify=False,
                use_doc_unwarping=False,
                use_textline_orientation=False,
                text_det_limit_side_len=NATIVE_SIDE,
                text_det_limit_type="max",
                text_rec_score_thresh=config.text_score,
                return_word_box=True,
                **options,
            )
        finally:
            logging.disable(logging.NOTSET)

    def read(self, image: np.ndarray) -> list[EngineLine]:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        limit = max(NATIVE_SIDE, *bgr.shape[:2])
        results = list(self._engine.predict(bgr, text_det_limit_side_len=limit, text_det_limit_type="max"))
        if not results:
            return []
        result = results[0]
        texts = result.get("rec_texts") or []
        scores = result.get("rec_scores") or []
        polys = result.get("rec_polys")
        if polys is None:
            polys = result.get("dt_polys") or []
        word_texts = result.get("text_word") or [[] for _ in texts]
        word_boxes = result.get("text_word_region") or [[] for _ in texts]
        lines: list[EngineLine] = []
        for text, score, poly, w_texts, w_boxes in zip(texts, scores, polys, word_texts, word_boxes, strict=False):
            words = _words(str(text), float(score), list(w_texts), list(w_boxes))
            lines.append(EngineLine(text=str(text), confidence=float(score), quad=_quad(poly), words=words))
        return lines


def _words(text: str, score: float, pieces: list[str], boxes: list[object]) -> tuple[EngineWord, ...]:
    """PaddleOCR's word boxes: one per CJK character or Latin word, without a score of their own.

    CTC gives one score per line; each word inherits it, which is what rapidocr does too.
    """
    words = []
    for piece, box in zip(pieces, boxes, strict=False):
        piece = str(piece).strip()
        if piece:
            words.append(EngineWord(text=piece, confidence=score, quad=_quad(box)))
    return tuple(words)
