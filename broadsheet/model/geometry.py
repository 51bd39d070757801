"""The one geometry type used everywhere: a polygon in pixel coordinates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import median

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

Point = tuple[float, float]
IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))


class Polygon(BaseModel):
    """A closed polygon, points in order. Coordinates are source-image pixels unless a stage says otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    points: tuple[Point, ...]

    @field_validator("points")
    @classmethod
    def _at_least_three(cls, points: tuple[Point, ...]) -> tuple[Point, ...]:
        if len(points) < 3:
            raise ValueError("a polygon needs at least three points")
        return tuple((float(x), float(y)) for x, y in points)

    def __deepcopy__(self, memo: dict[int, object]) -> Polygon:
        # Frozen, and its points are tuples of floats: a copy could never differ. Every stage deep-copies its page,
        # and the polygons are most of what there is to copy.
        return self

    @classmethod
    def from_box(cls, x0: float, y0: float, x1: float, y1: float) -> Polygon:
        # Four corners of floats are what the validator would make of them: built without it, as a page's every
        # line, word and block box is (a hundred thousand a page of existing OCR).
        x0, y0, x1, y1 = float(x0), float(y0), float(x1), float(y1)
        return cls.model_construct(points=((x0, y0), (x1, y0), (x1, y1), (x0, y1)))

    @classmethod
    def from_points(cls, points: Iterable[Sequence[float]]) -> Polygon:
        return cls(points=tuple((float(p[0]), float(p[1])) for p in points))

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        # Cached: the polygon is frozen, and the typing stage asks for the bounds of a block millions of times.
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def width(self) -> float:
        x0, _, x1, _ = self.bounds
        return x1 - x0

    @property
    def height(self) -> float:
        _, y0, _, y1 = self.bounds
        return y1 - y0

    @property
    def center(self) -> Point:
        x0, y0, x1, y1 = self.bounds
        return (x0 + x1) / 2, (y0 + y1) / 2

    @property
    def area(self) -> float:
        pts = np.asarray(self.points)
        x, y = pts[:, 0], pts[:, 1]
        return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)

    def box(self) -> Polygon:
        """The axis-aligned bounding box as a polygon."""
        return Polygon.from_box(*self.bounds)

    def scale(self, factor: float) -> Polygon:
        return Polygon(points=tuple((x * factor, y * factor) for x, y in self.points))

    def translate(self, dx: float, dy: float) -> Polygon:
        return Polygon(points=tuple((x + dx, y + dy) for x, y in self.points))

    def transform(self, matrix: Sequence[Sequence[float]]) -> Polygon:
        """Apply a 2x3 affine matrix (OpenCV convention)."""
        if matrix == IDENTITY or tuple(map(tuple, matrix)) == IDENTITY:  # the first test is free for tuples
            return self  # a page never deskewed (existing OCR, a text-layer PDF): nothing to compute
        m = np.asarray(matrix, dtype=float)
        pts = np.hstack([np.asarray(self.points), np.ones((len(self.points), 1))])
        return Polygon.from_points((pts @ m.T).tolist())

    def clamp(self, width: float, height: float) -> Polygon:
        return Polygon(
            points=tuple((min(max(x, 0.0), width), min(max(y, 0.0), height)) for x, y in self.points)
        )

    def intersection_area(self, other: Polygon) -> float:
        """Bounding-box intersection: regions and lines on a deskewed page are near-rectangular."""
        w, h = horizontal_overlap(self, other), vertical_overlap(self, other)
        return w * h if w > 0 and h > 0 else 0.0

    def iou(self, other: Polygon) -> float:
        inter = self.intersection_area(other)
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0

    def overlap_ratio(self, other: Polygon) -> float:
        """Share of this polygon's box that lies inside the other's box."""
        own = self.width * self.height
        return self.intersection_area(other) / own if own > 0 else 0.0


def union_box(polygons: Iterable[Polygon]) -> Polygon:
    boxes = [p.bounds for p in polygons]
    if not boxes:
        raise ValueError("union of no polygons")
    return Polygon.from_box(
        min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)
    )


def span_overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """How far the spans a0..a1 and b0..b1 overlap; negative: the gap between them. The one overlap test: boxes use
    it through `horizontal_overlap` and `vertical_overlap`, a column's running x-range directly."""
    return min(a1, b1) - max(a0, b0)


def horizontal_overlap(a: Polygon, b: Polygon) -> float:
    """How far two boxes overlap along x; negative: the gap between them."""
    return span_overlap(a.bounds[0], a.bounds[2], b.bounds[0], b.bounds[2])


def vertical_overlap(a: Polygon, b: Polygon) -> float:
    """How far two boxes overlap along y; negative: the gap between them."""
    return span_overlap(a.bounds[1], a.bounds[3], b.bounds[1], b.bounds[3])


def shares_span(a0: float, a1: float, b0: float, b1: float, share: float = 0.5) -> bool:
    """The spans a0..a1 and b0..b1 overlap by at least `share` of the shorter one."""
    return span_overlap(a0, a1, b0, b1) >= share * min(a1 - a0, b1 - b0)


def same_row(a: Polygon, b: Polygon, share: float = 0.5) -> bool:
    """Side by side on one row: sharing at least `share` of the lower one's height."""
    return shares_span(a.bounds[1], a.bounds[3], b.bounds[1], b.bounds[3], share)


def set_under(box: Polygon, block: Polygon, max_gap: float, others: Iterable[Polygon], reach: float) -> bool:
    """Set just under a block, within `max_gap`, inside its width widened by `reach` of it either side, and with
    nothing but the block's own parts (`others` are the page's other boxes) over it below the block's top: a byline
    flush left under a headline centred over the story's columns, not a caption under a picture beside it."""
    gap = box.bounds[1] - block.bounds[3]
    if not (-0.5 * min(box.height, block.height) <= gap <= max_gap
            and block.bounds[0] - reach * block.width <= box.bounds[0]
            and box.bounds[2] <= block.bounds[2] + reach * block.width):
        return False
    return not any(horizontal_overlap(other, box) > 0 and block.bounds[1] < other.bounds[3] <= box.center[1]
                   and other.overlap_ratio(block) < 0.5 for other in others if other is not box)


def text_cover(box: Polygon, lines: Iterable[Polygon]) -> float:
    """Share of a box's area that text lines cover (each line's box clipped to it)."""
    covered = sum(max(0.0, horizontal_overlap(box, ln)) * max(0.0, vertical_overlap(box, ln)) for ln in lines)
    return covered / box.area if box.area else 1.0


@dataclass(frozen=True)
class ColumnEdge:
    """Where the lines of a column start, and how tall they are: what tells an indented line."""

    left: float
    line_height: float

    @classmethod
    def of(cls, lines: Sequence[Polygon]) -> ColumnEdge:
        # Most lines of a column start at its edge; a stray wide box must not make them all look indented.
        return cls(sorted(box.bounds[0] for box in lines)[len(lines) // 4], median(box.height for box in lines))

    def indents(self, line: Polygon, indent: float) -> bool:
        """The line starts more than `indent` line heights right of the edge (ArticlesConfig.indent): the first line
        of a paragraph."""
        return line.bounds[0] - self.left > indent * self.line_height
