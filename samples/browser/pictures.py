"""Press-photo stand-ins for the browser pages: gradients, blobs and grain drawn with numpy, as PNG data URIs.

They only have to read as photographs to a layout model (smooth tone, soft shapes, texture, no text).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def photo(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A grayscale picture of ``width`` x ``height`` pixels: a tilted tonal gradient, a few soft blobs, grain."""
    w, h = max(16, width), max(16, height)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy /= h
    xx /= w
    angle = rng.uniform(0, np.pi)
    ramp = np.cos(angle) * xx + np.sin(angle) * yy
    low, high = sorted(rng.uniform(30, 235, size=2))
    img = low + (high - low) * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    for _ in range(int(rng.integers(3, 9))):
        cx, cy = rng.uniform(0, 1, size=2)
        rx, ry = rng.uniform(0.05, 0.35, size=2)
        blob = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
        img += rng.uniform(-110, 110) * blob
    # A hard horizon or an edge: photographs have sharp transitions, not only smooth tone.
    if rng.random() < 0.7:
        horizon = rng.uniform(0.4, 0.8) + 0.08 * np.sin(xx * rng.uniform(3, 12) + rng.uniform(0, 6))
        img = np.where(yy > horizon, img * rng.uniform(0.35, 0.7), img)
    img += rng.normal(0.0, rng.uniform(5, 14), size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def data_uri(pixels: np.ndarray) -> str:
    """The picture as an inline ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
