"""Printed rules around blocks: which sides of a box are ruled, boxes closed by rules, and display advertisements.

Rules are evidence, not walls: a rule along a block's top and bottom marks a pull quote, a frame
marks a box (a fact box, an editor's note, a framed roundtable, an advertisement), a short centred
rule the end of an item.
"""

from __future__ import annotations

import re

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon, horizontal_overlap, union_box, vertical_overlap
from broadsheet.model.ids import renumbered
from broadsheet.model.page import Page, Region, RegionType
from broadsheet.stages.base import to_working
from broadsheet.stages.typing.measure import TypeMeter, upright

AD_PATTERN = re.compile(r"[¥$€£]\s?\d|\d\s?元|热线|电话|[Cc]all\s+\d|\d{3}[- ]\d{4}|\d\s?%\s?APR|www\."
                        r"|\w\.(com|net|org)\b")
"""A price, a rate, a phone number or a web address: what an advertisement has and a framed story rarely does."""
SENTENCE_PUNCTUATION = re.compile(r"[，。！？；]|[a-z][.?!;](\s|$)")
"""Punctuation inside or ending a sentence, which a list of names and posts, or an advertisement's lines, lack."""


def display_advertisement(page: Page, region: Region, config: TypingConfig) -> bool:
    """A short block of lines in several type sizes, with a price or a phone number and no sentence: an
    advertisement set without a frame, whose lines are one advertisement, not a headline over its text."""
    if not 2 <= len(region.lines) <= config.ad_max_lines or AD_PATTERN.search(region.text) is None \
            or SENTENCE_PUNCTUATION.search(region.text):
        return False
    heights = [height for line in region.lines if (height := upright(page, line).height) > 0]
    return len(heights) >= 2 and max(heights) >= config.ad_type_range * min(heights)


def unframed_advertisements(page: Page, config: TypingConfig) -> list[Region]:
    """The regions, display advertisements set without a frame typed as such."""
    return [r.model_copy(update={"type": RegionType.advertisement}) if r.type != RegionType.advertisement
            and display_advertisement(page, r, config) else r for r in page.regions]


def ruled_sides(box: Polygon, rules: list[Polygon], reach: float, config: TypingConfig) -> set[str]:
    """Which sides of a box have a printed rule running along them within `reach`."""
    x0, y0, x1, y1 = box.bounds
    sides = set()
    for rule in rules:
        rx, ry = rule.center
        if rule.width > rule.height and horizontal_overlap(rule, box) >= config.ruled_overlap * box.width:
            if y0 - reach <= ry <= y0 + 0.2 * reach:
                sides.add("top")
            elif y1 - 0.2 * reach <= ry <= y1 + reach:
                sides.add("bottom")
        elif rule.height > rule.width and vertical_overlap(rule, box) >= config.ruled_overlap * box.height:
            if x0 - reach <= rx <= x0 + 0.2 * reach:
                sides.add("left")
            elif x1 - 0.2 * reach <= rx <= x1 + reach:
                sides.add("right")
    return sides


def box_rules(box: Polygon, rules: list[Polygon], reach: float) -> list[Polygon]:
    """The rules that could be sides of a frame around `box`: no longer than its side plus the reach.

    A column rule or a page-wide rule running past the box bounds a column, not a framed box.
    """
    return [rule for rule in rules
            if (rule.width > rule.height and rule.width <= box.width + 2 * reach)
            or (rule.height > rule.width and rule.height <= box.height + 2 * reach)]


def find_frames(rules: list[Polygon], tolerance: float) -> list[Polygon]:
    """Boxes closed by printed rules: a top and a bottom rule of one width joined by rules down both sides."""
    horizontal = [r for r in rules if r.width > r.height]
    vertical = [r for r in rules if r.height > r.width]
    found = []
    for top in horizontal:
        for bottom in horizontal:
            (x0, y0, x1, _), (bx0, _, bx1, y1) = top.bounds, bottom.bounds
            if y1 - y0 < 2 * tolerance or abs(x0 - bx0) > tolerance or abs(x1 - bx1) > tolerance:
                continue
            sides = [v for v in vertical if v.bounds[1] <= y0 + tolerance and v.bounds[3] >= y1 - tolerance
                     and v.height <= y1 - y0 + 2 * tolerance]
            if any(abs(v.center[0] - x0) <= tolerance for v in sides) and \
                    any(abs(v.center[0] - x1) <= tolerance for v in sides):
                found.append(Polygon.from_box(x0, y0, x1, y1))
    return found


def running_lines(regions: list[Region]) -> int:
    """Lines of sentences in body-size blocks of several lines: a story's text, which an advertisement lacks."""
    return sum(len(r.lines) for r in regions if len(r.lines) >= 3 and SENTENCE_PUNCTUATION.search(r.text))


def merge_advertisements(page: Page, meter: TypeMeter, config: TypingConfig) -> list[Region]:
    """Everything inside a frame that holds large type beside a picture or a price is one advertisement.

    Geometry decides first (a frame, type well above body size); a picture or a price or phone
    number must back it, so neither a framed sidebar with a heading nor a price quoted in a story
    becomes an ad; and a frame holding a story's running text (a framed roundtable with its guests'
    portraits) is a story, not an ad.
    """
    body = meter.body.line_height
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    rules = [boxes[r.id] for r in page.regions if r.type == RegionType.separator]
    regions = list(page.regions)
    for frame in find_frames(rules, body):
        members = [r for r in regions if r.type != RegionType.separator and boxes[r.id].overlap_ratio(frame) >= 0.8]
        text = "\n".join(r.text for r in members)
        large = any(r.lines and meter.style(r).size >= config.headline_height_ratio for r in members)
        pictured = any(r.type == RegionType.figure for r in members) or bool(AD_PATTERN.search(text))
        if not (large and pictured) or running_lines(members) > config.ad_max_running_lines:
            continue
        order = sorted((ln for r in members for ln in r.lines),
                       key=lambda ln: (upright(page, ln).bounds[0] // (0.5 * frame.width), upright(page, ln).center[1]))
        first = members[0]
        lines = renumbered(first.id, order)
        polygon = union_box(boxes[r.id] for r in members).transform(page.transform.to_source)
        advert = first.model_copy(update={"type": RegionType.advertisement, "lines": lines, "polygon": polygon})
        regions = [advert if r is first else r for r in regions if r is first or r not in members]
    return regions
