"""Types on a vertical page (issue #18), seen turned a quarter: a headline block is its columns in display sizes
set side by side (main head, decks, a kicker), and a short block in the body's size is a piece of body text.

Horizontal rules read a one- or two-line block near a headline as a kicker or a byline; on the 晶報 pages those
were columns of the story's text cut off by a punctuation gap or a box edge, and the headline's columns of
several sizes each started an article of its own. Here only contrast counts: a block whose characters are larger
than the body's by `vertical_heading_contrast` is heading type, and heading blocks stacked next to each other (in
the working frame: one under the other, sharing most of the shorter one's run, at most `vertical_stack_gap` body
lines apart) are one headline. A kicker, byline, pull quote or section head in the body's own size is body.
"""

from __future__ import annotations

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon, horizontal_overlap
from broadsheet.model.ids import renumbered
from broadsheet.model.page import Page, Region, RegionType
from broadsheet.stages.base import lines_box, to_working
from broadsheet.stages.typing.measure import line_height

RETYPED_AS_BODY = frozenset({RegionType.kicker, RegionType.byline, RegionType.pull_quote, RegionType.section})
"""Types the horizontal rules give by place and length, which on a vertical page must contrast to stand."""
NOT_HEADS = frozenset({RegionType.advertisement, RegionType.masthead, RegionType.folio, RegionType.figure,
                       RegionType.separator})
"""Types that keep their own, whatever their size (a section head set large is a story's head on these pages)."""


def _heading_type(page: Page, region: Region, body: float, config: TypingConfig) -> bool:
    if not region.lines or region.type in NOT_HEADS or region.writing_mode != "vertical-rl":
        return False
    return line_height(page, region, config) >= config.vertical_heading_contrast * body


def _stacked(a: Polygon, b: Polygon, body: float, config: TypingConfig) -> bool:
    upper, lower = (a, b) if a.center[1] <= b.center[1] else (b, a)
    return lower.bounds[1] - upper.bounds[3] <= config.vertical_stack_gap * body \
        and horizontal_overlap(a, b) >= config.vertical_stack_overlap * min(a.width, b.width)


def vertical_types(page: Page, body: float, config: TypingConfig) -> list[Region]:
    """The page's regions with heading stacks joined into headlines and uncontrasted short heads made body; a
    horizontal page's regions as they are."""
    if page.writing_mode != "vertical-rl" or body <= 0:
        return page.regions
    heads = [r for r in page.regions if _heading_type(page, r, body, config)]
    boxes = {r.id: to_working(page, r.polygon) for r in heads}
    # A display-size column running most of the page's length is a note in its margin (晶報: "本報具有廿一年的歷史…"
    # down the page's edge), not a story's head: page furniture, heading no story.
    spans = [to_working(page, line.polygon).bounds for r in page.regions for line in r.lines]
    length = max(b[2] for b in spans) - min(b[0] for b in spans) if spans else 0.0
    margin = {r.id for r in heads if boxes[r.id].width > config.vertical_head_max_run * length}
    heads = [r for r in heads if r.id not in margin]
    stack_of = {r.id: k for k, r in enumerate(heads)}
    for a in heads:  # connected stacks: each head takes the stack number of any head it touches
        for b in heads:
            if stack_of[a.id] != stack_of[b.id] and _stacked(boxes[a.id], boxes[b.id], body, config):
                old, new = stack_of[b.id], stack_of[a.id]
                stack_of = {rid: new if k == old else k for rid, k in stack_of.items()}
    stacks: dict[int, list[Region]] = {}
    for region in heads:
        stacks.setdefault(stack_of[region.id], []).append(region)
    joined: dict[str, Region | None] = {}
    for members in stacks.values():
        members.sort(key=lambda r: boxes[r.id].center[1])  # columns right to left on the page
        lead = max(members, key=lambda r: line_height(page, r, config))
        lines = renumbered(lead.id, [line for r in members for line in r.lines])
        joined[lead.id] = lead.model_copy(update={"type": RegionType.headline, "lines": lines,
                                                  "polygon": lines_box(page, lines)})
        joined.update({r.id: None for r in members if r is not lead})
    regions = []
    for region in page.regions:
        if region.id in margin:
            regions.append(region.model_copy(update={"type": RegionType.running_header}))
        elif region.id in joined:
            if (kept := joined[region.id]) is not None:
                regions.append(kept)
        elif region.type in RETYPED_AS_BODY and region.writing_mode == "vertical-rl":
            regions.append(region.model_copy(update={"type": RegionType.body}))
        else:
            regions.append(region)
    return regions
