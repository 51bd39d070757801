"""Articles: one per headline, each with its kicker, byline, columns, figures and captions.

A region belongs to the nearest headline above it that shares its columns, as American
Stories does with headline/byline/body geometry. Body lines become paragraphs by indentation:
a first line is indented, a continued paragraph at the top of the next column is not.
"""

from __future__ import annotations

from statistics import median

from pipeline.continuations import opens_continued_story
from pipeline.geometry import Polygon
from pipeline.model import (
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
from pipeline.stages.base import recorded_step, to_working
from pipeline.stages.reading_order import column_order, xy_cut
from pipeline.text import join_fragments

ATTACHED_TO_HEADLINE = frozenset({RegionType.kicker, RegionType.byline, RegionType.dateline})
PARAGRAPH_TYPES = frozenset({RegionType.body})
INDENT_RATIO = 0.6
"""A line starting this many line heights right of its column's edge opens a paragraph."""


def _overlap_x(a: Polygon, b: Polygon) -> float:
    return min(a.bounds[2], b.bounds[2]) - max(a.bounds[0], b.bounds[0])


def _frames(rule: Polygon, region: Polygon) -> bool:
    """A rule hugging a region's top, little wider than it: the rule over a pull quote, not a story's end."""
    return rule.width <= 1.6 * region.width and region.bounds[1] - rule.center[1] <= 0.3 * region.height


def _blocked(region: Polygon, headline: Polygon, rules: list[Polygon]) -> bool:
    """A rule across the columns between a headline and a region ends the headline's article there."""
    return any(headline.bounds[3] <= rule.center[1] <= region.bounds[1] and rule.width >= 1.3 * region.width
               and _overlap_x(rule, region) >= 0.8 * region.width and not _frames(rule, region) for rule in rules)


def owner_headline(region: Polygon, headlines: dict[str, Polygon], attached: bool,
                   rules: list[Polygon]) -> str | None:
    """The headline whose article a region belongs to.

    Candidates are the headlines above that share the region's columns, and headlines to
    the left whose top is level with the region's top (a headline set over fewer columns than
    its article). The most recent, i.e. lowest, unblocked candidate wins. Kickers and bylines
    may also sit just above their headline.
    """
    best: tuple[tuple[bool, float], str] | None = None
    for headline_id, headline in headlines.items():
        shares_columns = _overlap_x(region, headline) > 0.3 * min(region.width, headline.width)
        below = headline.bounds[3] <= region.bounds[1] + 0.5 * region.height
        above = headline.bounds[1] >= region.bounds[3] - 0.5 * region.height
        # The columns beside a headline may start a little above it, level with its kicker.
        level_to_the_left = (headline.bounds[2] <= region.bounds[0] + 0.1 * region.width
                             and headline.bounds[1] - 0.5 * headline.height <= region.bounds[1]
                             <= headline.bounds[3] + headline.height)
        if shares_columns and not (below or (attached and above)):
            continue
        if not shares_columns and (attached or not level_to_the_left):
            continue
        if _blocked(region, headline, rules):
            continue
        # A headline over the region's own columns beats one level with it on the left.
        rank = (not shares_columns, -headline.bounds[1] if not attached else abs(region.center[1] - headline.center[1]))
        if best is None or rank < best[0]:
            best = (rank, headline_id)
    return best[1] if best else None


def _heads(headline: Polygon, region: Polygon) -> bool:
    """A headline printed just above the region, over its column."""
    gap = region.bounds[1] - headline.bounds[3]
    return -0.5 * region.height <= gap <= 2 * headline.height and _overlap_x(region, headline) > 0.5 * region.width


def article_rules(separators: list[Polygon]) -> list[Polygon]:
    """Horizontal rules that can end an article: not the top or bottom edge of a framed box."""
    horizontal = [r for r in separators if r.width > r.height]
    vertical = [r for r in separators if r.height > r.width]

    def touches(x: float, y: float) -> bool:
        return any(abs(v.center[0] - x) < 0.02 * max(v.height, 200) + v.width
                   and v.bounds[1] - 10 <= y <= v.bounds[3] + 10 for v in vertical)

    return [r for r in horizontal if not (touches(r.bounds[0], r.center[1]) and touches(r.bounds[2], r.center[1]))]


def build_paragraphs(page: Page, regions: list[Region], article_id: str) -> list[Paragraph]:
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
        # Most lines of a column start at its edge; a stray wide box must not make them all look indented.
        left = sorted(box.bounds[0] for box in boxes)[len(boxes) // 4]
        height = median(box.height for box in boxes)
        for line, box in zip(region.lines, boxes, strict=True):
            if box.bounds[0] - left > INDENT_RATIO * height:
                close()
            current.append((line, region.id))
    close()
    return paragraphs


class Articles:
    name = "articles"

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, "broadsheet", "headline-geometry-1", {}):
            page.articles, page.reading_order, orphans = segment(page)
            if orphans:
                page.flags.append(Flag(
                    code="text-outside-articles", severity=Severity.warning, element_id=orphans[0],
                    reason=f"{len(orphans)} text region(s) belong to no headline; they are in the ALTO "
                           f"but in no TEI article: {', '.join(orphans)}"))
        return page


def segment(page: Page) -> tuple[list[Article], list[str], list[str]]:
    """Articles, the page's reading order, and the text regions no headline claims."""
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    order_index = {region_id: i for i, region_id in enumerate(page.reading_order)}
    headlines = {r.id: boxes[r.id] for r in page.regions if r.type == RegionType.headline}
    rules = article_rules([boxes[r.id] for r in page.regions if r.type == RegionType.separator])
    # Text opening with "Continued from page 2" and no headline just above it is the rest of another
    # page's story (its jump headline may be hand-lettered and unread): it starts an article, as a headline does.
    jump_heads = {r.id for r in page.regions if r.type in PARAGRAPH_TYPES and r.lines and opens_continued_story(r.lines)
                  and not any(_heads(h, boxes[r.id]) for h in headlines.values())}
    headlines |= {region_id: boxes[region_id] for region_id in jump_heads}
    members: dict[str | None, list[Region]] = {headline_id: [] for headline_id in headlines}
    furniture: list[Region] = []
    for region in page.regions:
        if region.type in OUTSIDE_ARTICLE_TYPES or (region.type == RegionType.dateline and not any(
                headline.center[1] < boxes[region.id].bounds[1] for headline in headlines.values())):
            # A dateline above every headline is the date line under the masthead, not a story's.
            furniture.append(region)
        elif region.type != RegionType.headline and region.id not in jump_heads:
            owner = owner_headline(boxes[region.id], headlines, region.type in ATTACHED_TO_HEADLINE, rules)
            members.setdefault(owner, []).append(region)
    articles: list[Article] = []
    reading_order = [r.id for r in sorted(furniture, key=lambda r: order_index.get(r.id, 0))
                     if r.type != RegionType.folio]
    headline_order = xy_cut([(h, box) for h, box in headlines.items()])
    for headline_id in headline_order:
        regions = [r for r in members.get(headline_id, []) if r.lines or r.type == RegionType.figure]
        article_id = f"{page.id}-a{len(articles) + 1}"
        attached = sorted((r for r in regions if r.type in ATTACHED_TO_HEADLINE),
                          key=lambda r: boxes[r.id].bounds[1])
        rest = [r for r in regions if r.type not in ATTACHED_TO_HEADLINE]
        ordered_ids = ([headline_id] if headline_id else []) + [r.id for r in attached] + column_order(
            [(r.id, boxes[r.id]) for r in rest])
        by_id = {r.id: r for r in page.regions}
        ordered = [by_id[i] for i in ordered_ids]
        heading = headline_id if headline_id not in jump_heads else None
        title = join_fragments(line.text for line in by_id[heading].lines) if heading else ""
        articles.append(Article(
            id=article_id, page_ids=[page.id], headline_region_id=heading, region_ids=ordered_ids,
            paragraphs=build_paragraphs(page, ordered, article_id), title=title,
        ))
        reading_order.extend(ordered_ids)
    orphans = [r for r in members.get(None, []) if r.lines]
    reading_order.extend(column_order([(r.id, boxes[r.id]) for r in orphans]))
    reading_order.extend(r.id for r in furniture if r.type == RegionType.folio)
    return articles, reading_order, [r.id for r in orphans]
