"""Geometry, XY-cut reading order and the evaluation metrics, on hand-made boxes."""

from __future__ import annotations

import pytest

from broadsheet.model.geometry import Polygon, union_box
from broadsheet.stages.preprocess import rotate_page
from broadsheet.stages.reading_order import xy_cut
from evaluation.generated import cer, kendall_tau, pair_f1


def test_polygon_box_measures() -> None:
    a = Polygon.from_box(0, 0, 10, 10)
    b = Polygon.from_box(5, 5, 15, 15)
    assert a.area == 100
    assert a.intersection_area(b) == 25
    assert a.iou(b) == pytest.approx(25 / 175)
    assert a.overlap_ratio(b) == pytest.approx(0.25)
    assert union_box([a, b]).bounds == (0, 0, 15, 15)
    assert a.clamp(8, 8).bounds == (0, 0, 8, 8)


def test_transform_round_trip_through_deskew() -> None:
    import numpy as np

    _, transform = rotate_page(np.full((400, 300), 255, dtype=np.uint8), 1.5)
    polygon = Polygon.from_box(50, 60, 250, 90)
    back = polygon.transform(transform.to_working).transform(transform.to_source)
    for (x, y), (bx, by) in zip(polygon.points, back.points, strict=True):
        assert (x, y) == pytest.approx((bx, by), abs=1e-6)


def test_xy_cut_reads_headline_then_columns_left_to_right() -> None:
    items = [
        ("col2", Polygon.from_box(520, 300, 1000, 2000)),
        ("head", Polygon.from_box(0, 0, 1000, 200)),
        ("col1b", Polygon.from_box(0, 1200, 480, 2000)),
        ("col1a", Polygon.from_box(0, 300, 480, 1100)),
        ("footer", Polygon.from_box(0, 2100, 1000, 2200)),
    ]
    assert xy_cut(items) == ["head", "col1a", "col1b", "col2", "footer"]


def test_metrics() -> None:
    assert cer("新质生产力", "新质生产力") == 0
    assert cer("新质 生产\n力", "新质生产力") == 0
    assert cer("新质生力", "新质生产力") == pytest.approx(0.2)
    assert kendall_tau(["a", "b", "c"], ["a", "b", "c"]) == 1
    assert kendall_tau(["c", "b", "a"], ["a", "b", "c"]) == -1
    truth = {"r1": "a", "r2": "a", "r3": "b", "r4": "b"}
    assert pair_f1(truth, {"r1": "x", "r2": "x", "r3": "y", "r4": "y"}) == 1
    assert pair_f1(truth, {"r1": "x", "r2": "x", "r3": "x", "r4": "x"}) == pytest.approx(0.5)


def test_a_picture_box_over_read_text_is_dropped_and_a_real_one_kept() -> None:
    from broadsheet.model.page import Line, Page, PreprocessTransform, Region, RegionType
    from broadsheet.stages.ocr import drop_figures_over_text

    lines = [Line(id=f"p-r1-l{k}", text="正文" * 8, polygon=Polygon.from_box(100, 100 + 40 * k, 900, 130 + 40 * k),
                  confidence=0.9, engine="rapidocr") for k in range(10)]
    text = Region(id="p-r1", type=RegionType.body, polygon=Polygon.from_box(100, 100, 900, 530), confidence=0.9,
                  detector_label="text", lines=lines)
    over_text = Region(id="p-r2", type=RegionType.figure, polygon=Polygon.from_box(90, 90, 910, 540), confidence=0.5,
                       detector_label="figure")
    photo = Region(id="p-r3", type=RegionType.figure, polygon=Polygon.from_box(100, 600, 900, 1000), confidence=0.9,
                   detector_label="figure")
    page = Page(id="p", source="p.png", width=1000, height=1200, regions=[text, over_text, photo],
                transform=PreprocessTransform(working_width=1000, working_height=1200))
    kept = drop_figures_over_text(page, page.regions, 0.3)
    assert [r.id for r in kept] == ["p-r1", "p-r3"]
