"""Engine protocols. An adapter maps its engine's own result types into these, so none leak out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class EngineWord:
    text: str
    confidence: float
    """0..1, on the engine-independent scale described in ARCHITECTURE.md."""
    quad: Quad


@dataclass(frozen=True)
class EngineLine:
    text: str
    confidence: float
    quad: Quad
    """Coordinates in the pixels of the image the engine was given."""
    words: tuple[EngineWord, ...]


@dataclass(frozen=True)
class LayoutBox:
    label: str
    box: tuple[float, float, float, float]
    score: float


class OcrEngine(Protocol):
    name: str
    version: str
    model: str

    def read(self, image: np.ndarray) -> list[EngineLine]:
        """Detect and recognise every text line of a grayscale image, at the image's own resolution."""
        ...


class LayoutEngine(Protocol):
    name: str
    version: str
    model: str

    def detect(self, image: np.ndarray) -> list[LayoutBox]:
        """Layout regions of a grayscale page image, in that image's pixels."""
        ...


class EngineUnavailableError(RuntimeError):
    """An engine whose software is not installed; the message names what to install."""
