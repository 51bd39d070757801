"""Folds: a scan of two pages side by side is cut at its gutter; one page is never cut through its text."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from broadsheet.config import IngestConfig, PreprocessConfig
from broadsheet.ingest.files import ingest_file
from broadsheet.ingest.folds import cut_piece, find_gutters, fold_pieces
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.working_images import WorkingImages


def _page(width: int = 600, height: int = 900, seed: int = 0) -> np.ndarray:
    """A portrait page of vertical columns of 'characters' (small dark squares) in three column blocks."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 255, np.uint8)
    for column_x in range(30, width - 30, 24):
        for y in range(40, height - 40, 20):
            if rng.random() < 0.85:
                page[y:y + 14, column_x:column_x + 14] = 20
    return page


def _fold(gutter: int = 60) -> np.ndarray:
    return np.hstack([_page(seed=1), np.full((900, gutter), 255, np.uint8), _page(seed=2)])


def test_a_fold_is_cut_at_its_gutter() -> None:
    pieces = fold_pieces(_fold(), IngestConfig())
    assert [p.piece for p in pieces] == [0, 1]
    assert all(600 - 10 <= x <= 660 + 10 for x in (*pieces[0].right, *pieces[1].left))


def test_a_landscape_single_page_with_text_across_the_middle_is_not_cut() -> None:
    page = _fold()
    for x in range(300, 960, 32):  # a headline of large, tightly set characters across the middle
        page[400:430, x:x + 30] = 20  # no gutter runs clear down it
    assert fold_pieces(page, IngestConfig()) == []


def test_a_portrait_page_is_never_searched() -> None:
    assert fold_pieces(_page(), IngestConfig()) == []


def test_a_crooked_fold_is_cut_along_its_slant_without_the_other_pages_ink() -> None:
    fold = _fold(gutter=70)
    h, w = fold.shape
    crooked = cv2.warpAffine(fold, cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 1.0), (w, h), borderValue=255)
    pieces = fold_pieces(crooked, IngestConfig())
    assert len(pieces) == 2
    left_edge = pieces[1].left
    assert abs(left_edge[0] - left_edge[1]) > 10  # the gutter slants
    # Neither piece holds ink of the other page: every pixel beyond its slanting edge is blank.
    for piece in pieces:
        pixels = cut_piece(crooked, piece)
        assert pixels.shape[0] == h and (pixels < 128).mean() > 0.05
    right_of_left = cut_piece(crooked, pieces[0])[:, -5:]
    assert (right_of_left < 128).mean() < 0.01


def test_ingest_gives_one_page_per_side_and_preprocess_keeps_source_pixels(tmp_path: Path) -> None:
    path = tmp_path / "fold.png"
    Image.fromarray(_fold()).save(path)
    pages = ingest_file(path)
    assert [p.crop.piece for p in pages if p.crop] == [0, 1]
    assert len({p.id for p in pages}) == 2 and all(p.width == 1260 for p in pages)
    right = Preprocess(PreprocessConfig(deskew=False), WorkingImages(tmp_path / "work"))(pages[1])
    # The working image is the right page only; a working pixel maps back to its place in the fold.
    assert right.transform.working_width < 700
    (a, b, c), (d, e, f) = right.transform.to_source
    assert round(a * 0 + b * 0 + c) == round(pages[1].crop.x_range[0]) and round(d * 0 + e * 0 + f) == 0
    assert IngestConfig(split_folds=False) and len(ingest_file(path, IngestConfig(split_folds=False))) == 1


def test_a_page_turned_sideways_is_not_taken_for_a_fold() -> None:
    """Turned a quarter, a page's lines run down the scan with a clear band between every two of them: many bands
    alike, none a gutter."""
    page = np.full((900, 1300), 255, np.uint8)
    for x in range(40, 1260, 30):  # a line every 30 px, 18 px of type, 12 px of white between
        for y in range(40, 860, 20):
            page[y:y + 16, x:x + 18] = 20
    assert fold_pieces(page, IngestConfig()) == []


def test_bands_that_leave_pieces_unlike_two_pages_and_a_strip_are_no_gutters() -> None:
    """Two clear bands, but the piece between them is a quarter of the scan (a sideways page's story): no fold."""
    blank = np.full((900, 40), 255, np.uint8)
    scan = np.hstack([_page(500, seed=3), blank, _page(340, seed=4), blank, _page(500, seed=5)])
    assert len(find_gutters(scan, IngestConfig())) == 2
    assert fold_pieces(scan, IngestConfig()) == []
    strip = np.hstack([_page(560, seed=3), blank, _page(120, seed=4), blank, _page(560, seed=5)])
    assert len(fold_pieces(strip, IngestConfig())) == 3  # a narrow strip between two pages is one
