"""Newspaper types: the stage that turns the layout model's text boxes into headlines, kickers, bylines, body,
captions, pull quotes, sidebars and page furniture, once OCR has read their lines.

The document layout model knows nothing of kickers, bylines or pull quotes; type measured against the
page's own body type, and position relative to headlines, pictures, rules and frames, do.
`blocks` fixes boxes first (one box, two types: split; one block, two boxes: joined), `classify`
types them, `frames` finds ruled boxes and advertisements, `measure` says what type looks like.
"""

from __future__ import annotations

import sys

from broadsheet.config import TypingConfig
from broadsheet.model.page import Page
from broadsheet.stages.base import recorded_step, rules_version
from broadsheet.stages.ocr import ENGINE_ORDER
from broadsheet.stages.typing import blocks, classify, frames, measure, vertical
from broadsheet.stages.typing.blocks import (
    join_column_tails,
    join_table_rows,
    merge_fragments,
    merge_stacked_headings,
    split_at_centred_heads,
    split_at_spaced_type_changes,
    split_by_type_size,
    split_capital_heads,
    split_datelines,
    split_running_grids,
)
from broadsheet.stages.typing.classify import Classifier
from broadsheet.stages.typing.frames import merge_advertisements, unframed_advertisements
from broadsheet.stages.typing.measure import TypeMeter, ink_map
from broadsheet.stages.typing.vertical import vertical_types
from broadsheet.stages.working_images import WorkingImages


class NewspaperTypes:
    """Types each region by its type against the page's body type and its place beside headlines and figures."""

    name = "newspaper-types"

    def __init__(self, config: TypingConfig, images: WorkingImages | None = None) -> None:
        """`images`: where the page's working image is, to measure stroke weight on; None where there is none."""
        self.config = config
        self.images = images
        self.version = rules_version("rules", (sys.modules[__name__], blocks, classify, frames, measure, vertical),
                                     config)

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        config = self.config
        settings = {"headline_height_ratio": config.headline_height_ratio, "heading_evidence": config.heading_evidence,
                    "bold_weight": config.bold_weight}
        with recorded_step(page, self.name, "broadsheet", self.version, settings):
            ocr = next((s for s in reversed(page.steps) if s.stage == "ocr"), None)
            if ocr is not None and ocr.settings.get("reading_order") == ENGINE_ORDER:
                page.regions = join_column_tails(page, config)
                page.regions = join_table_rows(page, config)
                # A block joined to another is gone from the engine's order: the fresh id a split takes next may be
                # its id, and would be read in its place, not after the region above it (reading_order.py).
                present = {r.id for r in page.regions}
                page.reading_order = [rid for rid in page.reading_order if rid in present]
            page.regions = unframed_advertisements(page, config)  # before any split: an ad's lines are one ad
            page.regions = split_by_type_size(page, config)
            page.regions = split_datelines(page)
            page.regions = split_capital_heads(page, config)
            page.regions = split_running_grids(page, config)
            ink = ink_map(page, self.images)
            body = TypeMeter(page, config, ink).body.line_height
            if body > 0:
                page.regions = split_at_centred_heads(page, TypeMeter(page, config, ink), config)
                page.regions = split_at_spaced_type_changes(page, body, config)
                meter = TypeMeter(page, config, ink)
                page.regions = Classifier(page, meter, config).run()
                page.regions = merge_advertisements(page, meter, config)
                page.regions = merge_stacked_headings(page, config)
                page.regions = merge_fragments(page, body, config)
                page.regions = vertical_types(page, meter.body.line_height, config)
                page.body_type = meter.body
        return page
