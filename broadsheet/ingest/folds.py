"""Folds: a scan that holds two pages side by side (an unfolded sheet) is cut into one page per side.

A fold shows itself by two signs weighed together: the scan is landscape while a newspaper page is portrait, and a
gutter runs clear of text down the whole printed height near the middle. A column gap inside one page is crossed
somewhere (a spanning headline, a picture, a rule between stories), so it is never taken for a gutter; a page whose
columns happen to be clear the whole way down is still left whole unless every piece keeps a page's shape. Printed
rules and the page frames either side of the gutter are not text and are set aside first; so are rows the scanner's
dark background fills. A crooked fold is searched at slants up to `fold_max_skew_degrees`: the gutter is a line
x = x0 + slope * y, and each piece keeps it as its edge (`PageCrop`), so no pixel of the other page leaks in.

Some sheets carry a narrow strip between the two pages (the ECPO folds: a column of advertisements): it lies
between two gutters and becomes a piece of its own, so none of its text is lost or read into a page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from broadsheet.config import IngestConfig
from broadsheet.model.page import PageCrop

SAMPLE_WIDTH = 1500
"""The scan is searched at about this width: a gutter is tens of pixels wide at full resolution."""
RULE_LENGTH = 0.08
"""Straight ink runs longer than this share of the height (or width) are printed rules or frames, not text."""
DARK_ROW = 0.85
"""A row more than this share dark is the scanner's background, not the printed page."""
SLANT_STEP_DEGREES = 0.25
PAGE_ASPECT = 1.0
"""Each page cut from a fold (the strip between two pages aside) is at least as tall as it is wide."""


@dataclass(frozen=True)
class Gutter:
    """A band clear of text down the page, in source pixels: x of its middle at the top and at the bottom."""

    top: float
    bottom: float
    width: float


def text_ink(gray: np.ndarray) -> np.ndarray:
    """Ink that may be text: Otsu's dark pixels, less long straight rules and the scanner's dark rows."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = ink.shape
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(3, int(RULE_LENGTH * height)), 1), np.uint8))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(3, int(RULE_LENGTH * width))), np.uint8))
    text = cv2.medianBlur((ink & ~(vertical | horizontal).astype(bool)).astype(np.uint8), 3)  # specks are no text
    text[ink.mean(axis=1) > DARK_ROW] = 0
    return text.astype(bool)


def _sheared(ink: np.ndarray, slope: float) -> np.ndarray:
    """The ink with each row shifted so that the line x = x0 + slope * (y - middle) stands upright at x0."""
    height, width = ink.shape
    matrix = np.array([[1.0, -slope, slope * height / 2], [0.0, 1.0, 0.0]])
    return cv2.warpAffine(ink.astype(np.uint8), matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)


def _clear_runs(clear: np.ndarray, first: int, last: int, min_width: int) -> list[tuple[int, int]]:
    """Runs of clear columns within [first, last) at least min_width wide."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for x in range(first, last + 1):
        if x < last and clear[x]:
            start = x if start is None else start
        elif start is not None:
            if x - start >= min_width:
                runs.append((start, x))
            start = None
    return runs


def find_gutters(gray: np.ndarray, config: IngestConfig) -> list[Gutter]:
    """Gutters clear of text down the whole printed height, within the central band, at the slant where they
    are widest; in source pixels, left to right. None for a portrait scan."""
    height, width = gray.shape
    if width < config.fold_min_aspect * height:
        return []
    scale = min(1.0, SAMPLE_WIDTH / width)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = text_ink(small)
    printed_rows = max(1, int((ink.any(axis=1)).sum()))
    _h, w = ink.shape
    first, last = int(w * (0.5 - config.fold_central_band)), math.ceil(w * (0.5 + config.fold_central_band))
    min_width = max(2, round(config.fold_min_gutter * w))
    best: tuple[float, float, list[tuple[int, int]]] | None = None
    steps = int(config.fold_max_skew_degrees / SLANT_STEP_DEGREES)
    for step in range(-steps, steps + 1):
        slope = math.tan(math.radians(step * SLANT_STEP_DEGREES))
        rows_with_ink = _sheared(ink, slope).sum(axis=0)
        runs = _clear_runs(rows_with_ink <= config.fold_max_ink_rows * printed_rows, first, last, min_width)
        widest = max((b - a for a, b in runs), default=0)
        if widest and (best is None or widest > best[0]):
            best = (widest, slope, runs)
    if best is None:
        return []
    widest, slope, runs = best
    # The gaps between a page's columns can be clear the whole way down too (at the slant of a crooked scan more
    # so); a gutter is wider than they are: runs much narrower than the widest are column gaps.
    wide = [run for run in runs if run[1] - run[0] >= config.fold_gutter_share_of_widest * widest]
    # Runs a speck apart are one band's fringes. A fold has one gutter, or two around the strip between its pages;
    # a page turned sideways has a band as wide between every two of its lines, none standing out: it is one page.
    bands = [run for k, run in enumerate(wide) if k == 0 or run[0] - wide[k - 1][1] >= widest]
    if len(bands) > config.fold_max_gutters:
        return []
    gutters = []
    for start, stop in wide:
        middle = (start + stop) / 2 / scale
        half_drop = slope * height / 2
        gutters.append(Gutter(top=middle - half_drop, bottom=middle + half_drop, width=(stop - start) / scale))
    return gutters


def fold_pieces(gray: np.ndarray, config: IngestConfig) -> list[PageCrop]:
    """The pieces a scan is cut into at its gutters, left to right; none when it is one page.

    Of clear runs next to one another only the widest counts (one gutter, not its fringes). A cut is kept only
    when every piece is at least `fold_min_piece` of the width and the outermost pieces (the pages) keep a page's
    portrait shape; else the scan is one page, whole."""
    height, width = gray.shape
    gutters = _separate(find_gutters(gray, config), config.fold_min_piece * width)
    if not gutters:
        return []
    edges = [(0.0, 0.0), *((g.top, g.bottom) for g in gutters), (float(width), float(width))]
    pieces = [PageCrop(piece=k, pieces=len(edges) - 1, left=edges[k], right=edges[k + 1])
              for k in range(len(edges) - 1)]
    widths = [(sum(p.right) - sum(p.left)) / 2 for p in pieces]
    pages = (pieces[0], pieces[-1])
    # The two pages of a sheet are one size, and what lies between them is a narrow strip: bands elsewhere (the
    # white between a sideways page's stories) leave pieces of any width.
    if min(widths) < config.fold_min_piece * width or any(w > config.fold_max_strip * width for w in widths[1:-1]) \
            or abs(widths[0] - widths[-1]) > config.fold_page_difference * width \
            or any(height < PAGE_ASPECT * (max(p.right) - min(p.left)) for p in pages):
        return []
    return pieces


def _separate(gutters: list[Gutter], min_apart: float) -> list[Gutter]:
    """Gutters closer than a piece's least width are one gutter's fringes: the widest stands for them."""
    kept: list[Gutter] = []
    for gutter in gutters:
        if kept and abs(gutter.top - kept[-1].top) < min_apart:
            if gutter.width > kept[-1].width:
                kept[-1] = gutter
            continue
        kept.append(gutter)
    return kept


def cut_piece(gray: np.ndarray, crop: PageCrop) -> np.ndarray:
    """The piece's pixels: the columns between its edges, blank (white) beyond a slanting edge."""
    x0, x1 = crop.x_range
    piece = gray[:, x0:x1].copy()
    height = gray.shape[0]
    rows = np.arange(height, dtype=np.float64)[:, None]
    columns = np.arange(x0, x1, dtype=np.float64)[None, :]
    left = crop.left[0] + (crop.left[1] - crop.left[0]) * rows / max(1, height - 1)
    right = crop.right[0] + (crop.right[1] - crop.right[0]) * rows / max(1, height - 1)
    piece[(columns < left) | (columns >= right)] = 255
    return piece
