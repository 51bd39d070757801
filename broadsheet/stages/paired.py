"""Existing OCR with its page image: the layout evidence from the pixels, the text from the OCR.

An archive's OCR carries the words but rarely the rules, frames and pictures that separate stories. With the
image at hand (`broadsheet run page.jp2 --ocr page.xml`, or an image and an OCR file of one name in a folder),
the page is preprocessed as a scan is (its working image and deskew), `LayoutEvidence` adds the printed rules
and the pictures the image shows (the typing stage finds frames from the rules and the ink), and the text is
never read again, except, with `ExistingOcrConfig.reocr_below`, the lines whose own word confidences (ALTO WC)
are poor: `ReadAgain` reads those with our engine and keeps the original in `Line.reread`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from broadsheet.engines.base import LayoutBox, LayoutEngine, OcrEngine
from broadsheet.ingest.readers import REBUILT_BLOCK
from broadsheet.model.geometry import Polygon, text_cover, union_box
from broadsheet.model.ids import renumbered
from broadsheet.model.page import Line, Page, Region, RegionType, Word
from broadsheet.stages.base import lines_box, recorded_step, to_working
from broadsheet.stages.layout import (
    CDLA_TO_NEWSPAPER,
    cut_at_insets,
    detect_photos,
    detect_rules,
    resolve_overlaps,
    split_at_column_gutters,
    with_photos,
)
from broadsheet.stages.working_images import WorkingImages


class LayoutEvidence:
    """Printed rules and pictures from the page image, added to existing OCR's text blocks as regions."""

    name = "layout-evidence"

    def __init__(self, engine: LayoutEngine, figure_text_share: float, images: WorkingImages) -> None:
        self.engine, self.figure_text_share, self.images = engine, figure_text_share, images

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, self.engine.name, self.engine.version,
                           {"figure_text_share": self.figure_text_share}) as step:
            image = self.images.read(page)
            lines = [to_working(page, line.polygon) for region in page.regions for line in region.lines]
            boxes = with_photos(resolve_overlaps(self.engine.detect(image)), detect_photos(image))
            figures = [Polygon.from_box(*b.box) for b in boxes if b.label == "figure"]
            figures = [f for f in figures if text_cover(f, lines) < self.figure_text_share]
            rules = [Polygon.from_box(*box) for _, box in detect_rules(image)
                     if not any(Polygon.from_box(*box).overlap_ratio(f) > 0.5 for f in figures)]
            if page.regions and all(r.detector_label == REBUILT_BLOCK for r in page.regions if r.lines):
                text_boxes = split_at_column_gutters(image, cut_at_insets([b for b in boxes if b.label != "figure"]),
                                                     [box for kind, box in detect_rules(image) if kind == "vertical"])
                page.regions = self._regrouped(page, text_boxes)
            added = [(RegionType.figure, "figure", f) for f in figures] + [
                (RegionType.separator, "rule-horizontal" if r.width >= r.height else "rule-vertical", r)
                for r in rules]
            page.regions += [
                Region(id=f"{page.id}-e{n}", type=kind, confidence=1.0, detector_label=label,
                       polygon=box.transform(page.transform.to_source).clamp(page.width, page.height))
                for n, (kind, label, box) in enumerate(added, start=1)]
            step.settings.update({"rules": len(rules), "figures": len(figures)})
        return page


    @staticmethod
    def _regrouped(page: Page, boxes: list[LayoutBox]) -> list[Region]:
        """The words of rebuilt blocks grouped by the layout model's text box holding each word's centre, typed as
        the model typed the box, lines rebuilt within each box; words in no box keep their rebuilt block.

        Word by word, not line by line: a line rebuilt from a vendor's word sequence may run across a column
        gutter (the sequence goes along the row), and the model's boxes keep the columns apart."""

        def home(polygon: Polygon) -> int | None:
            x, y = to_working(page, polygon).center
            return next((n for n, b in enumerate(boxes) if b.box[0] <= x <= b.box[2] and b.box[1] <= y <= b.box[3]),
                        None)

        groups: dict[str, tuple[str, list[Line]]] = {}
        for region in page.regions:
            for line in region.lines:
                for number, words in _runs_by_home(line, home):
                    key, label = (f"box{number}", boxes[number].label) if number is not None \
                        else (region.id, REBUILT_BLOCK)
                    part = line if len(words) == len(line.words) else line.model_copy(update={
                        "text": " ".join(word.text for word in words), "words": words,
                        "polygon": union_box(word.polygon for word in words)})
                    groups.setdefault(key, (label, []))[1].append(part)
        regions = []
        for n, (label, lines) in enumerate(groups.values(), start=1):
            region_id = f"{page.id}-b{n}"
            lines = renumbered(region_id, sorted(lines, key=lambda ln: (ln.polygon.bounds[1], ln.polygon.bounds[0])))
            regions.append(Region(id=region_id, type=CDLA_TO_NEWSPAPER.get(label, RegionType.body)
                                  if label not in ("figure", "table") else RegionType.body,
                                  polygon=lines_box(page, lines), confidence=1.0, detector_label=label, lines=lines))
        return regions


def _runs_by_home(line: Line, home: Callable[[Polygon], int | None]) -> list[tuple[int | None, list[Word]]]:
    """A line's words in runs lying in one box each (a line without words: one run, by the line's own box)."""
    if not line.words:
        return [(home(line.polygon), [])]
    runs: list[tuple[int | None, list[Word]]] = []
    for word in line.words:
        number = home(word.polygon)
        if runs and runs[-1][0] == number:
            runs[-1][1].append(word)
        else:
            runs.append((number, [word]))
    return runs


class ReadAgain:
    """Lines whose mean word confidence in the existing OCR is below `threshold`, read again by our engine."""

    name = "reocr"

    def __init__(self, engine: OcrEngine, threshold: float, images: WorkingImages) -> None:
        self.engine, self.threshold, self.images = engine, threshold, images

    def _read(self, image: np.ndarray, page: Page, line: Line) -> str:
        x0, y0, x1, y1 = to_working(page, line.polygon).bounds
        pad = max(2, round(0.15 * (y1 - y0)))
        crop = image[max(0, round(y0) - pad):round(y1) + pad, max(0, round(x0) - pad):round(x1) + pad]
        if crop.size == 0:
            return line.text
        found = sorted(self.engine.read(crop), key=lambda read: min(x for x, _ in read.quad))
        return " ".join(read.text for read in found).strip() or line.text

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, self.engine.name, self.engine.version,
                           {"reocr_below": self.threshold}) as step:
            image = self.images.read(page)
            reread: list[str] = []
            for region in page.regions:
                for index, line in enumerate(region.lines):
                    if not line.words or line.confidence >= self.threshold:
                        continue
                    text = self._read(image, page, line)
                    region.lines[index] = line.model_copy(update={
                        "text": text, "reread": line.text, "words": [], "engine": self.engine.name,
                        "raw_confidence": line.confidence})
                    reread.append(line.id)
            step.settings.update({"lines_read_again": len(reread), "lines": ",".join(reread)})
        return page


__all__ = ["LayoutEvidence", "ReadAgain"]
