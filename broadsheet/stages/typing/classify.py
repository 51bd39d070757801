"""Newspaper types from evidence weighed together: type against the page's own body type, place, rules, text.

In order: what the layout model settled (pictures, rules, real tables); the page's furniture by its
place (masthead, running header, folio, teasers); headings, found by how they differ from the body
type (larger, bolder, capitals, centred in their column, letter-spaced, set off by short rules and
space); which of them are pull quotes; the blocks set with a headline (kickers, decks, bylines,
section labels); captions beside pictures; datelines; framed boxes. Patterns (记者, 版, By,
prices) only ever back what geometry says.
"""

from __future__ import annotations

import re

import numpy as np

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon, horizontal_overlap, same_row, set_under, union_box, vertical_overlap
from broadsheet.model.page import Page, Region, RegionType
from broadsheet.stages.base import to_working
from broadsheet.stages.jumps import jump_head_line, jump_line
from broadsheet.stages.turns import LIST_HEADINGS
from broadsheet.stages.typing.blocks import (
    DATELINE_PATTERN,
    adjacent_vertically,
    directly_below,
    is_grid,
    pointer_block,
    stacked_heading_lines,
)
from broadsheet.stages.typing.frames import box_rules, find_frames, ruled_sides
from broadsheet.stages.typing.measure import TypeMeter, capitals, title_case
from broadsheet.text.script import cjk_share

# OCR may space a heading's characters apart (嘉 宾).
PARTICIPANT_LIST = re.compile(r"\s*(" + "|".join(r"\s*".join(heading) for heading in LIST_HEADINGS) + r")\s*[:：]"
                              r"|\s*(Moderator|Host|Participants|Panel)\s*:")
"""How a roundtable's list of its people opens."""
SENTENCE_MARKS = re.compile(r"[，。！？]|[a-z][.?!](\s|$)")
"""Punctuation of a sentence that a list of people lacks (semicolons separate its people: "Tom Brandt, planner; …")."""
FOLIO_PATTERN = re.compile(r"^\s*(第?\s*[0-9０-９]{1,3}\s*版?|[A-Z]?[0-9]{1,3}|Page\s+[0-9]+)\s*$", re.IGNORECASE)
BYLINE_PATTERN = re.compile(r"(记者|通讯员|主持人|嘉\s*宾|^\s*By\s|撰文|编辑)")
ISSUE_LINE_PATTERN = re.compile(r"\b(1[5-9]|20)\d\d\b|\d+\s*年|\d+\s*月\s*\d+\s*日|星期|第\s*\d+\s*期"
                                r"|\bVol\.|\bNo\.\s*\d|\b(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day\b")
"""What a masthead's date line carries: the issue's date, its weekday or its number."""
QUOTE_MARKS = re.compile(r"^[\s]*[“\"‘'「『«„]|[”\"’'」』»][\s]*$")
"""A pull quote quotes: it opens or closes with quotation marks."""
SENTENCE_END = re.compile(r"[。！？.!?][”\"’'」』»]?\s*$")
SENTENCE_GOES_ON = frozenset("0123456789$£€%,;:)-–—")
"""Latin text under a block that opens with one of these (not a capital) goes on with a sentence broken off over it
(the wing cost / $9 million)."""
FULL_STOP_END = re.compile(r"。[”\"’'」』»]?\s*$")
"""A line ending with the CJK full stop: a sentence's end, however short the block, and no heading's."""


class Classifier:
    """Types one page's regions; `run` returns them typed."""

    def __init__(self, page: Page, meter: TypeMeter, config: TypingConfig) -> None:
        self.page, self.meter, self.config = page, meter, config
        self.body = meter.body.line_height
        self.boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
        self.rules = [self.boxes[r.id] for r in page.regions if r.type == RegionType.separator]
        self.frames = find_frames(self.rules, self.body)
        self.typed: dict[str, RegionType] = {}
        self.page_width = page.transform.working_width or page.width
        self.page_height = page.transform.working_height or page.height
        # The regions' boxes as arrays, in page order, for the rules that weigh a block against every other.
        self.place = {id(r): k for k, r in enumerate(page.regions)}
        self.extent = np.array([self.boxes[r.id].bounds for r in page.regions], dtype=float).reshape(-1, 4)
        self.texted = np.array([bool(r.lines) for r in page.regions], dtype=bool)
        self.columns = np.array([len(r.lines) >= 3 and r.type in (RegionType.body, RegionType.table)
                                 for r in page.regions], dtype=bool)

    # -- the order of decisions -----------------------------------------------------------------
    def run(self) -> list[Region]:
        page, typed = self.page, self.typed
        for region in page.regions:
            if region.type in (RegionType.figure, RegionType.separator, RegionType.advertisement) \
                    or not region.lines or (region.type == RegionType.table and is_grid(page, region, self.config)):
                typed[region.id] = region.type
        text = [r for r in page.regions if r.id not in typed]
        for region in text:
            furniture = self.furniture(region)
            if furniture is not None:
                typed[region.id] = furniture
        for region in text:
            if region.id not in typed and self.heading(region):
                typed[region.id] = RegionType.headline
        for region in text:
            typed.setdefault(region.id, RegionType.body)
        self.masthead_lines()  # before headings are settled: a date line under the masthead heads no story
        self.settle_headings(text)
        self.sidebars(text)
        self.kickers()
        self.sections()
        self.captions_and_bylines()
        self.datelines()
        return [r.model_copy(update={"type": typed[r.id]}) for r in page.regions]

    # -- furniture --------------------------------------------------------------------------------
    def furniture(self, region: Region) -> RegionType | None:
        config, box = self.config, self.boxes[region.id]
        # Text set against its top, narrower than `masthead_cover` of it (its ornament read as text), leaves it the
        # topmost text of the page; a running header stands apart from what it heads, or spans it.
        if self.is_masthead(region) and not any(
                r.lines and self.boxes[r.id].bounds[3] < box.bounds[1] and horizontal_overlap(self.boxes[r.id], box) > 0
                and not self.ornament_of(self.boxes[r.id], box) for r in self.page.regions):
            return RegionType.masthead
        in_margin = box.bounds[3] < config.margin_top * self.page_height \
            or box.bounds[1] > config.margin_bottom * self.page_height
        if in_margin and len(region.lines) <= config.margin_max_lines and not self.kicker_over_headline(region) \
                and not self.in_headline_block(region) \
                and not (self.heads_text_below(region) and self.heading_evidence(region) >= config.heading_evidence):
            return RegionType.folio if FOLIO_PATTERN.match(region.text) else RegionType.running_header
        if pointer_block(region, config) and not self.meter.large(region, config.headline_height_ratio):
            # Pattern and shape together: a short block pointing to another page, not the story continued here.
            return RegionType.teaser
        return None

    def in_headline_block(self, region: Region) -> bool:
        """Headline type under the page's running header, or a line set straight under such type: a story's
        headline and its deck at the top of the page, not the page's furniture (which is set small, or is the
        masthead, the topmost text)."""
        box, config = self.boxes[region.id], self.config
        if self.meter.large(region, config.headline_height_ratio):
            return any(other.lines and self.boxes[other.id].bounds[3] <= box.bounds[1] for other in self.page.regions)
        return any(other is not region and other.lines and self.meter.large(other, config.headline_height_ratio)
                   and not self.is_masthead(other)
                   and directly_below(box, self.boxes[other.id], config.stacked_gap * self.body)
                   for other in self.page.regions)

    def is_masthead(self, region: Region) -> bool:
        """The paper's name plate: one line of very large type, centred across the top of the page.

        The caller also checks that no text stands above it: a story's headline under a running
        header looks the same.
        """
        config, box = self.config, self.boxes[region.id]
        return bool(region.lines) and self.one_row(region) and box.bounds[3] < config.masthead_top * self.page_height \
            and self.meter.style(region).size >= config.masthead_height_ratio \
            and box.width >= config.masthead_width * self.page_width \
            and abs(box.center[0] - self.page_width / 2) <= config.masthead_centre * self.page_width

    def ornament_of(self, above: Polygon, masthead: Polygon) -> bool:
        """A box just over a masthead, nearer than its height and narrower than `masthead_cover` of it."""
        return above.width < self.config.masthead_cover * masthead.width \
            and masthead.bounds[1] - above.bounds[3] < masthead.height

    def one_row(self, region: Region) -> bool:
        """One printed row: one line, or lines each overlapping the tallest by `same_row_overlap` of their height
        (display type that OCR read in overlapping pieces; separate rows of print do not overlap so far)."""
        boxes = [to_working(self.page, line.polygon) for line in region.lines]
        tallest = max(boxes, key=lambda b: b.height)
        return all(vertical_overlap(b, tallest) > self.config.same_row_overlap * b.height for b in boxes)

    def kicker_over_headline(self, region: Region) -> bool:
        """A short line set just over much larger type, no wider than it and on its axis or flush with it: a
        kicker, not the page's running header, however near the top of the page it stands."""
        box, config = self.boxes[region.id], self.config
        size = self.meter.style(region).size
        for other in self.page.regions:
            if other is region or not other.lines or len(other.lines) > config.display_max_lines:
                continue
            under = self.boxes[other.id]
            gap = under.bounds[1] - box.bounds[3]
            if not -0.5 * box.height <= gap <= config.stacked_gap * self.body \
                    or horizontal_overlap(under, box) <= 0.5 * box.width or box.width > 1.05 * under.width:
                continue
            other_size = self.meter.style(other).size
            if other_size >= config.headline_height_ratio and size <= config.deck_ratio * other_size \
                    and _centred_on(box, under) and not self.rule_between(box, under):
                return True
        return False

    def heads_text_below(self, region: Region) -> bool:
        """Text of several lines straight under the block in its column, no rule between: what a heading heads
        (a running header is ruled off from the page's text, or stands apart from it)."""
        box, reach = self.boxes[region.id], self.config.stacked_gap * self.body
        # Its byline or deck may stand between: short blocks set straight under it, each under the one before.
        bottom, short = box, [other for other in self.page.regions if 0 < len(other.lines) < 3 and other is not region]
        while step := next((self.boxes[other.id] for other in short
                            if 0 <= self.boxes[other.id].bounds[1] - bottom.bounds[3] <= reach
                            and self.boxes[other.id].bounds[3] > bottom.bounds[3]  # each step lower: the walk ends
                            and horizontal_overlap(self.boxes[other.id], box) > 0
                            and not self.rule_between(bottom, self.boxes[other.id])), None):
            bottom = step
        if bottom is not box:  # a byline stands as far from the story's text as from its head
            reach = self.config.attached_reach * self.body
        return any(len(other.lines) >= 3
                   and -0.5 * box.height <= self.boxes[other.id].bounds[1] - bottom.bounds[3] <= reach
                   and horizontal_overlap(self.boxes[other.id], box) > 0.5 * min(box.width, self.boxes[other.id].width)
                   and not self.rule_between(bottom, self.boxes[other.id]) for other in self.page.regions)

    def rule_between(self, upper: Polygon, lower: Polygon) -> bool:
        return any(rule.width > rule.height and upper.bounds[3] - 2 <= rule.center[1] <= lower.bounds[1] + 2
                   and horizontal_overlap(rule, union_box([upper, lower])) > 0 for rule in self.rules)

    # -- headings ---------------------------------------------------------------------------------
    def heading(self, region: Region) -> bool:
        """Whether a block is a heading: large type alone, or enough of the ways a heading differs from text."""
        config = self.config
        lines = len(region.lines)
        if sum(c.isalnum() for c in region.text) < config.heading_min_letters:
            return False  # an ornament between items (* * *, a dash rule read as text) heads nothing
        if FULL_STOP_END.search(region.lines[-1].text):
            return False  # CJK headings never end with a full stop; a pull quote, a caption, a paragraph do
        if jump_line(" ".join(line.text for line in region.lines)) is not None:
            return False  # "Continued on A6", set bold or on two lines, points on: it heads nothing here
        if self.meter.large(region, config.headline_height_ratio):
            return lines <= config.display_max_lines or len(region.text.split()) <= config.wrapped_display_words * lines
        if any(directly_below(self.boxes[region.id], self.boxes[r.id], config.caption_reach * self.body)
               for r in self.page.regions if r.type == RegionType.figure):
            return False  # text under a picture, not set large, is its caption (a credit line in title case)
        # Lines of capitals may run longer: an 1850 heading sets a whole sentence in them, a line or two each; so
        # may much larger type, a headline wrapped in a narrow column a word or two a line.
        longest = config.display_max_lines if self.meter.style(region).capitals \
            or self.meter.large(region, config.much_larger_type) else config.heading_max_lines
        if lines > longest or BYLINE_PATTERN.search(region.text) \
                or DATELINE_PATTERN.search(region.text) or PARTICIPANT_LIST.match(region.text):
            return False
        return self.heading_evidence(region) >= config.heading_evidence

    def heading_evidence(self, region: Region) -> float:
        config, meter = self.config, self.meter
        evidence = 0.0
        style = meter.style(region)
        # CJK characters are each an em wide, so their width is the type's size where a tight line box understates
        # it; only where the box is taller too (a wide-set body line is no larger type).
        cjk_size = style.pitch if style.pitch and style.size >= config.cjk_taller_box \
            and cjk_share(region.text) >= config.cjk_pitch_share else 0.0
        if meter.large(region, config.much_larger_type) or cjk_size >= config.much_larger_type:
            evidence += 2
        elif meter.large(region, config.larger_type) or cjk_size >= config.larger_type:
            evidence += 1
        evidence += meter.bold(region) + style.capitals + meter.letter_spaced(region)
        if region.detector_label == "title":
            evidence += config.layout_title_evidence
        if title_case(region.text, config):
            evidence += config.title_case_evidence
        if style.capitals and len(region.lines) >= 2:
            evidence += 1  # stacked lines of capitals: a typewritten paper's headline in its body type
        column = self.column_of(region)
        if column is not None and self.centred_in(region, column):
            evidence += 1
        if column is not None and self.short_rule_above(region, column):
            evidence += 1
        if self.spaced(region):
            evidence += 0.5
        if len(region.lines) >= 2 and SENTENCE_END.search(region.lines[-1].text):
            evidence -= 1  # a heading rarely ends a sentence; the text of a pull quote or a paragraph does
        return evidence

    def column_of(self, region: Region) -> Polygon | None:
        """The column a block stands in: the text block of three lines or more nearest above or below it."""
        box = self.boxes[region.id]
        x0, y0, x1, y1 = self.extent.T
        width = x1 - x0
        near = self.others(region, self.columns) & (width >= 0.9 * box.width) \
            & (np.minimum(x1, box.bounds[2]) - np.maximum(x0, box.bounds[0]) >= 0.5 * np.minimum(box.width, width))
        if not near.any():
            return None
        gaps = np.maximum(y0 - box.bounds[3], box.bounds[1] - y1)
        candidates = np.flatnonzero(near)
        return self.boxes[self.page.regions[candidates[np.argmin(gaps[candidates])]].id]

    def others(self, region: Region, mask: np.ndarray) -> np.ndarray:
        """`mask` without the region itself."""
        others = mask.copy()
        if id(region) in self.place:
            others[self.place[id(region)]] = False
        return others

    def centred_in(self, region: Region, column: Polygon) -> bool:
        box, config = self.boxes[region.id], self.config
        left, right = box.bounds[0] - column.bounds[0], column.bounds[2] - box.bounds[2]
        return min(left, right) >= config.centred_margin * column.width \
            and abs(left - right) <= config.centred_balance * column.width

    def short_rule_above(self, region: Region, column: Polygon) -> bool:
        """A short centred rule just over the block: the rule between two items of a column (—— between news)."""
        box, config = self.boxes[region.id], self.config
        return any(rule.width > rule.height and rule.width <= config.short_rule * column.width
                   and abs(rule.center[0] - column.center[0]) <= config.centred_balance * column.width
                   and 0 <= box.bounds[1] - rule.center[1] <= config.rule_reach * self.body
                   for rule in self.rules)

    def spaced(self, region: Region) -> bool:
        """Set in space: more above it than between lines of text (or a column's top), some below."""
        box, config = self.boxes[region.id], self.config
        x0, y0, x1, y1 = self.extent.T
        beside = self.others(region, self.texted) & (np.minimum(x1, box.bounds[2]) - np.maximum(x0, box.bounds[0]) > 0)
        above = box.bounds[1] - y1[beside & (y1 <= box.bounds[1] + 0.5 * self.body)]
        below = y0[beside & (y0 >= box.bounds[3] - 0.5 * self.body)] - box.bounds[3]
        return (not above.size or above.min() >= config.heading_space * self.body) \
            and (not below.size or below.min() >= config.heading_space_below * self.body)

    def settle_headings(self, text: list[Region]) -> None:
        """Which headings are pull quotes, and which body-size headings are a column's crossheads.

        A pull quote sits inside a column's text or between two rules, quotes, ends a sentence; a headline
        heads what is under it: a rule or a column's top above it, bold, capitals, no final stop. A heading in
        the body's own size (an 1850 page's centred capitals) opens an item; only inside the text of a story
        whose own headline, over its column, is set large is it a crosshead of that story, and stays in its text.
        """
        config, typed = self.config, self.typed
        for region in text:
            kind = typed[region.id]
            if kind not in (RegionType.headline, RegionType.body):
                continue
            if self.pull_quote(region) or (kind == RegionType.headline and self.set_in_story_below_head(region)):
                typed[region.id] = RegionType.pull_quote
            elif kind == RegionType.headline and not self.meter.large(region, config.larger_type) \
                    and self.inside_text(region) and self.under_display_headline(region) \
                    and not (self.meter.style(region).capitals and len(region.lines) >= 2):
                typed[region.id] = RegionType.body

    def set_in_story_below_head(self, region: Region) -> bool:
        """Smaller display type below a larger headline over its columns, apart from it, with no text between: no
        story opens before the one above has any text, so this is that story's pull quote."""
        box, config = self.boxes[region.id], self.config
        size = self.meter.style(region).size
        regions = self.page.regions
        x0, y0, x1, y1 = self.extent.T
        overlap = np.minimum(x1, box.bounds[2]) - np.maximum(x0, box.bounds[0])
        kinds = [self.typed.get(r.id) for r in regions]
        heads = self.others(region, np.array([kind == RegionType.headline for kind in kinds], dtype=bool)) \
            & (y1 <= box.bounds[1]) & (overlap >= 0.9 * box.width) \
            & (box.bounds[1] - y1 > config.stacked_gap * self.body)
        text_lines = np.array([len(r.lines) if kind == RegionType.body else 0
                               for kind, r in zip(kinds, regions, strict=True)]) * (overlap > 0)
        middle, centre = (y0 + y1) / 2, (x0 + x1) / 2
        for k in np.flatnonzero(heads):
            if self.meter.style(regions[k]).size <= size or self.story_rule_between(self.boxes[regions[k].id], box):
                continue
            # Lines of text between, counted over the columns (a story cut short may run one line in each); a lone
            # line centred under the head is display type (a number, a date), no story's text.
            lone_centred = (text_lines == 1) & (np.abs(centre - (x0[k] + x1[k]) / 2)
                                                <= config.centred_balance * (x1[k] - x0[k]))
            between = (y1[k] <= middle) & (middle <= box.bounds[1]) & ~lone_centred
            if int(text_lines[between].sum()) < 2:
                return True
        return False

    def story_rule_between(self, upper: Polygon, lower: Polygon) -> bool:
        """A rule between two blocks that runs across the lower one and on over other columns: it parts stories
        (a pull quote's own rules are about its column's width). Not the rule straight under the upper block: a
        headline's own, which ends no story."""
        return any(rule.width > rule.height and upper.bounds[3] + self.config.rule_reach * self.body
                   <= rule.center[1] <= lower.bounds[1]
                   and horizontal_overlap(rule, lower) >= self.config.ruled_overlap * lower.width
                   and rule.width >= self.config.story_rule_width * lower.width for rule in self.rules)

    def under_display_headline(self, region: Region) -> bool:
        """The nearest heading above the block over its column is set large: the block is inside that story."""
        box = self.boxes[region.id]
        above = [r for r in self.page.regions if r is not region and self.typed.get(r.id) == RegionType.headline
                 and self.boxes[r.id].bounds[3] <= box.bounds[1]
                 and horizontal_overlap(self.boxes[r.id], box) > 0.5 * box.width]
        if not above:
            return False
        nearest = max(above, key=lambda r: self.boxes[r.id].bounds[3])
        return self.meter.large(nearest, self.config.headline_height_ratio) \
            and not self.rule_between(self.boxes[nearest.id], box)

    def pull_quote(self, region: Region) -> bool:
        config, meter, box = self.config, self.meter, self.boxes[region.id]
        # Headline-size type heads a story, quotation marks or not (Chinese headlines quote often); a list of names
        # or a signed line is a byline.
        if len(region.lines) > config.pull_quote_max_lines or meter.large(region, config.headline_height_ratio) \
                or BYLINE_PATTERN.search(region.text) or PARTICIPANT_LIST.match(region.text):
            return False
        column = self.column_of(region)
        # A pull quote's own rules are about its column's width: a rule running on over other columns (under a
        # story's head block, across the page) bounds a band of the page, not a quote.
        reach = config.frame_reach * self.body
        widest = max(column.width if column is not None else 0.0, box.width) + 2 * reach
        sides = ruled_sides(box, [r for r in self.rules if (column is None or r.width >= config.short_rule
                                  * min(column.width, box.width)) and r.width <= widest
                                  and not self.text_between(box, r)], reach, config)
        styled = meter.other_type(region) or QUOTE_MARKS.search(region.text) is not None
        if {"top", "bottom"} <= sides and styled and len(sides) < 3:
            return True  # set between two rules in its column
        if not meter.large(region, config.larger_type) or capitals(region.lines[0].text, config):
            return False  # a line of capitals opens a headline: pull quotes quote sentences
        quote = 1.0 * (QUOTE_MARKS.search(region.text) is not None) + (len(region.lines) >= 2) \
            + 1.5 * (self.inside_text(region) or self.sentence_runs_across(region)) \
            + 0.5 * (SENTENCE_END.search(region.lines[-1].text) is not None)
        # Any rule over it opens something, a story's rule across its columns too: that is a head's evidence (the
        # rules `sides` weighed are some of these).
        ruled_over = "top" in ruled_sides(box, self.rules, reach, config)
        head = 1.0 * meter.bold(region) + meter.style(region).capitals + ruled_over \
            + (not self.text_directly_above(region, any_size=True)) \
            - (not self.text_directly_below(region, any_size=True))
        return quote >= config.pull_quote_evidence and quote > head + 1

    def text_between(self, box: Polygon, rule: Polygon) -> bool:
        """A block of text stands between the box and a rule over or under it: the rule bounds that block, not
        the box (the rule under a byline beneath a headline)."""
        top, bottom = sorted((box.center[1], rule.center[1]))
        return any(other.lines and self.boxes[other.id] is not box
                   and horizontal_overlap(self.boxes[other.id], box) > 0.5 * min(box.width, self.boxes[other.id].width)
                   and top < self.boxes[other.id].center[1] < bottom
                   and not self.boxes[other.id].bounds[1] < box.center[1] < self.boxes[other.id].bounds[3]
                   for other in self.page.regions)

    def inside_text(self, region: Region) -> bool:
        """Body text of its column directly above and below it, with no rule between: inside a story's text."""
        box = self.boxes[region.id]
        return self.text_directly_above(region) and self.text_directly_below(region) and not any(
            rule.width > rule.height and horizontal_overlap(rule, box) > 0.5 * box.width
            and abs(rule.center[1] - box.bounds[1]) <= self.config.rule_reach * self.body for rule in self.rules)

    def sentence_runs_across(self, region: Region) -> bool:
        """The column's text breaks off mid-sentence over the block and runs on under it, not with a capital (the
        wing cost / $9 million), within a frame's reach (a quote on a tint stands apart by its margins): the block is
        set inside a story's text. With nothing straight over it (a column's top; a deck sits tight under its head),
        text under it in lower case runs on from the column before: no story opens mid-sentence under its head. The
        text under it is any body not set large: a few lines of a narrow justified column measure wide-set."""
        box, reach = self.boxes[region.id], self.config.frame_reach * self.body

        def nearest(above: bool) -> Region | None:
            column = [other for k in self.stacked(region, above, reach)
                      if (other := self.page.regions[k]).lines and (self.running_text(other) if above else (
                          self.typed.get(other.id) == RegionType.body
                          and not self.meter.large(other, self.config.larger_type)))]
            return min(column, key=lambda other: abs(self.boxes[other.id].center[1] - box.center[1]), default=None)

        upper, lower = nearest(above=True), nearest(above=False)
        if lower is None:
            return False
        first = lower.lines[0].text.lstrip()[:1]
        if upper is None:
            return not self.stacked(region, above=True).size and first.isalpha() and first.islower()
        if self.rule_between(self.boxes[upper.id], self.boxes[lower.id]):
            return False
        return not SENTENCE_END.search(upper.lines[-1].text) and (first.islower() or first in SENTENCE_GOES_ON)

    def running_text(self, region: Region, any_size: bool = False) -> bool:
        """A column's running text: body in the body's own type, not a kicker or a list of names typed body so far.
        Nor larger type or a signed line (a deck, a byline not yet typed), unless `any_size`."""
        if self.typed.get(region.id) != RegionType.body or self.meter.other_type(region):
            return False
        return any_size or not (self.meter.large(region, self.config.larger_type) or BYLINE_PATTERN.search(region.text))

    def text_directly_above(self, region: Region, any_size: bool = False) -> bool:
        """Running text straight above in its column, no rule between (text over a story's rule is another's)."""
        box = self.boxes[region.id]
        return any(self.running_text(other := self.page.regions[k], any_size)
                   and not self.rule_between(self.boxes[other.id], box) for k in self.stacked(region, above=True))

    def text_directly_below(self, region: Region, any_size: bool = False) -> bool:
        box = self.boxes[region.id]
        return any(self.running_text(other := self.page.regions[k], any_size)
                   and not self.rule_between(box, self.boxes[other.id]) for k in self.stacked(region, above=False))

    def stacked(self, region: Region, above: bool, reach: float | None = None) -> np.ndarray:
        """The places of the blocks `directly_below` which the region stands (`above`), or directly below it, within
        `reach` (default `stacked_gap` body lines)."""
        box = self.boxes[region.id]
        reach = self.config.stacked_gap * self.body if reach is None else reach
        x0, y0, x1, y1 = self.extent.T
        overlap = np.minimum(x1, box.bounds[2]) - np.maximum(x0, box.bounds[0])
        least = -0.5 * np.minimum(box.height, y1 - y0)
        if above:  # directly_below(box, other)
            gap, wide = box.bounds[1] - y1, overlap > 0.5 * box.width
        else:  # directly_below(other, box)
            gap, wide = y0 - box.bounds[3], overlap > 0.5 * (x1 - x0)
        return np.flatnonzero(self.others(region, (least <= gap) & (gap <= reach) & wide))

    # -- boxes --------------------------------------------------------------------------------------
    def sidebars(self, text: list[Region]) -> None:
        """A framed box without a headline of its own (编者按, a fact box) is a sidebar of the story around it, its
        small label included; a frame holding a headline in larger type (a framed roundtable) is a story of its
        own, typed as any other."""
        config, typed = self.config, self.typed
        reach = config.frame_reach * self.body
        for region in text:
            if typed[region.id] not in (RegionType.body, RegionType.headline, RegionType.kicker):
                continue
            box = self.boxes[region.id]
            closed = [frame for frame in self.frames if box.overlap_ratio(frame) >= 0.8]
            if closed:
                frame = min(closed, key=lambda f: f.area)
            elif typed[region.id] == RegionType.body and len(
                    ruled_sides(box, box_rules(box, self.rules, reach), reach, config)) >= 3:
                frame = box
            else:
                continue
            inside = [r for r in self.page.regions if r.lines and self.boxes[r.id].overlap_ratio(frame) >= 0.8]
            # A story of its own is headed as one: in larger type, or signed (a byline, a dateline, its people).
            signed = any(BYLINE_PATTERN.search(r.text) or DATELINE_PATTERN.search(r.text)
                         or PARTICIPANT_LIST.match(r.text) for r in inside)
            story = any(typed[r.id] == RegionType.headline and (signed or self.meter.large(r, config.much_larger_type))
                        for r in inside)
            if not story:
                typed[region.id] = RegionType.sidebar

    # -- what is set with a headline --------------------------------------------------------------
    def kickers(self) -> None:
        """A smaller heading stacked on a headline, and centred on it, is its kicker or deck; one set flush in a
        single column below it, with the story's text already running beside it, is the next story's headline.
        A deck the detector cut into pieces along one row is judged as the whole row."""
        typed, boxes, config = self.typed, self.boxes, self.config
        headlines = [r for r in self.page.regions if typed[r.id] == RegionType.headline]

        def smaller_stacked(small: Region, big: Region) -> bool:
            # A deck set as large as its headline (typewritten papers have one headline size) can only follow it.
            ratio = self.meter.style(small).size / max(self.meter.style(big).size, 1e-6)
            if ratio < config.deck_ratio:
                return adjacent_vertically(boxes[small.id], boxes[big.id], config.stacked_gap * self.body)
            if ratio < config.kicker_ratio and directly_below(boxes[big.id], boxes[small.id],
                                                               config.stacked_gap * self.body):
                return True  # straight over a headline and smaller, only its kicker stands
            return ratio <= config.same_size_deck and directly_below(boxes[small.id], boxes[big.id],
                                                                     config.stacked_gap * self.body) \
                and not stacked_heading_lines(self.page, big, small, config)

        def body_beside(deck: Polygon, big: Polygon) -> bool:
            return any(typed[r.id] == RegionType.body and horizontal_overlap(boxes[r.id], big) > 0
                       and horizontal_overlap(boxes[r.id], deck) <= 0 and same_row(boxes[r.id], deck)
                       for r in self.page.regions)

        for small in headlines:
            for big in (h for h in headlines if h is not small and smaller_stacked(small, h)):
                row = union_box(boxes[h.id] for h in headlines if h is not big and smaller_stacked(h, big)
                                and same_row(boxes[h.id], boxes[small.id]))
                line_height = boxes[big.id].height / max(1, len(big.lines))
                if _centred_on(row, boxes[big.id], line_height) and not body_beside(row, boxes[big.id]):
                    typed[small.id] = RegionType.kicker
        for region in self.page.regions:
            furniture = typed[region.id] in (RegionType.running_header, RegionType.folio)
            if (furniture and self.kicker_over_headline(region)) or (
                    typed[region.id] == RegionType.body and self.body_size_kicker(region, headlines)):
                typed[region.id] = RegionType.kicker

    def body_size_kicker(self, region: Region, headlines: list[Region]) -> bool:
        """A short line or two in the body's size straight over a headline: its kicker, where it is set apart
        from any text above (space, a rule or a column's top) and ends no sentence, as a story's last lines would."""
        box, config = self.boxes[region.id], self.config
        lines = len(region.lines)
        # A deck wrapped in a narrow column runs over more lines, as few words as ever.
        wrapped = lines > 0 and cjk_share(region.text) < config.cjk_pitch_share \
            and len(region.text.split()) <= config.kicker_max_words
        if not (0 < lines <= config.kicker_max_lines or wrapped) or SENTENCE_END.search(region.lines[-1].text) \
                or any(self.running_text(r) and directly_below(box, self.boxes[r.id], config.stacked_gap * self.body)
                       and not self.rule_between(self.boxes[r.id], box) for r in self.page.regions if r is not region):
            return False
        # Across a rule, body-size lines over a headline end the story above it; a kicker is set with its head.
        return any(directly_below(self.boxes[h.id], box, config.stacked_gap * self.body)
                   and box.width <= config.kicker_width * self.boxes[h.id].width and self.larger_type(h, region)
                   and not self.rule_between(box, self.boxes[h.id])
                   for h in headlines if self.typed[h.id] == RegionType.headline)

    def larger_type(self, big: Region, small: Region) -> bool:
        """Set in larger type: taller lines, or, both in CJK, wider characters (each an em wide: the type's size,
        where line boxes as tall as the line spacing hide it)."""
        config, meter = self.config, self.meter
        if meter.style(big).size > meter.style(small).size:
            return True
        pitches = (meter.style(big).pitch, meter.style(small).pitch)
        return all(pitches) and pitches[0] >= config.close_type_size * pitches[1] and all(
            cjk_share(r.text) >= config.cjk_pitch_share for r in (big, small))

    def sections(self) -> None:
        """A lone short label over the headings is the page's section name (学术圆桌, SPORTS), and so is one a rule
        runs on from along its row (文化 ————, a section's banner); not a picture's credit line under it (本报记者 李想
        摄), nor a story's last words (goes on.), however near a headline below."""
        typed, boxes, config = self.typed, self.boxes, self.config
        for region in self.page.regions:
            box = boxes[region.id]
            if typed[region.id] in (RegionType.body, RegionType.headline) and len(region.lines) == 1 \
                    and len(region.text.replace(" ", "")) <= config.section_max_chars \
                    and not SENTENCE_END.search(region.text) \
                    and not any(self.picture_side(box, boxes[f.id]) == "under" for f in self.page.regions
                                if typed[f.id] == RegionType.figure) \
                    and (self.rule_runs_on(box) or any(
                        0 <= boxes[h.id].bounds[1] - box.bounds[3] <= config.section_reach * self.body
                        and horizontal_overlap(boxes[h.id], box) > 0 for h in self.page.regions
                        if typed[h.id] in (RegionType.headline, RegionType.kicker) and h is not region)):
                typed[region.id] = RegionType.section

    def rule_runs_on(self, box: Polygon) -> bool:
        """A horizontal rule along the block's row, starting within a body line of its end and running on for
        `section_rule_length` times its width: a section's banner, which heads no story of its own."""
        config = self.config
        return any(rule.width > rule.height and box.bounds[1] <= rule.center[1] <= box.bounds[3]
                   and -self.body <= rule.bounds[0] - box.bounds[2] <= self.body
                   and rule.width >= config.section_rule_length * box.width for rule in self.rules)

    def captions_and_bylines(self) -> None:
        typed, boxes, config = self.typed, self.boxes, self.config
        figures = [boxes[r.id] for r in self.page.regions if typed[r.id] == RegionType.figure]
        placed = [boxes[r.id] for r in self.page.regions if typed[r.id] != RegionType.separator]
        for region in self.page.regions:
            if typed[region.id] not in (RegionType.body, RegionType.pull_quote):
                continue
            box = boxes[region.id]
            reach = config.attached_reach * self.body
            # Set with a headline: next to it, no rule between (a rule ends the story above a headline).
            heads = [r for r in self.page.regions if typed[r.id] in (RegionType.headline, RegionType.kicker)]
            # A jump line set under a headline ("Continued from page 14") is a line of its head block: a byline
            # set under it is set with the headline.
            heads += [r for r in self.page.regions if typed[r.id] == RegionType.teaser and jump_head_line(r.lines)
                      and any(adjacent_vertically(boxes[r.id], boxes[h.id], reach)
                              or set_under(boxes[r.id], boxes[h.id], reach, placed, config.flush_left_reach)
                              for h in heads)]
            near_headline = [h for h in heads if (
                adjacent_vertically(box, boxes[h.id], reach)
                or set_under(box, boxes[h.id], reach, placed, config.flush_left_reach))
                             and not self.rule_between(*sorted((box, boxes[h.id]), key=lambda b: b.bounds[1]))]
            under_headline = [h for h in near_headline if boxes[h.id].center[1] < box.center[1]]
            signed = bool(under_headline) and bool(BYLINE_PATTERN.search(region.text) or PARTICIPANT_LIST.match(
                region.text))
            if len(region.lines) <= config.caption_max_lines and not signed \
                    and any(self.captions(region, f) for f in figures):
                typed[region.id] = RegionType.caption
                continue
            if typed[region.id] == RegionType.pull_quote:
                continue  # set apart by its rules or its place in the text, not with the headline
            if under_headline and is_participant_list(region, config):
                typed[region.id] = RegionType.byline  # a roundtable's people, one or two lines each
            elif near_headline and len(region.lines) <= config.byline_max_lines:
                if under_headline and BYLINE_PATTERN.search(region.text):
                    typed[region.id] = RegionType.byline  # signed, in whatever size
                elif self.meter.style(region).size >= config.kicker_size and len(region.lines) <= 2:
                    typed[region.id] = RegionType.kicker
                elif under_headline and len(region.lines) <= 2 and (
                        self.meter.other_type(region) or self.meter.style(region).capitals):
                    # Unsigned, a byline is told from the first lines of the text by its type: bold, italic, capitals.
                    typed[region.id] = RegionType.byline

    def captions(self, region: Region, figure: Polygon) -> bool:
        """Set under a picture, within reach: its caption; over or beside it too, where its type is not the body's."""
        side = self.picture_side(self.boxes[region.id], figure)
        if side == "under":
            # Under a picture whose caption is set over or beside it in a face of its own, more lines in the body's
            # type are the column's text running on; a single line stays its credit or caption.
            return len(region.lines) < 2 or self.meter.other_type(region) or not self.captioned_apart(figure, region)
        # Over or beside a picture, only a face of its own tells a caption from the column's text; larger type
        # there is a pull quote's.
        return side is not None and self.meter.other_type(region) \
            and not self.meter.large(region, self.config.larger_type) and self.typed[region.id] != RegionType.pull_quote

    def picture_side(self, box: Polygon, figure: Polygon) -> str | None:
        """Where a block stands by a picture, within a caption's reach: under, over or beside it; None elsewhere."""
        reach = self.config.caption_reach * self.body
        if directly_below(box, figure, reach):
            return "under"
        if directly_below(figure, box, reach) and horizontal_overlap(box, figure) > 0.5 * box.width:
            return "over"
        gap = max(box.bounds[0] - figure.bounds[2], figure.bounds[0] - box.bounds[2])
        if 0 <= gap <= reach and box.bounds[1] >= figure.bounds[1] - self.body \
                and box.bounds[3] <= figure.bounds[3] + self.body:
            return "beside"
        return None

    def captioned_apart(self, figure: Polygon, region: Region) -> bool:
        """Another block of a caption's length over or beside the picture in a face of its own, no heading or signed
        line (the byline of a story beside): its caption, set there."""
        return any(other is not region and 0 < len(other.lines) <= self.config.caption_max_lines
                   and self.typed[other.id] in (RegionType.body, RegionType.caption)
                   and self.meter.other_type(other) and not self.meter.large(other, self.config.larger_type)
                   and not BYLINE_PATTERN.search(other.text)
                   and self.picture_side(self.boxes[other.id], figure) in ("over", "beside")
                   for other in self.page.regions)

    def one_line_under(self, region: Region, any_size: bool = False) -> list[Region]:
        """The blocks a one-line block not set large (`any_size`: of any size) stands directly under, within a
        dateline's reach; none for any other block."""
        config = self.config
        if len(region.lines) != 1 or (not any_size and self.meter.large(region, config.headline_height_ratio)):
            return []
        box = self.boxes[region.id]
        return [r for r in self.page.regions if r is not region and directly_below(
            box, self.boxes[r.id], config.dateline_reach * self.body)]

    def masthead_lines(self) -> None:
        """The line right under the masthead is the issue's date line, part of the masthead: it may be set in
        capitals or centred as a heading is, but it heads no text of its own. Set large, only its date or number
        tells it from a lead headline ruled off from its story. A rule under the masthead's lines closes them: a line
        under that rule is the page's first story's (its kicker), however near."""
        typed = self.typed
        for region in self.page.regions:
            if typed[region.id] not in (RegionType.body, RegionType.headline) or (
                    typed[region.id] == RegionType.headline and self.heads_text_below(region)):
                continue
            under = self.one_line_under(region, any_size=ISSUE_LINE_PATTERN.search(region.text) is not None)
            if any(typed[r.id] == RegionType.masthead
                   and not self.rule_between(self.boxes[r.id], self.boxes[region.id]) for r in under):
                typed[region.id] = RegionType.masthead

    def datelines(self) -> None:
        """A place-and-date line in a story's header block is the story's dateline. A line under the masthead's is
        the masthead's too, unless a rule parts them or it is set over its own headline (the first story's kicker)."""
        typed = self.typed
        for region in self.page.regions:
            if typed[region.id] not in (RegionType.body, RegionType.byline, RegionType.kicker):
                continue
            above = self.one_line_under(region)
            if typed[region.id] != RegionType.kicker and any(
                    typed[r.id] == RegionType.masthead
                    and not self.rule_between(self.boxes[r.id], self.boxes[region.id]) for r in above):
                typed[region.id] = RegionType.masthead
            elif DATELINE_PATTERN.search(region.text) and any(
                    typed[r.id] in (RegionType.headline, RegionType.kicker, RegionType.byline) for r in above):
                typed[region.id] = RegionType.dateline


def is_participant_list(region: Region, config: TypingConfig) -> bool:
    """主持人：刘迪 本报记者 / 嘉宾：张占斌 中央党校…: names and posts, no sentence, however many lines it runs to.

    A host's first turn also opens with 主持人：, but as a sentence.
    """
    return len(region.lines) <= config.participant_list_max_lines and bool(PARTICIPANT_LIST.match(region.text)) \
        and not SENTENCE_MARKS.search(region.text)


def _centred_on(small: Polygon, big: Polygon, slack: float = 0.0) -> bool:
    """Set on the heading's axis, or flush with its left edge as Latin decks are (within `slack`, the heading's
    line height: a headline opening with a quotation mark starts its ink a character in)."""
    return small.width >= 0.6 * big.width or abs(small.center[0] - big.center[0]) <= 0.15 * big.width \
        or abs(small.bounds[0] - big.bounds[0]) <= max(0.03 * big.width, slack)
