"""What type looks like on this page: the body's line height, character width and stroke weight, and each
line's measured against them.

Every typing rule compares a block with the page's own body type, never with a fixed size: a modern
page may set its headlines only 1.3 times the body, an 1850 page in the body's own size but in
capitals and centred, a broadsheet in type twice the A4 page's pixels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

import cv2
import numpy as np

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import BodyType, Line, Page, Region
from broadsheet.stages.base import to_working
from broadsheet.stages.working_images import WorkingImages


def upright(page: Page, line: Line) -> Polygon:
    """A line's box in the deskewed working image: in the source, skew makes a wide line's box taller."""
    return to_working(page, line.polygon)


ASCENDING = frozenset("bdfhklt0123456789\"'()[]{}/|!?$%&#@") | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
"""Latin glyphs inked above the x-height: ascenders, capitals, figures, quotes and brackets."""
DESCENDING = frozenset("fgjpqy()[]{}|")
"""Latin glyphs inked below the baseline; f too, which descends in italic (a pull quote's more of it when): a line
that may reach down is taken to, and measured as it is."""
LATIN_LINE = re.compile(r"[A-Za-z]")


def glyph_profile(text: str) -> str | None:
    """Which way a Latin line's glyphs reach from the x-height: "both", "up" (ascenders or capitals only), "down"
    (descenders only) or "neither"; None for a line that is not plain Latin (CJK glyphs fill their ems; accents and
    Cyrillic tails reach both ways)."""
    text = text.replace(" ", "")
    if not text or not LATIN_LINE.search(text) or not text.isascii():
        return None
    up, down = any(c in ASCENDING for c in text), any(c in DESCENDING for c in text)
    return "both" if up and down else "up" if up else "down" if down else "neither"


_shares: list[tuple[Page, int, dict[str, float]]] = []
"""The last page's glyph shares (one entry: a page's stage asks for them line by line; none outlives the next)."""


def glyph_shares(page: Page, config: TypingConfig) -> dict[str, float]:
    """The share of its type's height a line of each glyph profile is inked over, measured on the page's own lines:
    where line boxes are ink-tight (Tesseract's, the generator's), a body line with no descender is a sixth shorter
    than one with both; where they are the type's full height (some vendors' ALTO), it is not, and nothing is
    corrected. The measured share of the "up" lines against `ascender_line_share` says how far to correct; the rarer
    profiles are corrected as far, by their own settings. Empty (no correction) with too few lines to tell, or where
    the boxes are not clearly ink-tight (`glyph_tight_share`)."""
    # Asked for line by line: the cache is checked by the page and its count of lines (blocks split and joined keep
    # both), read once, so a page typed in another thread at the same time can only make it measure again.
    count = sum(len(region.lines) for region in page.regions)
    cached = _shares[0] if _shares else None
    if cached is not None and cached[0] is page and cached[1] == count:
        return cached[2]
    heights: dict[str, list[float]] = {"both": [], "up": []}
    for line in (line for region in page.regions for line in region.lines):
        profile = glyph_profile(line.text)
        if profile in heights and (height := upright(page, line).height) > 0:
            heights[profile].append(height)
    shares: dict[str, float] = {}
    if min(map(len, heights.values())) >= config.glyph_share_min_lines:
        body = _smallest_share(heights["both"], config.body_share)
        close = config.close_type_size
        full = [h for h in heights["both"] if 1 / close <= h / body <= close]
        up = [h for h in heights["up"] if config.ascender_line_share / close <= h / body <= close]
        if len(full) >= config.glyph_share_min_lines and len(up) >= config.glyph_share_min_lines:
            measured = median(up) / median(full)
            strength = min(1.0, max(0.0, (1 - measured) / (1 - config.ascender_line_share)))
            if measured > config.glyph_tight_share:
                strength = 0.0
            shares = {} if not strength else {"up": 1 - strength * (1 - config.ascender_line_share),
                      "down": 1 - strength * (1 - config.descender_line_share),
                      "neither": 1 - strength * (1 - config.x_height_line_share)}
    _shares[:] = [(page, count, shares)]
    return shares


def type_height(page: Page, line: Line, config: TypingConfig) -> float:
    """The height of a line's type: its box's height, and what its glyphs leave uninked where the page's boxes are
    ink-tight (`glyph_shares`): a Latin line with no descender, or no ascender, or neither, has a shorter box."""
    height = upright(page, line).height
    profile = glyph_profile(line.text)
    if profile is None or profile == "both":
        return height
    return height / glyph_shares(page, config).get(profile, 1.0)


def room_below(page: Page, line: Line, config: TypingConfig) -> float:
    """The part of a line's type below its box: a Latin line with no descender leaves its type's descent uninked
    where the page's boxes are ink-tight, and the white under its box looks that much wider than the gap is."""
    if glyph_profile(line.text) not in ("up", "neither"):
        return 0.0
    return (1 - glyph_shares(page, config).get("up", 1.0)) * type_height(page, line, config)


def line_height(page: Page, region: Region, config: TypingConfig) -> float:
    return median(type_height(page, line, config) for line in region.lines) if region.lines else 0.0


CJK_CLOSING_MARKS = "，。、；：？！）」』”’》〉】"
"""Full-width marks set in the left part of their em: a line ending in one has its box end at the mark's ink."""


def line_pitch(page: Page, line: Line) -> float | None:
    """Width per character: the type size a tall box of two merged lines cannot fake. A closing CJK mark that ends
    the line is not counted: its box ends a fraction into the mark's em (整治， measured a quarter narrower)."""
    text = line.text.replace(" ", "")
    characters = len(text) - (text[-1:] in CJK_CLOSING_MARKS if text else 0)
    return upright(page, line).width / characters if characters >= 3 else None


def pitch(page: Page, region: Region) -> float:
    pitches = [p for line in region.lines if (p := line_pitch(page, line)) is not None]
    return median(pitches) if pitches else 0.0


def _smallest_share(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return median(ordered[: max(1, round(len(ordered) * share))]) if ordered else 0.0


def body_line_height(page: Page, config: TypingConfig) -> float:
    """The body type's line height: the median of the smaller lines, which are body text on any page with more
    body than headlines."""
    return _smallest_share([type_height(page, line, config) for region in page.regions for line in region.lines],
                           config.body_share)


def body_pitch(page: Page, share: float) -> float:
    return _smallest_share([p for region in page.regions for line in region.lines
                            if (p := line_pitch(page, line)) is not None], share)


class InkMap:
    """Ink and its edges on the working image, counted over any box.

    A stroke's width is twice its ink's area over its edge's length; over a line's box that is the
    weight of its type, independent of the box's size: bold type has strokes half as heavy again as the
    body's, relative to its height.

    The two masks are kept as bytes and counted box by box, not as integral images: a 32-bit integral image is four
    times the mask (600 MB for the two on a 7100x10590 page, the largest allocation of a whole run there), while each
    line's box is counted once (`TypeMeter.line_weight` keeps it), so all the counting together reads about the
    page's text area once. The counts are the same integers the integral images gave.
    """

    def __init__(self, image: np.ndarray) -> None:
        _, self.ink = cv2.threshold(image, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        self.edge = cv2.subtract(self.ink, cv2.erode(self.ink, np.ones((3, 3), np.uint8)))
        self.height, self.width = image.shape

    def _sum(self, mask: np.ndarray, box: Polygon) -> int:
        x0, y0, x1, y1 = (round(v) for v in box.bounds)
        x0, x1 = max(0, min(self.width, x0)), max(0, min(self.width, x1))
        y0, y1 = max(0, min(self.height, y0)), max(0, min(self.height, y1))
        return int(np.count_nonzero(mask[y0:y1, x0:x1]))

    def stroke(self, box: Polygon) -> float | None:
        """Mean stroke width in the box, in pixels; None where it holds too little ink to tell."""
        edge = self._sum(self.edge, box)
        return 2.0 * self._sum(self.ink, box) / edge if edge >= 20 else None


def ink_map(page: Page, images: WorkingImages | None) -> InkMap | None:
    """The page's ink, where its working image is at hand (existing OCR without its page image has none)."""
    if images is None:
        return None
    try:
        return InkMap(images.read(page))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Style:
    """A block's type against the body's: ratios of 1 are body type."""

    size: float
    pitch: float
    weight: float | None
    capitals: bool


class TypeMeter:
    """Measures each region's type against the page's body type."""

    def __init__(self, page: Page, config: TypingConfig, ink: InkMap | None) -> None:
        self.page, self.config, self.ink = page, config, ink
        self._weights: dict[str, float | None] = {}
        # Keyed by the region object (kept alive beside its style): the rules ask for a block's style again and
        # again, and a block split or joined is a new object.
        self._styles: dict[int, tuple[Region, Style]] = {}
        height = body_line_height(page, config)
        weights = [w for region in page.regions for line in region.lines
                   if type_height(page, line, config) <= config.larger_type * height
                   and (w := self.line_weight(line)) is not None]
        self.body = BodyType(line_height=round(height, 2), pitch=round(body_pitch(page, config.body_share), 2),
                             weight=round(median(weights), 4) if len(weights) >= 5 else None)

    def line_weight(self, line: Line) -> float | None:
        if line.id not in self._weights:
            box = upright(self.page, line)
            stroke = self.ink.stroke(box) if self.ink is not None and box.height > 0 else None
            self._weights[line.id] = stroke / type_height(self.page, line, self.config) if stroke is not None else None
        return self._weights[line.id]

    def style(self, region: Region) -> Style:
        cached = self._styles.get(id(region))
        if cached is not None and cached[0] is region:
            return cached[1]
        style = self._measure(region)
        self._styles[id(region)] = (region, style)
        return style

    def _measure(self, region: Region) -> Style:
        body = self.body
        size = line_height(self.page, region, self.config) / body.line_height if body.line_height else 1.0
        region_pitch = pitch(self.page, region)
        weights = [w for line in region.lines if (w := self.line_weight(line)) is not None]
        weight = median(weights) / body.weight if weights and body.weight else None
        return Style(size=size, pitch=region_pitch / body.pitch if region_pitch and body.pitch else 0.0,
                     weight=weight, capitals=block_capitals([line.text for line in region.lines], self.config))

    def large(self, region: Region, ratio: float) -> bool:
        """Type at least `ratio` times the body's height, and set wider: a tall box of two merged lines is not.

        A region too short to measure its characters goes by height alone.
        """
        style = self.style(region)
        return style.size >= ratio and (not style.pitch or style.pitch >= 1 + (ratio - 1) / 2)

    def other_type(self, region: Region) -> bool:
        """Set in another type than the body's: another size, width or weight (a caption's face, a quote's).

        Width per character counts over three lines or more: justified Latin lines of few words are set wide.
        """
        style, config = self.style(region), self.config
        apart = config.close_type_size

        def differs(ratio: float) -> bool:
            return ratio >= apart or ratio <= 1 / apart

        return differs(style.size) or (bool(style.pitch) and len(region.lines) >= 3 and differs(style.pitch)) or (
            style.weight is not None and (style.weight >= config.bold_weight or style.weight <= 1 / config.bold_weight))

    def bold(self, region: Region) -> bool:
        weight = self.style(region).weight
        return weight is not None and weight >= self.config.bold_weight

    def letter_spaced(self, region: Region) -> bool:
        """Characters set wide apart for their height (S P O R T S, 要  闻), where the body's are not."""
        style = self.style(region)
        return bool(style.pitch) and style.size > 0 and style.pitch / style.size >= self.config.letter_spacing


def capitals(text: str, config: TypingConfig) -> bool:
    """A line of Latin capitals (SHARECROP OFFERS): a heading's, where a pull quote quotes a sentence."""
    letters = [c for c in text if c.isalpha() and c.isascii()]
    return len(letters) >= config.capitals_min_letters and \
        sum(c.isupper() for c in letters) >= config.capitals_share * len(letters)


def block_capitals(lines: list[str], config: TypingConfig) -> bool:
    """A block set in capitals: every line mostly capitals, the block long enough to tell them from an acronym (a
    heading in a narrow column breaks SMALL / ORCHARDS / TURN TO over lines shorter than that)."""
    def upper_share(text: str) -> float:
        letters = [c for c in text if c.isalpha() and c.isascii()]
        return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0

    return bool(lines) and capitals(" ".join(lines), config) and all(
        upper_share(line) >= config.capitals_share for line in lines)


def title_case(text: str, config: TypingConfig) -> bool:
    """Latin words of four letters or more, most of them capitalised: a headline's style in English papers."""
    words = re.findall(r"[^\W\d_]{4,}", text)
    words = [w for w in words if w.isascii()]
    return len(words) >= 2 and not capitals(text, config) \
        and sum(w[0].isupper() for w in words) >= config.title_case_share * len(words)
