"""Articles: every block of article text lands in exactly one article, placed by the page's geometry as a whole.

Heads start articles: the headlines, and blocks that open with a "continued from" jump head under no
headline of their own (the rest of another page's story). Every other block of article content —
body, caption, pull quote, byline, dateline, sidebar, figure, table — is weighed against every head:
whether the head stands over its columns or beside it, how far above, which heads lie between, and
which rules and frames lie between. It goes to the best head that the evidence allows. A rule ends a
story only as evidence among the rest: the rule under a headline block, a pull quote's rules and the
edges of a frame do not; a frame with a head inside is a story of its own, one without is a box of the
story around it.

What no head can claim is not dropped: a block continues the story that precedes it in reading order,
as a reader would take it, and text before any headline (the rest of a story from another page)
becomes an article without a head, titled from its first words. Only page furniture and
advertisements stay outside articles. That conservation is checked before the stage returns.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from statistics import median

from broadsheet.config import ArticlesConfig
from broadsheet.model.geometry import ColumnEdge, Polygon, horizontal_overlap, set_under, union_box, vertical_overlap
from broadsheet.model.page import (
    OUTSIDE_ARTICLE_TYPES,
    Article,
    Flag,
    Line,
    Page,
    Paragraph,
    Region,
    RegionType,
    Severity,
)
from broadsheet.stages import reading_order
from broadsheet.stages.base import recorded_step, rules_version, to_working
from broadsheet.stages.jumps import jump_head_line, opens_continued_story
from broadsheet.stages.ocr import ENGINE_ORDER
from broadsheet.stages.reading_order import column_order, xy_cut
from broadsheet.stages.typing.frames import find_frames
from broadsheet.text.normalise import ends_sentence
from broadsheet.text.script import cjk_share, join_fragments

ATTACHED_TO_HEADLINE = frozenset({RegionType.kicker, RegionType.byline, RegionType.dateline})
"""Parts of a story's head block: they sit next to their headline, above or below it."""
PARAGRAPH_TYPES = frozenset({RegionType.body})


@dataclass(frozen=True)
class Geometry:
    """What the stage knows of the page: working-image boxes, the body type, rules and frames."""

    boxes: dict[str, Polygon]
    body: float
    rules: list[Polygon]
    frames: list[Polygon]
    frame_of: dict[str, int | None]
    """Index of the innermost frame each region lies in."""
    placed: list[Polygon]
    """The boxes of everything printed but rules: what may stand between a block and the head it is set under."""


def _geometry(page: Page, config: ArticlesConfig) -> Geometry:
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    # Pages typed elsewhere (ALTO with its own block types) skip the typing stage: their median line stands in.
    lines = [to_working(page, line.polygon).height for r in page.regions for line in r.lines]
    body = (page.body_type.line_height if page.body_type else 0.0) or (median(lines) if lines else 30.0)
    separators = [boxes[r.id] for r in page.regions if r.type == RegionType.separator]
    frames = find_frames(separators, body)
    frame_of: dict[str, int | None] = {}
    for region in page.regions:
        inside = [k for k, frame in enumerate(frames) if boxes[region.id].overlap_ratio(frame) >= config.frame_inside]
        frame_of[region.id] = min(inside, key=lambda k: frames[k].area) if inside else None
    placed = [boxes[r.id] for r in page.regions if r.type != RegionType.separator]
    return Geometry(boxes, body, _story_rules(separators, frames, body), frames, frame_of, placed)


def _story_rules(separators: list[Polygon], frames: list[Polygon], body: float) -> list[Polygon]:
    """Horizontal rules that may end a story: not the top or bottom edge of a framed box."""

    def edge(rule: Polygon) -> bool:
        return any(abs(rule.center[1] - y) <= body and horizontal_overlap(rule, frame) >= 0.9 * rule.width
                   for frame in frames for y in (frame.bounds[1], frame.bounds[3]))

    return [r for r in separators if r.width > r.height and not edge(r)]


def _shares_columns(a: Polygon, b: Polygon, config: ArticlesConfig) -> bool:
    return horizontal_overlap(a, b) > config.shares_columns * min(a.width, b.width)


class Placement:
    """Weighs every head against every block of the page and decides where each block goes."""

    def __init__(self, page: Page, geometry: Geometry, heads: dict[str, Polygon], config: ArticlesConfig) -> None:
        self.page, self.geometry, self.heads, self.config = page, geometry, heads, config
        self.by_id = {r.id: r for r in page.regions}
        # A head's block: the head and the kickers, decks and bylines set with it, decided first.
        self.head_block: dict[str, Polygon] = dict(heads)
        # A vertical page seen turned: a block right of a head (in a tier below it on the page) is no column of a head
        # set over fewer columns than its story; a story wrapping into the tier below goes on in reading order.
        self.vertical = page.writing_mode == "vertical-rl"

    def attach(self, region: Region) -> str | None:
        """The head a kicker, byline or dateline is set with: next to it above or below over its columns, or flush
        left under a head block centred over the story's columns. Of those, one no rule parts from it, and the
        nearest edge to edge: a dateline under a byline is its own head's, not the next headline's a rule away."""
        box = self.geometry.boxes[region.id]
        reach = self.config.header_rule_gap * self.geometry.body
        near = [head_id for head_id in self.heads if self._same_frame(region.id, head_id) and (
            (_shares_columns(box, self.heads[head_id], self.config) and self._adjacent(box, self.heads[head_id]))
            or set_under(box, self.head_block[head_id], reach, self.geometry.placed, self.config.flush_left_reach))]
        if not near:
            return None
        owner = min(near, key=lambda head_id: (self._rule_across(box, head_id),
                                               abs(box.center[1] - self.heads[head_id].center[1])))
        self.head_block[owner] = union_box([self.head_block[owner], box])
        return owner

    def _rule_across(self, box: Polygon, head_id: str) -> bool:
        """A story's rule over the block's columns between it and the head's block."""
        block = self.head_block[head_id]
        top, bottom = (block.bounds[3], box.bounds[1]) if block.center[1] <= box.center[1] \
            else (box.bounds[3], block.bounds[1])
        return any(top <= rule.center[1] <= bottom and horizontal_overlap(rule, box) > 0
                   for rule in self.geometry.rules)

    def _adjacent(self, box: Polygon, head: Polygon) -> bool:
        return _edge_gap(box, head) <= self.config.header_rule_gap * self.geometry.body + max(0.0, head.height)

    def _same_frame(self, region_id: str, head_id: str) -> bool:
        """Whether frames let a head own a block: a frame with a head inside is a story apart, owning all that is
        in it and nothing outside; a frame without one is a box of the story around it."""
        frame, head_frame = self.geometry.frame_of[region_id], self.geometry.frame_of[head_id]
        if frame == head_frame:
            return True
        if frame is not None and self._framed_heads(frame):
            return False
        return head_frame is None or self.geometry.boxes[region_id].overlap_ratio(
            self.geometry.frames[head_frame]) >= self.config.frame_inside

    def _framed_heads(self, frame: int | None) -> bool:
        return frame is not None and any(self.geometry.frame_of[h] == frame for h in self.heads)

    def owner(self, region: Region) -> str | None:
        """The best head for a block, or None where no head may have it.

        Over its columns, the lowest head above it wins, unless a rule that ends a story lies between them.
        A head to its left whose top is level with the block's (a head set over fewer columns than its
        story) wins where nothing over the block's columns may have it, or where white space above the block
        shows the story over its columns ended there.
        """
        box = self._placed_box(region)
        above: list[tuple[float, str]] = []
        beside: list[tuple[float, float, str]] = []
        for head_id, head in self.heads.items():
            if head_id == region.id or not self._same_frame(region.id, head_id):
                continue
            if _shares_columns(box, head, self.config):
                if head.bounds[3] <= box.bounds[1] + self.config.head_overlaps_block * box.height \
                        and not self._rule_between(head_id, box) and self._in_tier(box, head):
                    above.append((-head.bounds[3], head_id))
            elif not self.vertical and self._beside(box, head_id) \
                    and not self._rule_between(head_id, box, beside=True) \
                    and not self._story_closed(head_id):
                # Of the heads level with it, the nearest on its left: its story's columns run on rightwards.
                beside.append((box.bounds[0] - head.bounds[2], abs(box.bounds[1] - head.bounds[1]), head_id))
        nearest_above = min(above)[1] if above else None
        if nearest_above is not None and self._head_between(nearest_above, box):
            nearest_above = None
        if beside and (nearest_above is None or self._story_ended_above(box, nearest_above)):
            return min(beside)[2]
        return nearest_above

    def _in_tier(self, box: Polygon, head: Polygon) -> bool:
        """On a vertical page (seen turned, a tier of the page is a run across x), whether the block lies in the
        head's tier: enough of its run within the head's, and its columns starting no further above the head's top
        than a few characters (a story's columns start level with its head; one starting well above is the end of
        the story over the head, wrapped round it). On a horizontal page, any block the head stands over."""
        if not self.vertical:
            return True
        config = self.config
        return horizontal_overlap(box, head) >= config.vertical_tier_share * box.width \
            and head.bounds[0] - box.bounds[0] <= config.vertical_above_head * self.geometry.body

    def head_follows(self, region_id: str, head_id: str) -> bool:
        """On a vertical page, whether the head stands after the block in the block's tier (seen turned: below it,
        over its columns): a story's text follows its head there, so the block is none of that story's."""
        if not self.vertical or head_id not in self.heads:
            return False
        box, head = self.geometry.boxes[region_id], self.heads[head_id]
        return head.bounds[1] >= box.bounds[3] and _shares_columns(box, head, self.config)

    def _placed_box(self, region: Region) -> Polygon:
        """Where a block stands: a framed box without a head of its own stands for all of its frame."""
        frame = self.geometry.frame_of[region.id]
        if frame is not None and not self._framed_heads(frame):
            return self.geometry.frames[frame]
        return self.geometry.boxes[region.id]

    def _beside(self, box: Polygon, head_id: str) -> bool:
        """A head set over fewer columns than its story: to the block's left, level with its top (or its block's:
        a kicker over it), and as wide as a column at least (a heading centred in one column, as on an 1850 page,
        heads that column alone)."""
        config, head = self.config, self.heads[head_id]
        line = head.height / max(1, len(self.by_id[head_id].lines))
        return head.bounds[2] <= box.bounds[0] + config.beside_margin * box.width \
            and head.width >= config.beside_head_width * box.width \
            and self.head_block[head_id].bounds[1] - config.beside_above * line <= box.bounds[1] \
            <= head.bounds[1] + config.beside_below * head.height

    def _story_closed(self, head_id: str) -> bool:
        """The head's story ends in its own column: another head stands below it there, and the text just over
        that head ends a sentence. A column of several items (an 1850 page) runs on into the next column from
        its last item, not from its first."""
        head = self.head_block[head_id]
        below = [other for other_id, other in self.heads.items() if other_id != head_id
                 and other.bounds[1] >= head.bounds[3] and _shares_columns(other, head, self.config)]
        if not below:
            return False
        next_head = min(below, key=lambda other: other.bounds[1])
        text = [(other.bounds[3], rid) for rid, other in self.geometry.boxes.items()
                if rid not in self.heads and self.by_id[rid].lines and self.by_id[rid].type in PARAGRAPH_TYPES
                and head.bounds[3] <= other.center[1] <= next_head.bounds[1]
                and _shares_columns(other, head, self.config)]
        return bool(text) and ends_sentence(self.by_id[max(text)[1]].lines[-1].text)

    def _head_between(self, head_id: str, box: Polygon) -> bool:
        """Another head lies between this one and the block, over the block's columns: that one is nearer."""
        head = self.heads[head_id]
        return any(other_id != head_id and head.bounds[3] <= other.center[1] <= box.bounds[1]
                   and horizontal_overlap(other, box) > 0.5 * min(other.width, box.width)
                   for other_id, other in self.heads.items())

    def _rule_between(self, head_id: str, box: Polygon, beside: bool = False) -> bool:
        """A rule across the block's columns between head and block, other than the head block's or a pull quote's."""
        config, body = self.config, self.geometry.body
        block = self.head_block[head_id]
        top = block.bounds[1] if beside else block.bounds[3]
        for rule in self.geometry.rules:
            if not top <= rule.center[1] <= box.bounds[1]:
                continue
            if horizontal_overlap(rule, box) < config.rule_covers * box.width:
                continue
            header = None if beside else self._header_bottom(block, rule, box)
            if header is not None and rule.center[1] - header <= config.header_rule_gap * body:
                continue  # the rule under the headline block
            if self._set_apart_rule(rule):
                continue
            return True
        return False

    def _header_bottom(self, block: Polygon, rule: Polygon, box: Polygon) -> float | None:
        """Where a head block ends over the block's columns, above a rule: its own bottom, or that of the few lines
        set straight under it (a deck or byline typed as text); None where a story's text lies between (set apart,
        more lines, or lines ending a sentence)."""
        set_under = [(other, self.by_id[rid]) for rid, other in self.geometry.boxes.items()
                     if block.bounds[3] <= other.center[1] <= rule.center[1] and horizontal_overlap(other, box) > 0
                     and self.by_id[rid].lines and rid not in self.heads]
        # A deck or a byline is set tight under the head, each under the one before; a story's text stands apart.
        # A jump line or another teaser set there is a step of that chain too, though it is not the story's text.
        bottom = block.bounds[3]
        for other, region in sorted(set_under, key=lambda item: item[0].bounds[1]):
            if other.bounds[1] - bottom > self.config.header_gap * self.geometry.body:
                if region.type in OUTSIDE_ARTICLE_TYPES:
                    continue  # a teaser set apart is no step, and no story text either
                return None
            bottom = max(bottom, other.bounds[3])
        between = [(other, region) for other, region in set_under if region.type not in OUTSIDE_ARTICLE_TYPES]
        if not between:
            return bottom
        last = max(between, key=lambda item: item[0].bounds[3])[1]
        # A story ends a sentence before its rule; a deck or a byline does not.
        if sum(len(region.lines) for _, region in between) > self.config.header_lines \
                or ends_sentence(last.lines[-1].text):
            return None
        return bottom

    def _set_apart_rule(self, rule: Polygon) -> bool:
        """A rule hugging a pull quote or a sidebar (an editor's note between rules): it sets that block apart
        inside the story, and ends nothing."""
        reach = self.config.quote_rule_gap * self.geometry.body
        return any(rule.width <= self.config.quote_rule_width * inset.width
                   and horizontal_overlap(rule, inset) > 0.5 * inset.width
                   and min(abs(rule.center[1] - inset.bounds[1]), abs(rule.center[1] - inset.bounds[3])) <= reach
                   for rid, inset in self.geometry.boxes.items()
                   if self.by_id[rid].type in (RegionType.pull_quote, RegionType.sidebar))

    def _story_ended_above(self, box: Polygon, head_id: str) -> bool:
        """White space of a story break above the block in its column, below the head over it."""
        head = self.head_block[head_id]
        above = [other.bounds[3] for rid, other in self.geometry.boxes.items()
                 if rid != head_id and self.by_id[rid].lines and head.bounds[3] <= other.bounds[3] <= box.bounds[1]
                 and horizontal_overlap(other, box) > 0.5 * min(other.width, box.width)
                 and not head.bounds[1] <= other.bounds[1] <= other.bounds[3] <= head.bounds[3]]
        # With no text between but the head block's own (its byline), the white under it is the block's (its rule,
        # the space before its text): its story has not begun over the block, so none ended there.
        if not above:
            return False
        return box.bounds[1] - max(above) >= self.config.story_break * self.geometry.body


def _edge_gap(box: Polygon, other: Polygon) -> float:
    """White space between two boxes one above the other (negative where they overlap)."""
    return max(box.bounds[1] - other.bounds[3], other.bounds[1] - box.bounds[3])


def _content(region: Region) -> bool:
    """Article content: text that is no page furniture or advertisement, and pictures."""
    if region.type in OUTSIDE_ARTICLE_TYPES or region.type == RegionType.separator:
        return False
    return region.type == RegionType.figure or any(line.text.strip() for line in region.lines)


def _figure_of(region: Region, geometry: Geometry, figures: list[str]) -> str | None:
    """The picture a caption is set under, over or beside."""
    box = geometry.boxes[region.id]
    reach = 2.5 * geometry.body
    near = []
    for figure_id in figures:
        figure = geometry.boxes[figure_id]
        gap_y = _edge_gap(box, figure)
        gap_x = max(box.bounds[0] - figure.bounds[2], figure.bounds[0] - box.bounds[2])
        if gap_y <= reach and horizontal_overlap(box, figure) > 0.5 * min(box.width, figure.width):
            near.append((gap_y, figure_id))
        elif gap_x <= reach and vertical_overlap(box, figure) > 0:
            near.append((gap_x, figure_id))
    return min(near)[1] if near else None


def segment(page: Page, config: ArticlesConfig, region_order: list[str],
            stated_order: bool = False) -> tuple[list[Article], list[str], list[str]]:
    """Articles, the page's reading order article by article, and any article content left outside them (none, by
    construction).

    `region_order`: the regions in the order read before articles are known (the reading-order stage's, or the
    source's): a block no head claims continues the story before it there. `stated_order`: that order is the
    source's own (PAGE, ALTO ReadingOrder from people or a tool that knew the page): articles and their parts
    follow it instead of being read off the geometry."""
    geometry = _geometry(page, config)
    boxes = geometry.boxes
    by_id = {r.id: r for r in page.regions}
    content = [r for r in page.regions if _content(r)]
    headlines = {r.id: boxes[r.id] for r in content if r.type == RegionType.headline}
    # A lone "Continued from page 2" line (typed a teaser: a short block naming a page) set over article text
    # under no headline is the jump head of the rest of another page's story: it is that story's, and heads it.
    # One set flush left under a headline centred over the story's columns is that story's jump line.
    reach = config.header_rule_gap * geometry.body
    lone_jump_heads = [r for r in page.regions if r.type == RegionType.teaser and jump_head_line(r.lines)
                       and not any(_heads(h, boxes[r.id], geometry.body)
                                   or set_under(boxes[r.id], h, reach, geometry.placed, config.flush_left_reach)
                                   for h in headlines.values())
                       and any(_heads(boxes[r.id], boxes[c.id], geometry.body, narrow_head=True) for c in content
                               if c.type in PARAGRAPH_TYPES or c.type in ATTACHED_TO_HEADLINE)]
    content += lone_jump_heads
    # Text opening with "Continued from page 2" and no headline just above it is the rest of another
    # page's story (its jump headline may be hand-lettered and unread): it starts an article, as a headline does.
    jump_heads = {r.id for r in content if r.type in PARAGRAPH_TYPES and opens_continued_story(r.lines)
                  and not any(_heads(h, boxes[r.id], geometry.body) for h in headlines.values())}
    jump_heads |= {r.id for r in lone_jump_heads}
    heads = {**headlines, **{rid: boxes[rid] for rid in jump_heads}}
    placement = Placement(page, geometry, heads, config)
    # A jump line set under a headline (flush left under one centred over the story's columns) is a line of its head
    # block: the byline set under it is set with that headline, and the head's rule is under both.
    for teaser in page.regions:
        if teaser.type == RegionType.teaser and jump_head_line(teaser.lines) and teaser not in lone_jump_heads:
            near = [h for h, box in headlines.items() if _heads(box, boxes[teaser.id], geometry.body)
                    or set_under(boxes[teaser.id], box, reach, geometry.placed, config.flush_left_reach)]
            if near:
                owner_head = min(near, key=lambda h: abs(boxes[teaser.id].bounds[1] - headlines[h].bounds[3]))
                placement.head_block[owner_head] = union_box([placement.head_block[owner_head], boxes[teaser.id]])

    owner: dict[str, str | None] = {}
    for region in sorted(content, key=lambda r: boxes[r.id].bounds[1]):  # a head's block grows downwards
        if region.id in heads:
            owner[region.id] = region.id
        elif region.type in ATTACHED_TO_HEADLINE:
            attached = placement.attach(region)
            if attached is not None:
                owner[region.id] = attached
    figures = [r.id for r in content if r.type == RegionType.figure]
    captions = {r.id: _figure_of(r, geometry, figures) for r in content if r.type == RegionType.caption}
    for region in content:
        if region.id not in owner and region.id not in captions:
            owner[region.id] = placement.owner(region)
    for caption_id, figure_id in captions.items():
        owner[caption_id] = owner.get(figure_id) if figure_id else placement.owner(by_id[caption_id])

    _run_on_level(content, owner, geometry, config)
    # What no head may claim continues the story before it in reading order; before any story, it opens one.
    page_order = [rid for rid in region_order if rid in by_id] + \
        [r.id for r in page.regions if r.id not in region_order]
    stories: list[str] = []  # the stories read so far, the latest last
    untitled: list[str] = []
    for region_id in page_order:
        if region_id not in owner:
            continue
        story = owner[region_id]
        if story is None:
            # The latest story it may continue: on a vertical page, not one whose head follows it in its tier.
            story = next((read for read in reversed(stories) if not placement.head_follows(region_id, read)), None)
            if story is None or opens_continued_story(by_id[region_id].lines):
                untitled.append(region_id)
                story = region_id
            owner[region_id] = story
        stories.append(story)

    starts = [*heads, *untitled]
    members: dict[str, list[Region]] = {start: [] for start in starts}
    for region in content:
        members[owner[region.id] or region.id].append(region)
    articles: list[Article] = []
    furniture = [r for r in page.regions if r.type in OUTSIDE_ARTICLE_TYPES and r.id not in owner]
    order_index = {region_id: k for k, region_id in enumerate(page_order)}
    reading = [r.id for r in sorted(furniture, key=lambda r: order_index.get(r.id, 0)) if r.type != RegionType.folio]
    article_boxes = [(start, union_box(boxes[r.id] for r in members[start])) for start in starts]
    article_order = sorted(starts, key=lambda start: min(order_index.get(r.id, len(order_index))
                                                         for r in members[start])) if stated_order \
        else xy_cut(article_boxes)
    for start in article_order:
        regions = members[start]
        heading = start if start in headlines else None
        attached = sorted((r for r in regions if r.type in ATTACHED_TO_HEADLINE and r.id != start),
                          key=lambda r: boxes[r.id].bounds[1])
        rest = [r for r in regions if r not in attached and r.id != heading]
        if stated_order:  # the headline opens the story; the rest, kickers and bylines too, as the source reads it
            ordered_ids = ([heading] if heading else []) + [r.id for r in sorted(
                [*attached, *rest], key=lambda r: order_index.get(r.id, len(order_index)))]
        else:
            ordered_ids = ([heading] if heading else []) + [r.id for r in attached] + column_order(
                [(r.id, boxes[r.id]) for r in rest])
        ordered = [by_id[i] for i in ordered_ids]
        article_id = f"{page.id}-a{len(articles) + 1}"
        paragraphs = build_paragraphs(page, ordered, article_id, config.indent)
        title = join_fragments(line.text for line in by_id[heading].lines) if heading else ""
        articles.append(Article(
            id=article_id, page_ids=[page.id], headline_region_id=heading, region_ids=ordered_ids,
            paragraphs=paragraphs, title=title or first_words(paragraphs, ordered, config),
            title_from="headline" if title else "text"))
        reading.extend(ordered_ids)
    reading.extend(r.id for r in furniture if r.type == RegionType.folio)
    claimed = [rid for article in articles for rid in article.region_ids]
    left_out = [r.id for r in content if r.lines and claimed.count(r.id) != 1]
    return articles, reading, left_out


def _run_on_level(content: list[Region], owner: dict[str, str | None], geometry: Geometry,
                  config: ArticlesConfig) -> None:
    """A block no head may claim, set level with a block of text beside it across one gutter, is another column of
    that block's story: a story's columns start on one line. The block to its left comes first (the column before);
    else the one to its right (a headline centred over a story's middle columns leaves its first columns under no
    head). A head beside it is no such block: in a page of items run down the columns, the column's top continues
    the item the column before ends with."""
    boxes, body = geometry.boxes, geometry.body
    texts = [r for r in content if r.type in PARAGRAPH_TYPES]

    def level(box: Polygon, other: Polygon) -> bool:
        return abs(box.bounds[1] - other.bounds[1]) <= config.run_on_level * body

    unclaimed = sorted((r for r in texts if owner.get(r.id, "") is None), key=lambda r: boxes[r.id].bounds[0])
    while unclaimed:
        for region in unclaimed:
            box = boxes[region.id]
            claimed = [other for other in texts if owner.get(other.id) is not None and level(box, boxes[other.id])]
            left = [other for other in claimed if 0 <= box.bounds[0] - boxes[other.id].bounds[2]
                    <= config.run_on_gutter * body]
            right = [other for other in claimed if 0 <= boxes[other.id].bounds[0] - box.bounds[2]
                     <= config.run_on_gutter * body]
            if left or right:
                beside = max(left, key=lambda other: boxes[other.id].bounds[2]) if left \
                    else min(right, key=lambda other: boxes[other.id].bounds[0])
                owner[region.id] = owner[beside.id]
                unclaimed.remove(region)
                break
        else:
            return


def _heads(headline: Polygon, region: Polygon, body: float, narrow_head: bool = False) -> bool:
    """A headline printed just above the region, over its column (`narrow_head`: over part of it, as a short jump
    line is)."""
    gap = region.bounds[1] - headline.bounds[3]
    return -0.5 * region.height <= gap <= max(2 * headline.height, 3 * body) \
        and horizontal_overlap(region, headline) > 0.5 * (min(region.width, headline.width) if narrow_head
                                                           else region.width)


def first_words(paragraphs: list[Paragraph], regions: list[Region], config: ArticlesConfig) -> str:
    """A title for an article without a headline: its first words, cut short with an ellipsis."""
    text = paragraphs[0].text if paragraphs else join_fragments(
        line.text for region in regions for line in region.lines)
    text = " ".join(text.split())
    if not text:
        return ""
    short = text[:config.title_characters] if cjk_share(text) >= 0.5 else " ".join(text.split(" ")[:config.title_words])
    return short if short == text else f"{short.rstrip(',;:，、：；')}…"


def build_paragraphs(page: Page, regions: list[Region], article_id: str, indent: float) -> list[Paragraph]:
    """Body lines into paragraphs: a line indented from its column's edge opens one; a paragraph runs on across
    columns and around pull quotes, as long as the next column's first line is not indented."""
    paragraphs: list[Paragraph] = []
    current: list[tuple[Line, str]] = []

    def close() -> None:
        if current:
            paragraphs.append(Paragraph(
                id=f"{article_id}-p{len(paragraphs) + 1}",
                line_ids=[line.id for line, _ in current],
                region_ids=list(dict.fromkeys(region_id for _, region_id in current)),
                text=join_fragments(line.text for line, _ in current),
            ))
            current.clear()

    for region in regions:
        if region.type not in PARAGRAPH_TYPES or not region.lines:
            continue
        boxes = [to_working(page, line.polygon) for line in region.lines]
        edge = ColumnEdge.of(boxes)
        for line, box in zip(region.lines, boxes, strict=True):
            if edge.indents(box, indent):
                close()
            current.append((line, region.id))
    close()
    return paragraphs


ARTICLE_ORDER = "articles"
"""The articles step's `reading_order` setting: the page's reading order is rebuilt article by article (furniture,
then each article's parts, folios last); after the engine's order (`ENGINE_ORDER`) where the OCR engine read the
whole page."""


class Articles:
    name = "articles"

    def __init__(self, config: ArticlesConfig | None = None, stated_order: bool = False) -> None:
        self.config = config or ArticlesConfig()
        self.stated_order = stated_order
        """Keep the reading order the page came with (see `segment`)."""
        self.version = rules_version("articles", (sys.modules[__name__], reading_order), self.config)

    def __call__(self, page: Page) -> Page:
        """The page with its articles; its reading order, the stage's input, becomes the order by article (the
        step's `reading_order` says so), but for an order the OCR engine read the whole page in."""
        page = page.model_copy(deep=True)
        # An order the OCR engine read the whole page in is stated as much as one the page came with, and the page
        # keeps it: an article gathers regions from across the page, so its order is no page's reading order.
        engine_order = reading_order.engine_read_order(page)
        stated_order = self.stated_order or bool(engine_order)
        known = set(engine_order)
        settings = {"stated_order": stated_order,
                    "reading_order": f"{ENGINE_ORDER}+{ARTICLE_ORDER}" if engine_order else ARTICLE_ORDER}
        with recorded_step(page, self.name, "broadsheet", self.version, settings):
            page.articles, by_articles, left_out = segment(page, self.config, page.reading_order, stated_order)
            page.reading_order = [*engine_order, *(rid for rid in by_articles if rid not in known)]
            if left_out:
                # Conservation is the stage's invariant; reaching here is a bug, and the page says so.
                page.flags.append(Flag(
                    code="text-outside-articles", severity=Severity.error, element_id=left_out[0],
                    reason=f"{len(left_out)} text region(s) are in no article or in more than one; they are in "
                           f"the ALTO but not (once) in the TEI: {', '.join(left_out)}"))
        return page
