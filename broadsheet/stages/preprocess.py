"""Preprocess: grayscale and deskew, keeping the transform so every coordinate maps back."""

from __future__ import annotations

import cv2
import numpy as np

from broadsheet import __version__
from broadsheet.config import PreprocessConfig
from broadsheet.engines.pdf_text import reads_text_layer
from broadsheet.engines.tiling import pixel_spread
from broadsheet.ingest.files import load_gray
from broadsheet.ingest.folds import cut_piece
from broadsheet.model.page import Flag, Page, PreprocessTransform, Severity
from broadsheet.stages.base import recorded_step
from broadsheet.stages.working_images import WorkingImages

SKEW_SAMPLE_WIDTH = 1000


def _profile_sharpness(ink: np.ndarray, degrees: float) -> float:
    """Text lines give a spiky row profile only when the page is level."""
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.var(np.diff(rows)))


def estimate_skew(gray: np.ndarray, max_degrees: float) -> float:
    """The rotation (degrees, OpenCV sign) that levels the text lines, by projection profiles."""
    scale = min(1.0, SKEW_SAMPLE_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() < 0.002:
        return 0.0
    best = 0.0
    for step in (0.5, 0.1, 0.02):
        span = max_degrees if step == 0.5 else step * 5
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = float(max(candidates, key=lambda a: _profile_sharpness(ink, a)))
    return round(best, 2)


def rotate_page(gray: np.ndarray, degrees: float) -> tuple[np.ndarray, PreprocessTransform]:
    """Rotate onto a canvas large enough to keep every source pixel."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = round(h * sin + w * cos), round(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    rotated = cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    inverse = cv2.invertAffineTransform(matrix)
    transform = PreprocessTransform(
        skew_degrees=degrees,
        to_working=tuple(tuple(float(v) for v in row) for row in matrix),  # type: ignore[arg-type]
        to_source=tuple(tuple(float(v) for v in row) for row in inverse),  # type: ignore[arg-type]
        working_width=new_w,
        working_height=new_h,
    )
    return rotated, transform


def shifted(transform: PreprocessTransform, x_offset: int) -> PreprocessTransform:
    """The transform of a working image made from the source's columns from x_offset on (one side of a fold)."""
    shift = np.array([[1.0, 0.0, -x_offset], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    to_working = np.vstack([np.asarray(transform.to_working), [0, 0, 1]]) @ shift
    to_source = np.linalg.inv(to_working)
    return transform.model_copy(update={
        "to_working": tuple(tuple(float(v) for v in row) for row in to_working[:2]),
        "to_source": tuple(tuple(float(v) for v in row) for row in to_source[:2]),
    })


class Preprocess:
    name = "preprocess"

    def __init__(self, config: PreprocessConfig, images: WorkingImages) -> None:
        self.config = config
        self.images = images

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"deskew": self.config.deskew, "max_skew_degrees": self.config.max_skew_degrees}
        with recorded_step(page, self.name, "broadsheet/opencv", f"{__version__}/{cv2.__version__}", settings):
            gray = load_gray(page)
            if page.crop is not None:  # one side of a fold: the stages see its pixels, coordinates stay the source's
                gray = cut_piece(gray, page.crop)
            # A born-digital PDF page is level by construction, and its text layer's coordinates must stay exact.
            deskew = self.config.deskew and not reads_text_layer(page)
            degrees = estimate_skew(gray, self.config.max_skew_degrees) if deskew else 0.0
            if abs(degrees) >= self.config.max_skew_degrees - 0.05:
                page.flags.append(
                    Flag(code="skew-limit", reason=f"skew reached the {self.config.max_skew_degrees}° search "
                         "limit; the page may be rotated", severity=Severity.warning)
                )
            if abs(degrees) >= 0.05:
                working, transform = rotate_page(gray, degrees)
            else:
                working = gray
                transform = PreprocessTransform(working_width=gray.shape[1], working_height=gray.shape[0])
            if float(working.mean()) < 40:
                page.flags.append(Flag(code="dark-page", severity=Severity.warning,
                                       reason="the page is almost entirely dark: a failed or unexposed scan?"))
            elif pixel_spread(working) < 2.0:
                page.flags.append(Flag(code="blank-page", reason="the page has no visible content",
                                       severity=Severity.warning))
            page.transform = shifted(transform, page.crop.x_range[0]) if page.crop is not None else transform
            self.images.write(page, working)
        return page
