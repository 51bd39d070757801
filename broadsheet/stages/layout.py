"""Layout: regions from the CDLA model, checked against the pixels, before OCR.

`Layout` proposes regions from the layout model on a downscaled copy: text boxes cut at column
gutters, around pictures and headlines set in a column and at horizontal rules, pictures the model
missed, printed rules. Newspaper types come after OCR, when glyph sizes are known (broadsheet/stages/typing/).
"""

from __future__ import annotations

import sys
from itertools import pairwise

import cv2
import numpy as np

from broadsheet.config import LayoutConfig
from broadsheet.engines.base import LayoutBox, LayoutEngine
from broadsheet.model.geometry import Polygon, span_overlap, union_box
from broadsheet.model.page import Page, Region, RegionType
from broadsheet.stages.base import recorded_step, rules_version
from broadsheet.stages.working_images import WorkingImages

CDLA_TO_NEWSPAPER: dict[str, RegionType] = {
    "text": RegionType.body,
    "title": RegionType.headline,
    "figure": RegionType.figure,
    "figure_caption": RegionType.caption,
    "table": RegionType.table,
    "table_caption": RegionType.caption,
    "header": RegionType.running_header,
    "footer": RegionType.folio,
    "reference": RegionType.body,
    "equation": RegionType.body,
}
DUPLICATE_OVERLAP = 0.8
"""A detection lying this much inside another is the same region seen twice."""
RULE_ASPECT = 12
"""A printed rule is at least this many times as long as it is thick."""
RULE_SIDE_INK = 0.1
"""Most ink a vertical rule may have right beside it: a rule stands in white space, a letter's stem does not."""
GUTTER_MIN_WIDTH = 0.012
"""A column gutter is at least this share of the page's width (30 px at 300 dpi A4; a word space is less)."""
COLUMN_MIN_WIDTH = 0.08
"""Each part of a text box cut at a gutter is at least this share of the page wide: a column, not a word."""
PHOTO_MIN_SIDE = 0.08
"""A picture found in the pixels is at least this share of the page's width on each side."""


def resolve_overlaps(boxes: list[LayoutBox]) -> list[LayoutBox]:
    """Keep one of each pair of near-duplicate detections: overlaps breed duplicated lines."""
    kept: list[LayoutBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        polygon = Polygon.from_box(*box.box)
        duplicate = False
        for index, other in enumerate(kept):
            other_polygon = Polygon.from_box(*other.box)
            if polygon.overlap_ratio(other_polygon) >= DUPLICATE_OVERLAP or \
                    other_polygon.overlap_ratio(polygon) >= DUPLICATE_OVERLAP:
                if box.label == other.label:
                    x0, y0, x1, y1 = zip(box.box, other.box, strict=True)
                    kept[index] = LayoutBox(other.label, (min(x0), min(y0), max(x1), max(y1)), other.score)
                duplicate = True
                break
        if not duplicate:
            kept.append(box)
    return kept


def detect_rules(image: np.ndarray) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Printed rules: long thin runs of ink found by morphological opening.

    Returns ("horizontal" | "vertical", box) in the image's pixels. A horizontal rule is at least
    a tenth of the page wide. A vertical one may be as short as a thirtieth of the page's height
    (the rules between teaser boxes are short), so it must also be `RULE_ASPECT` times as long as
    it is thick and stand in white space: the stem of a large headline character has strokes
    joining it from the side.
    """
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = image.shape
    rules: list[tuple[str, tuple[float, float, float, float]]] = []
    # Odd kernel lengths keep the opening centred, so a rule's box is exactly its ink.
    kernels = (("horizontal", (max(41, width // 10 | 1), 1)), ("vertical", (1, max(41, height // 30 | 1))))
    for orientation, kernel in kernels:
        opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(opened)
        for x, y, w, h, _area in stats[1:count]:
            length, thickness = (w, h) if orientation == "horizontal" else (h, w)
            if thickness > max(6, min(height, width) // 300) * 3 or length < RULE_ASPECT * thickness:
                continue
            if orientation == "vertical" and not _stands_alone(ink, x, y, w, h):
                continue
            rules.append((orientation, (float(x), float(y), float(x + w), float(y + h))))
    return rules


def _stands_alone(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Whether the strips just left and right of a vertical run of ink are nearly blank along its length."""
    margin = max(3, w)
    left = ink[y:y + h, max(0, x - 2 * margin):max(0, x - margin // 2)]
    right = ink[y:y + h, x + w + margin // 2:x + w + 2 * margin]
    return all(strip.size == 0 or float(strip.mean()) / 255 < RULE_SIDE_INK for strip in (left, right))


def detect_photos(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Continuous-tone pictures: large solid areas of grey, found on a half-size copy.

    A median filter wipes out the grey edges of printed type, so what stays grey is a picture.
    Bitonal halftones are left to the layout model.
    """
    small = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    width = small.shape[1]
    grey = cv2.medianBlur(small, 5)
    grey = ((grey > 50) & (grey < 205)).astype(np.uint8)
    size = max(5, width // 150)
    grey = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    grey = cv2.morphologyEx(grey, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * size, 2 * size)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grey)
    return [(2.0 * x, 2.0 * y, 2.0 * (x + w), 2.0 * (y + h)) for x, y, w, h, area in stats[1:count]
            if w >= PHOTO_MIN_SIDE * width and h >= PHOTO_MIN_SIDE * width and area >= 0.5 * w * h]


def with_photos(boxes: list[LayoutBox], photos: list[tuple[float, float, float, float]]) -> list[LayoutBox]:
    """The model's figures checked against the pictures found in the pixels.

    A picture the model missed is added; a model figure far larger than the pictures inside it
    (one that swallowed the columns beside a photo) is cut down to them, and one that cut a
    picture short is grown to hold it.
    """
    photo_polygons = [Polygon.from_box(*photo) for photo in photos]
    result: list[LayoutBox] = []
    claimed: set[int] = set()
    for box in boxes:
        if box.label != "figure":
            result.append(box)
            continue
        figure = Polygon.from_box(*box.box)
        inside = [k for k, photo in enumerate(photo_polygons) if photo.overlap_ratio(figure) >= 0.5]
        claimed.update(inside)
        if inside and sum(photo_polygons[k].area for k in inside) < 0.6 * figure.area:
            result += [LayoutBox("figure", photos[k], box.score) for k in inside]
        else:
            grown = union_box([figure, *(photo_polygons[k] for k in inside)]).bounds
            result.append(LayoutBox("figure", grown, box.score))
    return result + [LayoutBox("figure", photo, 1.0) for k, photo in enumerate(photos) if k not in claimed
                     and not any(photo_polygons[k].overlap_ratio(Polygon.from_box(*b.box)) >= 0.5
                                 for b in result if b.label == "figure")]


def split_at_column_gutters(image: np.ndarray, boxes: list[LayoutBox],
                            vertical_rules: list[tuple[float, float, float, float]]) -> list[LayoutBox]:
    """A text box the model drew across two columns is cut at the blank gutter running through it.

    Otherwise the OCR stage sees one region and Latin lines read across the gutter stay whole.
    Only boxes a few lines tall are cut (a one-line box's word spaces are blank top to bottom),
    at a gap wider than `GUTTER_MIN_WIDTH` of the page that is blank through the whole box once
    column rules are set aside; each part must be a column wide.
    """
    height, width = image.shape
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for x0, y0, x1, y1 in vertical_rules:
        ink[int(y0):int(y1) + 1, max(0, int(x0) - 1):int(x1) + 2] = 0
    min_gap, min_part = GUTTER_MIN_WIDTH * width, COLUMN_MIN_WIDTH * width
    result: list[LayoutBox] = []
    for box in boxes:
        x0, y0, x1, y1 = (round(v) for v in box.box)
        if box.label != "text" or y1 - y0 < 0.05 * height or x1 - x0 < 2 * min_part:
            result.append(box)
            continue
        # A column of pixels with almost no ink from the box's top to its bottom is white space.
        blank = (ink[max(0, y0):y1, max(0, x0):x1] > 0).sum(axis=0) <= 0.01 * (y1 - y0)
        cuts = [x0]
        run_start = None
        for offset, is_blank in enumerate([*blank.tolist(), False]):
            if is_blank and run_start is None:
                run_start = offset
            elif not is_blank and run_start is not None:
                middle = x0 + (run_start + offset) / 2
                if offset - run_start >= min_gap and middle - cuts[-1] >= min_part and x1 - middle >= min_part:
                    cuts.append(middle)
                run_start = None
        edges = [*cuts, x1]
        result += [LayoutBox(box.label, (left, box.box[1], right, box.box[3]), box.score)
                   for left, right in pairwise(edges)]
    return result


INSET_LABELS = frozenset({"figure", "title"})
"""Blocks set inside a column's flow that the model may also cover with the column's text box."""


def cut_at_insets(boxes: list[LayoutBox]) -> list[LayoutBox]:
    """A text box the model drew down a column and over a picture or a headline set in it is the text above and below.

    Left whole, its box covers the inset, which is then dropped as a second detection of the
    text: a caption under the picture is read into the column, and a headline the OCR cannot
    read (hand-lettered outline type) no longer ends the story above it.
    """
    insets = sorted((Polygon.from_box(*b.box) for b in boxes if b.label in INSET_LABELS), key=lambda i: i.bounds[1])
    result: list[LayoutBox] = []
    for box in boxes:
        parts = [box.box]
        if box.label == "text":
            for inset in insets:
                ix0, iy0, ix1, iy1 = inset.bounds
                x0, y0, x1, y1 = parts[-1]
                if span_overlap(x0, x1, ix0, ix1) >= 0.7 * (x1 - x0) and y0 < iy0 and iy1 < y1:
                    parts[-1:] = [(x0, y0, x1, iy0), (x0, iy1, x1, y1)]
        result += [LayoutBox(box.label, part, box.score) for part in parts]
    return result


def cut_at_rules(boxes: list[LayoutBox], rules: list[tuple[float, float, float, float]], page_size: tuple[int, int],
                 config: LayoutConfig) -> list[LayoutBox]:
    """A text box the model drew across a horizontal rule is the text above the rule and the text below it.

    No line of print runs through a rule, so the two sides are two blocks whatever they hold; whether they are
    one story is typing's and the articles' decision, which weigh the rule with the other cues. Left whole, the
    box gathers the end of one story and the kicker or first lines of the next into one region (a page-wide
    rule under a story's columns, a box's frame under an editor's note). A rule counts where it runs across
    `rule_cut_span` of the box's width; each part keeps `rule_cut_min_part` of the page's height, so a rule
    grazing the box's edge cuts nothing. A box the model called a table is cut only by a rule running
    `rule_cut_table_overhang` of the page's width past both its edges: a table's own row rules end at its sides,
    a rule between stories runs on (the model boxes columns of running text as a "table" down the whole page).
    """
    height, width = page_size
    min_part, overhang = config.rule_cut_min_part * height, config.rule_cut_table_overhang * width
    top_down = sorted(rules, key=lambda r: r[1])
    result: list[LayoutBox] = []
    for box in boxes:
        parts = [box.box]
        if box.label in ("text", "table"):
            for rx0, ry0, rx1, ry1 in top_down:
                x0, y0, x1, y1 = parts[-1]
                runs_past = rx0 <= x0 - overhang and rx1 >= x1 + overhang
                if span_overlap(x0, x1, rx0, rx1) >= config.rule_cut_span * (x1 - x0) \
                        and (box.label == "text" or runs_past) \
                        and ry0 - y0 >= min_part and y1 - ry1 >= min_part:
                    parts[-1:] = [(x0, y0, x1, ry0), (x0, ry1, x1, y1)]
        result += [LayoutBox(box.label, part, box.score) for part in parts]
    return result


class Layout:
    name = "layout"

    def __init__(self, engine: LayoutEngine, config: LayoutConfig, images: WorkingImages) -> None:
        self.engine = engine
        self.config = config
        self.images = images

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"model": self.engine.model, "detect_side": self.config.detect_side,
                    "confidence": self.config.confidence,
                    # How the model's boxes are checked against the pixels (gutters, insets, rules, photos).
                    "rules": rules_version("layout", (sys.modules[__name__],), self.config)}
        with recorded_step(page, self.name, self.engine.name, self.engine.version, settings):
            image = self.images.read(page)
            boxes = with_photos(resolve_overlaps(self.engine.detect(image)), detect_photos(image))
            figures = [Polygon.from_box(*b.box) for b in boxes if b.label == "figure"]
            rules = [LayoutBox(label=f"rule-{orientation}", box=box, score=1.0)
                     for orientation, box in detect_rules(image)
                     # Straight edges inside a photo are not printed rules.
                     if not any(Polygon.from_box(*box).overlap_ratio(f) > 0.5 for f in figures)]
            boxes = cut_at_rules(cut_at_insets(boxes), [r.box for r in rules if r.label == "rule-horizontal"],
                                 image.shape, self.config)
            boxes = split_at_column_gutters(image, boxes, [r.box for r in rules if r.label == "rule-vertical"])
            boxes += rules
            page.regions = [
                Region(
                    id=f"{page.id}-r{index}",
                    type=RegionType.separator if box.label.startswith("rule-")
                    else CDLA_TO_NEWSPAPER.get(box.label, RegionType.body),
                    polygon=Polygon.from_box(*box.box).transform(page.transform.to_source)
                    .clamp(page.width, page.height),
                    confidence=round(box.score, 4),
                    detector_label=box.label,
                )
                for index, box in enumerate(boxes, start=1)
            ]
        return page
