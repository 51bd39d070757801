"""Working images: the pixels the stages read, kept per run beside the page model, never inside it.

Preprocess writes a page's working image (grayscale, deskewed) and Orientation a turned one: each a version of its
own, never written over. A version's key is the page id and a digest of what its pixels are made of: the source's
bytes and frame (for a PDF page, its rendering) and the transform the stages applied. A stage reads the version its
page's transform names, so a page before orientation still reads the image as preprocessing left it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import cv2
import numpy as np

from broadsheet.atomic import write_bytes_atomic
from broadsheet.model.page import Page

PIXEL_SOURCES = frozenset({"sha256", "frame", "pdf", "width", "height", "crop", "transform"})
"""The page's fields that decide its working image's pixels."""


def image_version(page: Page) -> str:
    """The version of the working image that belongs to the page as it now is."""
    made_of = json.dumps(page.model_dump(mode="json", include=set(PIXEL_SOURCES)), sort_keys=True)
    return hashlib.sha256(made_of.encode()).hexdigest()[:16]


class WorkingImages:
    """One run's working images, in a folder per page; a run creates it in its work folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: dict[Path, np.ndarray] = {}
        """The versions of the page this object wrote last, decoded: each stage's read of them costs a copy instead
        of a PNG decode (a fifth of a second on an A4 page at 300 dpi, four reads a page). One page's only, so that
        a caller that never discards keeps no more than that in memory."""

    def path(self, page: Page) -> Path:
        return self.folder / page.id / f"{image_version(page)}.png"

    def write(self, page: Page, image: np.ndarray) -> None:
        """Keep `image` as the working image of the page as it now is (after the stage set its transform)."""
        # Encoded in memory, then written by write_bytes_atomic: a full disk raises OSError with its errno
        # (cv2.imwrite only returns False), so the run stops with a clear error instead of failing every page.
        encoded, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not encoded:
            raise ValueError(f"cannot encode the working image of {page.id}")
        path = self.path(page)
        write_bytes_atomic(path, data.tobytes())
        self._held = {held: pixels for held, pixels in self._held.items() if held.parent == path.parent}
        if image.ndim == 2 and image.dtype == np.uint8:  # what reading the PNG back as grayscale gives, exactly
            self._held[path] = image.copy()

    def read(self, page: Page) -> np.ndarray:
        """The page's working image as grayscale; OSError where none was written for the page as it now is."""
        path = self.path(page)
        held = self._held.get(path)
        if held is not None and path.is_file():
            return held.copy()  # a stage may draw on what it reads
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) if path.is_file() else None
        if image is None:
            raise OSError(f"no working image of page {page.id} as it now is ({path}): has it been preprocessed?")
        return image

    def discard(self, page_id: str) -> None:
        """Remove every version of a page's working image: they are needed only while its stages run."""
        shutil.rmtree(self.folder / page_id, ignore_errors=True)
        self._held = {path: pixels for path, pixels in self._held.items() if path.parent.name != page_id}
