"""Cutting a page into tiles the OCR engine reads at native resolution.

A tile edge runs only through white space: blank gutters between columns and blank rows
between lines, found by recursive XY-cut on the page's ink. So no line is ever cut and no
tile needs to overlap its neighbour. Where no blank cut exists (a block of dense, skewed
text), the block falls back to strips that overlap by more than a line is tall, and each line
belongs to the strip that owns its centre. For an engine whose memory grows with its input's pixels (rapidocr's
detector), a strip that is still wider than a tile (no gutter runs through it) is made shorter instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from broadsheet.engines.rapid_ocr import DET_WIDE_RATIO

MARGIN = 8
"""Paper kept around a tile's ink, where its block has it."""
PADDING = 16
"""White added around every tile before detection: the detector needs paper around each line."""
MIN_STRIP_OVERLAPS = 2
"""A strip shortened to keep its pixels within a tile's (`within_tile_area`) is at least this many overlaps tall, so
that each strip still advances down its block by an overlap or more."""


@dataclass(frozen=True)
class Tile:
    top: int
    bottom: int
    left: int
    right: int
    core_top: int
    core_bottom: int
    """A line whose centre lies outside [core_top, core_bottom) belongs to a neighbouring tile."""


def strips(height: int, strip_height: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """(top, bottom, core_top, core_bottom): cores partition the height; strips overlap by `overlap`."""
    if height <= strip_height:
        return [(0, height, 0, height)]
    result = []
    step = strip_height - overlap
    top = 0
    while True:
        bottom = min(top + strip_height, height)
        core_top = 0 if top == 0 else top + overlap // 2
        core_bottom = height if bottom == height else bottom - overlap // 2
        result.append((top, bottom, core_top, core_bottom))
        if bottom == height:
            return result
        top += step


def _blank_cut(profile: np.ndarray, min_run: int, tolerance: float) -> int | None:
    """The centre of the blank run nearest the middle, ignoring runs that touch either end."""
    blank = profile <= tolerance
    best: tuple[float, int] | None = None
    start = None
    for index, is_blank in enumerate([*blank.tolist(), False]):
        if is_blank and start is None:
            start = index
        elif not is_blank and start is not None:
            if index - start >= min_run and start > 0 and index < len(profile):
                centre = (start + index) // 2
                distance = abs(centre - len(profile) / 2)
                if best is None or distance < best[0]:
                    best = (distance, centre)
            start = None
    return best[1] if best else None


def _trim(ink: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> tuple[int, int, int, int] | None:
    """Shrink a block to its ink, never past its own bounds; None when it holds no ink."""
    rows = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=1))
    cols = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=0))
    if rows.size == 0:
        return None
    return (max(y0, y0 + rows[0] - MARGIN), min(y1, y0 + rows[-1] + 1 + MARGIN),
            max(x0, x0 + cols[0] - MARGIN), min(x1, x0 + cols[-1] + 1 + MARGIN))


def pixel_spread(gray: np.ndarray) -> float:
    """The standard deviation of the pixels, as np.std gives it, without np.std's float64 copy of the image (600 MB
    on a 7100x10590 page, the largest allocation of a stage that asks only whether the page is blank)."""
    _, deviation = cv2.meanStdDev(gray)
    return float(deviation[0, 0]) if gray.ndim == 2 else float(np.std(gray))


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink as booleans, with specks of scan noise opened away so they cannot block a cut."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return ink.astype(bool)


def without_rules(ink: np.ndarray) -> np.ndarray:
    """Ink less the long printed rules: a rule between columns or stories is a fine place to cut."""
    ink8 = ink.astype(np.uint8)
    rules = np.zeros_like(ink8)
    for kernel in ((1, max(100, ink.shape[0] // 12)), (max(100, ink.shape[1] // 12), 1)):
        rules |= cv2.morphologyEx(ink8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    return (ink8 & (1 - rules)).astype(bool)


def tiles(gray: np.ndarray, max_width: int, max_height: int, overlap: int,
          max_pixels: int | None = None) -> list[Tile]:
    """Tiles covering every bit of text, each within max_width x max_height where white space allows; with
    `max_pixels` (an engine whose memory grows with its input's pixels: rapidocr's detector), a strip wider than
    max_width is made shorter to hold at most that many (`within_tile_area`)."""
    ink = without_rules(ink_mask(gray))
    gutter = max(12, gray.shape[1] // 250)
    result: list[Tile] = []
    start = _trim(ink, 0, ink.shape[0], 0, ink.shape[1])
    pending = [start] if start else []
    while pending:
        y0, y1, x0, x1 = pending.pop()
        height, width = y1 - y0, x1 - x0
        if height <= max_height and width <= max_width:
            result.append(Tile(y0, y1, x0, x1, y0, y1))
            continue
        block = ink[y0:y1, x0:x1]
        pieces: list[tuple[int, int, int, int]] = []
        column = _blank_cut(block.sum(axis=0), gutter, 0.002 * height) if width > max_width else None
        if column is not None:
            pieces = [(y0, y1, x0, x0 + column), (y0, y1, x0 + column, x1)]
        else:
            row = _blank_cut(block.sum(axis=1), 3, 0.002 * width) if height > max_height else None
            if row is None and width <= max_width:
                column = _blank_cut(block.sum(axis=0), gutter, 0.002 * height)
                if column is not None:
                    pieces = [(y0, y1, x0, x0 + column), (y0, y1, x0 + column, x1)]
            elif row is not None:
                pieces = [(y0, y0 + row, x0, x1), (y0 + row, y1, x0, x1)]
        if pieces:
            pending.extend(trimmed for piece in pieces if (trimmed := _trim(ink, *piece)))
            continue
        for top, bottom, core_top, core_bottom in strips(height, max_height, overlap):
            # A strip is shorter than its block, so a gutter the block lacked (a headline spanning it
            # lies in one strip only) may run through the strip: cut there to keep tiles narrow.
            for left, right in _column_segments(ink, y0 + top, y0 + bottom, x0, x1, max_width, gutter):
                strip = Tile(y0 + top, y0 + bottom, left, right, y0 + core_top, y0 + core_bottom)
                result.extend(within_tile_area(strip, max_pixels, overlap) if max_pixels else [strip])
    return sorted(result, key=lambda t: (t.top, t.left))


def within_tile_area(strip: Tile, area: int, overlap: int) -> list[Tile]:
    """A strip with at most `area` pixels as it is; a larger one (a block with no gutter, as wide as the block) cut
    into shorter strips that each hold at most `area` pixels, overlapping by `overlap` as strips do, their cores
    partitioning the strip's own core.

    The width is never cut: a line would be. Height is what can give, down to MIN_STRIP_OVERLAPS overlaps (so a strip
    wider than area / that height keeps that height and holds a little more). On GBN pages (7100 px wide) strips of
    7000 x 2000 px (14 MP) became 7100 x 888 (6.3 MP). OpenVINO's detector holds about 150 bytes a pixel of its
    largest input (measured: 5.6 MP, 0.87 GB; 18 MP, 2.8 GB)."""
    width, height = strip.right - strip.left, strip.bottom - strip.top
    # Never wider than DET_WIDE_RATIO times its height either: rapidocr would pad it to a quarter of its width.
    strip_height = max(area // max(width, 1), MIN_STRIP_OVERLAPS * overlap, -(-width // DET_WIDE_RATIO))
    if width * height <= area or strip_height >= height:
        return [strip]
    result = []
    for top, bottom, core_top, core_bottom in strips(height, strip_height, overlap):
        first, last = max(strip.core_top, strip.top + core_top), min(strip.core_bottom, strip.top + core_bottom)
        if first < last:
            result.append(Tile(strip.top + top, strip.top + bottom, strip.left, strip.right, first, last))
    return result


def _column_segments(ink: np.ndarray, y0: int, y1: int, x0: int, x1: int, max_width: int,
                     gutter: int) -> list[tuple[int, int]]:
    """Split [x0, x1) at gutters blank through rows y0..y1 until each piece fits max_width, if it can."""
    if x1 - x0 <= max_width:
        return [(x0, x1)]
    column = _blank_cut(ink[y0:y1, x0:x1].sum(axis=0), gutter, 0.002 * (y1 - y0))
    if column is None:
        return [(x0, x1)]
    return [*_column_segments(ink, y0, y1, x0, x0 + column, max_width, gutter),
            *_column_segments(ink, y0, y1, x0 + column, x1, max_width, gutter)]
