"""PP-OCRv6 small (PaddleOCR's models) through rapidocr on ONNX Runtime, weights from the wheel."""

from __future__ import annotations

from importlib.metadata import version

import cv2
import numpy as np

from pipeline.config import RapidOcrConfig
from pipeline.engines.base import EngineLine, EngineWord, Quad

# rapidocr shrinks anything above Global.max_side_len; the OCR stage hands us strips that are
# already small enough, so the limit is lifted to keep small newspaper type at native resolution.
NATIVE_RESOLUTION = 100_000


def _quad(points: object) -> Quad:
    return tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))


class RapidOcrEngine:
    name = "rapidocr"
    model = "PP-OCRv6_small_det+PP-OCRv6_small_rec"

    def __init__(self, config: RapidOcrConfig) -> None:
        from rapidocr import RapidOCR

        self.version = version("rapidocr")
        params: dict[str, object] = {
            "Global.log_level": "error",
            "Global.max_side_len": NATIVE_RESOLUTION,
            "Global.text_score": config.text_score,
            "Global.use_cls": False,
        }
        if config.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = config.threads
        self._engine = RapidOCR(params=params)

    def read(self, image: np.ndarray) -> list[EngineLine]:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        result = self._engine(bgr, use_cls=False, return_word_box=True)
        if result.boxes is None or result.txts is None:
            return []
        word_results = result.word_results or [()] * len(result.txts)
        lines: list[EngineLine] = []
        for box, text, score, words in zip(result.boxes, result.txts, result.scores, word_results, strict=False):
            engine_words = tuple(
                EngineWord(text=str(w[0]), confidence=float(w[1]), quad=_quad(w[2])) for w in words if w
            )
            lines.append(EngineLine(text=str(text), confidence=float(score), quad=_quad(box),
                                    words=engine_words))
        return lines
