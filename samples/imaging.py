"""Pixels that are not text: synthetic photographs and scan-like degradation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageFilter


def synth_photo(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A grayscale 'press photo': sky, horizon, buildings or hills, a foreground, grain. No text.

    It only has to look like a halftoned photo to a layout model (large smooth areas, edges,
    texture), so a few random shapes are enough.
    """
    w, h = max(8, width), max(8, height)
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    sky_top, sky_bottom = rng.uniform(150, 200), rng.uniform(200, 245)
    img = np.empty((h, w), dtype=np.float32)
    img[:] = sky_top + (sky_bottom - sky_top) * yy + rng.uniform(-20, 20) * xx
    horizon = int(h * rng.uniform(0.45, 0.7))
    unit = max(w, h)

    if rng.random() < 0.4:
        cx, cy, r = int(w * rng.uniform(0.1, 0.9)), int(horizon * rng.uniform(0.15, 0.5)), int(unit * 0.05)
        cv2.circle(img, (cx, cy), max(2, r), float(rng.uniform(235, 255)), -1, lineType=cv2.LINE_AA)
    # Far hills, then a skyline or trees: overlapping silhouettes give the picture depth.
    for layer, shade in ((0, rng.uniform(120, 160)), (1, rng.uniform(70, 110))):
        xs = np.linspace(0, w, 12)
        ys = horizon - rng.uniform(0.02, 0.18 if layer == 0 else 0.1, size=xs.size) * h
        poly = np.array([[0, h], *zip(xs, ys, strict=True), [w, h]], dtype=np.int32)
        cv2.fillPoly(img, [poly], float(shade), lineType=cv2.LINE_AA)
    if rng.random() < 0.6:
        x = 0
        while x < w:
            bw = int(unit * rng.uniform(0.04, 0.12))
            bh = int(h * rng.uniform(0.1, 0.45))
            shade = float(rng.uniform(40, 120))
            cv2.rectangle(img, (x, horizon - bh), (x + bw, horizon + 5), shade, -1)
            win = max(2, bw // 8)
            for wy in range(horizon - bh + win, horizon - win, win * 2):
                for wx in range(x + win, x + bw - win, win * 2):
                    if rng.random() < 0.5:
                        cv2.rectangle(img, (wx, wy), (wx + win - 1, wy + win - 1), shade + 60, -1)
            x += bw + int(unit * rng.uniform(0.0, 0.05))
    ground_shade = rng.uniform(60, 120)
    img[horizon:, :] = ground_shade + (img[horizon:, :] - ground_shade) * 0.25 + 30 * yy[horizon:]
    # Foreground figures (people, machines): dark blobs standing on the ground.
    for _ in range(int(rng.integers(1, 5))):
        cx = int(w * rng.uniform(0.05, 0.95))
        base = int(h * rng.uniform(0.8, 0.98))
        fh = int(h * rng.uniform(0.15, 0.4))
        fw = max(2, int(fh * rng.uniform(0.2, 0.5)))
        shade = float(rng.uniform(10, 60))
        cv2.ellipse(img, (cx, base - fh // 2), (fw // 2, fh // 2), 0, 0, 360, shade, -1, lineType=cv2.LINE_AA)
        cv2.circle(img, (cx, base - fh - fw // 3), max(2, fw // 3), shade, -1, lineType=cv2.LINE_AA)
    sigma = max(0.8, unit / 600)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    img += rng.normal(0.0, 9.0, size=img.shape).astype(np.float32)
    # Vignette: lens fall-off is one of the cues that say "photograph".
    vignette = 1.0 - 0.25 * (((xx - 0.5) * 2) ** 2 + ((yy - 0.5) * 2) ** 2) / 2
    img *= vignette
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Degradation:
    """Scan-like damage. ``skew_degrees`` > 0 turns the content counter-clockwise as displayed."""

    skew_degrees: float = 0.0
    noise_sigma: float = 0.0
    blur_radius: float = 0.0
    jpeg_quality: int | None = None

    @classmethod
    def none(cls) -> Degradation:
        return cls()

    @classmethod
    def random(cls, rng: np.random.Generator, strength: str = "normal") -> Degradation:
        """Seeded parameters. 'light' keeps skew within 1° and JPEG at quality 80."""
        if strength == "light":
            skew = float(rng.uniform(0.3, 1.0)) * float(rng.choice([-1.0, 1.0]))
            return cls(
                skew_degrees=round(skew, 2),
                noise_sigma=round(float(rng.uniform(2.5, 4.5)), 1),
                blur_radius=round(float(rng.uniform(0.3, 0.6)), 2),
                jpeg_quality=80,
            )
        skew = float(rng.uniform(0.3, 1.5)) * float(rng.choice([-1.0, 1.0]))
        return cls(
            skew_degrees=round(skew, 2),
            noise_sigma=round(float(rng.uniform(3.0, 10.0)), 1),
            blur_radius=round(float(rng.uniform(0.3, 1.0)), 2),
            jpeg_quality=int(rng.integers(70, 91)),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def matrix(self, width: int, height: int) -> np.ndarray:
        """The 2x3 affine that maps clean-page pixels to degraded-image pixels (OpenCV convention)."""
        return cv2.getRotationMatrix2D((width / 2.0, height / 2.0), self.skew_degrees, 1.0)

    def apply(self, image: Image.Image, rng: np.random.Generator) -> Image.Image:
        """Skew, blur and noise. JPEG compression happens when the page is written."""
        if self.skew_degrees:
            arr = np.asarray(image)
            arr = cv2.warpAffine(
                arr,
                self.matrix(image.width, image.height),
                (image.width, image.height),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=255,
            )
            image = Image.fromarray(arr)
        if self.blur_radius > 0:
            image = image.filter(ImageFilter.GaussianBlur(self.blur_radius))
        if self.noise_sigma > 0:
            arr = np.asarray(image, dtype=np.float32)
            arr = arr + rng.normal(0.0, self.noise_sigma, size=arr.shape).astype(np.float32)
            image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        return image
