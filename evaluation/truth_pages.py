"""Page models built from a generator's ground truth, as if OCR and the layout model had read it perfectly.

The stages after OCR (typing, reading order, articles, repair) can then be judged on hundreds of
designs in seconds, with OCR and layout errors taken out: what goes wrong is theirs. Each truth
region becomes one region of the layout model's kind (text, title, figure, rule) with its lines:
the truth's own line boxes where it records them (`lines`), else its box cut into as many equal
lines as its text has. The region's type is what the layout model would say, never the truth's
newspaper type: typing must find that.
"""

from __future__ import annotations

from typing import Any

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, PreprocessTransform, Region, RegionType

DETECTOR_LABEL = {"headline": "title", "figure": "figure", "separator": "rule", "caption": "figure_caption",
                  "table": "table"}
"""The layout model's label for a truth type; everything else it calls text."""


def _lines(region_id: str, truth: dict[str, Any]) -> list[Line]:
    if truth.get("lines"):
        rows = [(line["text"], line["box"]) for line in truth["lines"]]
    else:
        texts = [t for t in truth["text"].split("\n") if t.strip()]
        x0, y0, x1, y1 = truth["box"]
        step = (y1 - y0) / max(len(texts), 1)
        rows = [(text, (x0, y0 + k * step, x1, y0 + (k + 0.85) * step)) for k, text in enumerate(texts)]
    return [Line(id=f"{region_id}-l{k}", text=text, polygon=Polygon.from_box(*box), confidence=1.0, engine="truth")
            for k, (text, box) in enumerate(rows, start=1)]


def page_from_truth(truth: dict[str, Any], page_id: str = "truth") -> Page:
    """The page as the stages after OCR would receive it, were every line read right."""
    regions = []
    for number, region in enumerate(truth["regions"], start=1):
        region_id = f"{page_id}-r{number}"
        label = DETECTOR_LABEL.get(region["type"], "text")
        kind = {"title": RegionType.headline, "figure": RegionType.figure, "rule": RegionType.separator,
                "figure_caption": RegionType.caption, "table": RegionType.table}.get(label, RegionType.body)
        lines = [] if kind in (RegionType.figure, RegionType.separator) else _lines(region_id, region)
        if label == "rule":
            x0, y0, x1, y1 = region["box"]
            label = "rule-horizontal" if x1 - x0 > y1 - y0 else "rule-vertical"
        regions.append(Region(id=region_id, type=kind, polygon=Polygon.from_box(*region["box"]), confidence=1.0,
                              detector_label=label, lines=lines))
    width, height = truth["width"], truth["height"]
    return Page(id=page_id, source=truth.get("image", f"{page_id}.png"), width=width, height=height,
                regions=regions, transform=PreprocessTransform(working_width=width, working_height=height))

