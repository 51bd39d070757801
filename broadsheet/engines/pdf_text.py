"""A born-digital PDF page's own text layer, behind the OCR engine protocol: no OCR at all.

Words come from pdfplumber's characters; a line is a run of words on one baseline, in one type size,
with no gap wider than a column gutter. Box heights come from the font size, so the newspaper-type stage
reads type size from them as it does from OCR line boxes. Coordinates are in the pixels of the image
`read` is given, which is the page rasterised at `Page.pdf.dpi`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber

from broadsheet.engines.base import EngineLine, EngineWord
from broadsheet.ingest.pdf import is_garbage, open_pdf
from broadsheet.model.geometry import shares_span
from broadsheet.model.page import Page
from broadsheet.text.script import join_fragments

GUTTER_EMS = 1.0
"""A gap between words wider than this many ems is a column gutter, not a word space."""
SIZE_RATIO = 1.3
"""Words whose type sizes differ by more than this are in different lines (a headline beside a column)."""
ENGINE_NAME = "pdf-text-layer"


def _quad(x0: float, top: float, x1: float, bottom: float, sx: float, sy: float) -> tuple[tuple[float, float], ...]:
    return ((x0 * sx, top * sy), (x1 * sx, top * sy), (x1 * sx, bottom * sy), (x0 * sx, bottom * sy))


def _continues(line: list[dict[str, Any]], word: dict[str, Any]) -> bool:
    last = line[-1]
    size, last_size = float(word["size"]), float(last["size"])
    if max(size, last_size) > SIZE_RATIO * min(size, last_size):
        return False
    if not shares_span(word["top"], word["bottom"], last["top"], last["bottom"]):  # not on one row
        return False
    gap = word["x0"] - last["x1"]
    return -0.5 * size <= gap <= GUTTER_EMS * size


def group_lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words (pdfplumber dicts) into lines, left to right; lines in top-to-bottom order."""
    done: list[list[dict[str, Any]]] = []
    open_lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["x0"], w["top"])):
        reach = float(word["x0"]) - GUTTER_EMS * float(word["size"])
        still_open = []
        for line in open_lines:  # a line whose end lies a gutter behind this word can take no more words
            (still_open if line[-1]["x1"] >= reach else done).append(line)
        open_lines = still_open
        for line in open_lines:
            if _continues(line, word):
                line.append(word)
                break
        else:
            open_lines.append([word])
    return sorted(done + open_lines, key=lambda line: (min(w["top"] for w in line), line[0]["x0"]))


class PdfTextLayer:
    """Reads one PDF page (source and frame of a `Page`) from its characters."""

    name = ENGINE_NAME
    version = pdfplumber.__version__
    model = "text layer"

    def __init__(self, page: Page) -> None:
        self.source = Path(page.source)
        self.frame = page.frame

    def read(self, image: np.ndarray) -> list[EngineLine]:
        with open_pdf(self.source) as document:
            pdf_page = document.pages[self.frame]
            sx = image.shape[1] / float(pdf_page.width)
            sy = image.shape[0] / float(pdf_page.height)
            words = [w for w in pdf_page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
                     if w.get("upright", True) and not is_garbage(w["text"])]
        lines = []
        for line in group_lines(words):
            engine_words = tuple(EngineWord(w["text"], 1.0, _quad(w["x0"], w["top"], w["x1"], w["bottom"], sx, sy))
                                 for w in line)
            x0, x1 = min(w["x0"] for w in line), max(w["x1"] for w in line)
            top, bottom = min(w["top"] for w in line), max(w["bottom"] for w in line)
            lines.append(EngineLine(text=join_fragments(w["text"] for w in line), confidence=1.0,
                                    quad=_quad(x0, top, x1, bottom, sx, sy), words=engine_words))
        return lines


def reads_text_layer(page: Page) -> bool:
    return page.pdf is not None and page.pdf.mode == "text-layer"
