"""Composing one article into a rectangle of grid columns: header, figure, body flow, pull quote.

Planning is separate from drawing: a plan is a list of positioned items in reading order, so the
page composer can try an article at several heights before anything is put on the canvas.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageDraw

from samples.articles import ArticleText, sentences
from samples.fonts import FontBook, FreeTypeFont
from samples.layouts import ArticleSpec
from samples.typeset import NO_START, Align, Box, Line, Token, Typesetter, line_text

# Baseline below the top of the em box; Noto CJK ideographs sit in [-0.88, +0.12] em around it.
ASCENT = 0.88
# Speaker labels of a roundtable (主持人：) and the 本报讯 / 本报X月X日电 lead-in are set in bold.
_BOLD_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}：|本报讯|本报\S{1,12}?电)")
# An English roundtable's speaker labels ("MODERATOR:", "OKAFOR:"), bold only where a page asks for them.
_EN_SPEAKER = re.compile(r"^[A-Z][A-Z.' -]{1,24}:")
TINT = 222
"""Grey of a tinted pull quote or box (0 black, 255 paper)."""
JUMP_TO = {"zh": "（下转第{page}版）", "en": "Continued on A{page}"}
JUMP_FROM = {"zh": "（上接第{page}版）", "en": "Continued from Page {page}"}
"""Jump lines as printed: at the end of a story's first part, and under the jump head of its rest."""
DATELINE_CITIES = {"zh": ("北京", "上海", "广州", "杭州", "成都"), "en": ("WASHINGTON", "CHICAGO", "DENVER", "BOSTON")}
MONTHS_SHORT = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def dateline_text(lang: str, name: str) -> str:
    """A story's dateline, fixed by the text's name so that setting one draws nothing from the page's seed."""
    key = sum(map(ord, name))
    city, month, day = DATELINE_CITIES[lang][key % len(DATELINE_CITIES[lang])], key % 12 + 1, key % 28 + 1
    return f"本报{city}{month}月{day}日电" if lang == "zh" else f"{city}, {MONTHS_SHORT[month - 1]} {day} —"


@dataclass
class TextItem:
    """Lines of one region, positioned: baselines in clean-page pixels."""

    type: str
    lines: list[list[Token]]
    x: float
    width: float
    baselines: list[float]
    indents: list[float]
    justify: list[bool]
    align: Align = "left"
    size: float = 0.0
    rules: list[Box] = field(default_factory=list)
    """Pull-quote rules: separator regions of their own, recorded and drawn with the page's other rules."""
    frame: Box | None = None
    """Outlined rectangle drawn around the item (sidebar box)."""
    tint: Box | None = None
    """Grey rectangle printed under the item (a tinted pull quote or box)."""

    @property
    def text(self) -> str:
        return "\n".join(line_text(line) for line in self.lines)

    @property
    def bottom(self) -> float:
        """Bottom of the last line's em box (not of its ink)."""
        return self.baselines[-1] + (1 - ASCENT) * self.size if self.lines else 0.0


@dataclass
class FigureItem:
    box: Box
    type: str = "figure"


Item = TextItem | FigureItem


@dataclass
class ArticlePlan:
    src: ArticleText
    items: list[Item]
    """Member regions in reading order: headline, kicker, byline, sidebar, figure, caption, body ..."""
    top: float
    bottom: float
    paragraphs: list[str]
    headline: str
    rules: list[Box] = field(default_factory=list)
    """Column rules between the article's columns (separators, not members)."""
    continuation: dict[str, int] = field(default_factory=dict)
    """``{"to_page": N}`` and/or ``{"from_page": N}``: the jump lines printed with the article."""
    design: dict[str, object] = field(default_factory=dict)
    """The design switches this article was set with (designed pages only; recorded in the truth)."""


@dataclass
class Canvas:
    """The page being drawn plus its grid and type scale, all in pixels."""

    width: int
    height: int
    dpi: float
    lang: str
    columns: int
    fonts: FontBook
    rng: random.Random
    nprng: np.random.Generator
    body_pt: float | None = None
    """Body type size in points; None: the house size (9.2 pt Chinese, 8.8 pt English)."""
    leading: float | None = None
    """Line pitch as a multiple of the body size; None: 1.55 Chinese, 1.25 English."""
    speaker_labels: bool = False
    """Set English speaker labels ("OKAFOR:") at a paragraph's start in bold, as Chinese ones always are."""
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)
    ts: Typesetter = field(init=False)

    def __post_init__(self) -> None:
        self.image = Image.new("L", (self.width, self.height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.ts = Typesetter(self.lang)
        self.left = self.mm(12)
        self.right = self.width - self.mm(12)
        self.gutter = self.pt(11)
        self.col_w = (self.right - self.left - (self.columns - 1) * self.gutter) / self.columns
        self.body_size = round(self.pt(self.body_pt or (9.2 if self.lang == "zh" else 8.8)))
        self.pitch = round(self.body_size * (self.leading or (1.55 if self.lang == "zh" else 1.25)))
        # Two full-width spaces for Chinese, one em for English.
        self.indent = self.body_size * (2 if self.lang == "zh" else 1)

    def pt(self, value: float) -> float:
        return value * self.dpi / 72.0

    def mm(self, value: float) -> float:
        return value * self.dpi / 25.4

    def font(self, role: str, points: float) -> FreeTypeFont:
        return self.fonts.get(role, round(self.pt(points)))

    def span(self, c0: int, c1: int) -> tuple[float, float]:
        """x extent of grid columns [c0, c1)."""
        x0 = self.left + c0 * (self.col_w + self.gutter)
        return x0, x0 + (c1 - c0) * self.col_w + (c1 - c0 - 1) * self.gutter

    def rule(self, box: Box) -> None:
        self.draw.rectangle(
            (
                round(box[0]),
                round(box[1]),
                max(round(box[0]), round(box[2]) - 1),
                max(round(box[1]), round(box[3]) - 1),
            ),
            fill=0,
        )

    # -- text blocks -----------------------------------------------------------------------------
    def block(
        self,
        kind: str,
        text: str,
        font: FreeTypeFont,
        x: float,
        width: float,
        top: float,
        *,
        leading: float = 1.3,
        align: Align = "left",
        balanced: bool = False,
        justify: bool = False,
        bold: FreeTypeFont | None = None,
        bold_chars: int = 0,
    ) -> tuple[TextItem, float]:
        """Set ``text`` in a box ``width`` wide from ``top``; return the item and its bottom y."""
        tokens = self.ts.tokens(text, font, bold, bold_chars)
        lines = self.ts.wrap_balanced(tokens, width) if balanced else self.ts.wrap(tokens, width)
        return self.lines_item(kind, lines, font.size, x, width, top, leading, align, justify)

    def lines_item(
        self,
        kind: str,
        lines: list[list[Token]],
        size: float,
        x: float,
        width: float,
        top: float,
        leading: float,
        align: Align = "left",
        justify: bool = False,
    ) -> tuple[TextItem, float]:
        pitch = size * leading
        baselines = [top + ASCENT * size + i * pitch for i in range(len(lines))]
        item = TextItem(
            type=kind,
            lines=lines,
            x=x,
            width=width,
            baselines=baselines,
            indents=[0.0] * len(lines),
            justify=[justify and i < len(lines) - 1 for i in range(len(lines))],
            align=align,
            size=size,
        )
        return item, top + (len(lines) - 1) * pitch + size

    def set_body(self, paragraphs: Sequence[str], width: float) -> list[Line]:
        """Break every paragraph at the column measure; lines remember their paragraph."""
        font, bold = self.fonts.get("serif", self.body_size), self.fonts.get("serif_bold", self.body_size)
        out: list[Line] = []
        for index, para in enumerate(paragraphs):
            match = _BOLD_PREFIX.match(para) if self.lang == "zh" else (
                _EN_SPEAKER.match(para) if self.speaker_labels else None)
            tokens = self.ts.tokens(para, font, bold, match.end() if match else 0)
            wrapped = self.ts.wrap(tokens, width, self.indent)
            for k, tokens_of_line in enumerate(wrapped):
                out.append(
                    Line(
                        tokens_of_line,
                        indent=self.indent if k == 0 else 0.0,
                        para=index,
                        first=k == 0,
                        last=k == len(wrapped) - 1,
                    )
                )
        return out


@dataclass
class _Obstacle:
    """Something set inside the body columns that text flows around (pull quote, figure)."""

    kind: str
    cols: range
    at: float
    height: float
    text: str = ""
    aspect: float = 0.6


@dataclass
class _Band:
    obstacle: _Obstacle
    y0: float
    lines: int


@dataclass
class _Slot:
    col: int
    tops: list[float]


class ArticleComposer:
    """Plans one article into grid columns ``cols`` between ``top`` and at most ``max_bottom``."""

    def __init__(self, cv: Canvas, src: ArticleText, spec: ArticleSpec, cols: tuple[int, int],
                 text_columns: int | None = None) -> None:
        self.cv, self.src, self.spec = cv, src, spec
        self.c0, self.ncols = cols[0], cols[1] - cols[0]
        self.joiner = "" if cv.lang == "zh" else " "
        self.col_w = cv.col_w
        # A stack may set its own number of text columns across its grid columns: columns of unequal width.
        self.local: tuple[float, float] | None = None
        if text_columns is not None and text_columns != self.ncols:
            x0, x1 = cv.span(*cols)
            self.ncols, self.local = text_columns, (x0, x1)
            self.col_w = (x1 - x0 - (text_columns - 1) * cv.gutter) / text_columns
        self.rules: list[Box] = []
        """Rules the header draws (under the headline block): separators, not members."""

    def _span(self, j0: int, j1: int) -> tuple[float, float]:
        """x extent of the article's text columns [j0, j1)."""
        if self.local is None:
            return self.cv.span(self.c0 + j0, self.c0 + j1)
        x0 = self.local[0] + j0 * (self.col_w + self.cv.gutter)
        return x0, x0 + (j1 - j0) * self.col_w + (j1 - j0 - 1) * self.cv.gutter

    def _span_width(self, n: int) -> float:
        x0, x1 = self.cv.span(0, n) if self.local is None else self._span(0, n)
        return x1 - x0

    # -- header ----------------------------------------------------------------------------------
    def _header(self, top: float, max_bottom: float) -> tuple[list[Item], float, str, list[str]]:
        cv, src, spec = self.cv, self.src, self.spec
        hs = min(self.ncols, spec.headline_span or self.ncols)
        x0, x1 = self._span(0, hs)
        width = x1 - x0
        align: Align = spec.headline_align or ("center" if cv.lang == "zh" else "left")
        y = top
        kicker: TextItem | None = None
        kicker_font = cv.font(spec.kicker_font, 14 if hs >= 3 else 11)
        if src.kicker and spec.kicker == "above" and not spec.headless:
            kicker, y = cv.block("kicker", src.kicker, kicker_font, x0, width, y, align=align, balanced=True)
            y += cv.pt(5)
        items: list[Item] = []
        title = ""
        if not spec.headless:
            headline, y = self._headline(x0, width, y, align)
            items.append(headline)
            title = self.joiner.join(line_text(line) for line in headline.lines)
        if src.kicker and spec.kicker == "below" and not spec.headless:
            y += cv.pt(5)
            kicker, y = cv.block("kicker", src.kicker, kicker_font, x0, width, y, align=align, balanced=True)
        items += [kicker] if kicker else []
        if spec.jump_from is not None:
            jump, y = cv.block("teaser", JUMP_FROM[cv.lang].format(page=spec.jump_from), cv.font("sans_bold", 8.5),
                               x0, width, y + (cv.pt(5) if items else 0.0))
            items.append(jump)
        if src.bylines:
            y += cv.pt(8)
            font = cv.font(spec.byline_font, 8.5)
            lines: list[list[Token]] = []
            for byline in src.bylines:
                lines.extend(cv.ts.wrap(cv.ts.tokens(byline, font), width))
            byline_item, y = cv.lines_item("byline", lines, font.size, x0, width, y, 1.45)
            items.append(byline_item)
        if spec.dateline:
            dateline, y = cv.block("dateline", dateline_text(cv.lang, src.name), cv.font("sans_bold", 8.5), x0, width,
                                   y + cv.pt(6))
            items.append(dateline)
        if spec.head_rule != "none":
            # Article-wide only where the body starts under the headline in every column.
            rx0, rx1 = self._span(0, self.ncols) if spec.head_rule == "article" and hs == self.ncols else (x0, x1)
            y += cv.pt(5)
            thickness = max(1.0, cv.pt(spec.head_rule_pt))
            self.rules.append((rx0, y, rx1, y + thickness))
            y += thickness
        paragraphs = list(src.paragraphs)
        if src.sidebar and spec.sidebar and max_bottom - y > cv.pt(150):
            pad = cv.pt(7)
            y += cv.pt(10)
            font = cv.fonts.get("serif", cv.body_size)
            label = src.sidebar.find("：") + 1 if "：" in src.sidebar[:8] else 0
            item, bottom = cv.block(
                "sidebar",
                src.sidebar,
                font,
                x0 + pad,
                width - 2 * pad,
                y + pad,
                leading=1.45,
                justify=True,
                bold=cv.fonts.get("sans_bold", cv.body_size),
                bold_chars=label,
            )
            item.frame = (x0, y, x1, bottom + pad)
            items.append(item)
            y = bottom + pad
        elif src.sidebar and spec.box == "none":
            paragraphs.insert(0, src.sidebar)
        return items, y, title, paragraphs

    def _headline(self, x: float, width: float, top: float, align: Align) -> tuple[TextItem, float]:
        if self.spec.headline_lines or self.spec.headline_gap:
            return self._headline_designed(x, width, top, align)
        cv, spec = self.cv, self.spec
        low, high = spec.headline_pt
        font_role = spec.headline_font
        sizes = [high - i * 2.0 for i in range(int((high - low) / 2.0) + 1)]
        chosen: tuple[FreeTypeFont, list[list[Token]]] | None = None
        best: tuple[int, bool] | None = None
        halves_wanted = cv.lang == "zh" and " " in self.src.headline
        for points in sizes:
            font = cv.font(font_role, points)
            lines = cv.ts.wrap_balanced(cv.ts.tokens(self.src.headline, font), width)
            at_space = False
            if len(lines) > 1 and halves_wanted:
                # A space in a Chinese headline marks its two halves: break there, not mid-phrase.
                halves = [cv.ts.wrap(cv.ts.tokens(part, font), width) for part in self.src.headline.split(" ")]
                if all(len(h) == 1 for h in halves):
                    lines, at_space = [h[0] for h in halves], True
            # One line at a generous size beats two lines at the maximum; then the fewest lines,
            # then a break at the space, then the largest size (sizes go down).
            if len(lines) == 1 and points >= (high + low) / 2:
                chosen = (font, lines)
                break
            quality = (len(lines), len(lines) > 1 and halves_wanted and not at_space)
            if best is None or quality < best:
                chosen, best = (font, lines), quality
        assert chosen is not None
        font, lines = chosen
        return cv.lines_item("headline", lines, font.size, x, width, top, 1.2, align)

    def _headline_tokens(self, font: FreeTypeFont) -> list[list[Token]]:
        """The headline's parts as tokens: a Chinese headline's parts are split at its one space."""
        ts, text = self.cv.ts, self.src.headline
        if self.cv.lang != "zh" or " " not in text:
            return [ts.tokens(text, font)]
        return [ts.tokens(part, font) for part in text.split(" ", 1)]

    def _joined(self, parts: list[list[Token]], font: FreeTypeFont) -> list[Token]:
        """Parts on one line: a wide gap of ``headline_gap`` ems, none after full-width punctuation, else a space."""
        if len(parts) == 1:
            return parts[0]
        gap = self.spec.headline_gap
        if gap:
            between = [Token(" ", font, gap * font.size, space=True)]
        elif parts[0] and parts[0][-1].text[-1] in "，、：；":
            between = []
        else:
            between = [Token(" ", font, self.cv.ts.width(font, " "), space=True)]
        return [*parts[0], *between, *parts[1]]

    def _headline_designed(self, x: float, width: float, top: float, align: Align) -> tuple[TextItem, float]:
        """A headline on ``headline_lines`` lines (1 or 2) at the largest size that allows it, else as few as fit.

        Two lines break between a two-part headline's parts where each fits a line, else where they even out;
        a headline short enough for one line is split at its middle.
        """
        cv, spec = self.cv, self.spec
        low, high = spec.headline_pt
        sizes = [high - i * 2.0 for i in range(int((high - max(12.0, low * 0.6)) / 2.0) + 1)]
        want = spec.headline_lines or 1
        fallback: tuple[FreeTypeFont, list[list[Token]]] | None = None
        for points in sizes:
            font = cv.font(spec.headline_font, points)
            parts = self._headline_tokens(font)
            joined = self._joined(parts, font)
            one = cv.ts.wrap(joined, width)
            lines: list[list[Token]] | None = None
            if want == 1 and len(one) == 1:
                lines = one
            elif want == 2 and len(parts) == 2 and all(sum(t.width for t in p) <= width for p in parts):
                lines = parts
            elif want == 2 and len(one) == 1:
                lines = self._split_middle(joined)
            elif want == 2 and len(cv.ts.wrap_balanced(joined, width)) == 2:
                lines = cv.ts.wrap_balanced(joined, width)
            if lines:
                return cv.lines_item("headline", lines, font.size, x, width, top, 1.2, align)
            if fallback is None and points <= (high + low) / 2:
                fallback = (font, cv.ts.wrap_balanced(joined, width))
        assert fallback is not None
        font, lines = fallback
        return cv.lines_item("headline", lines, font.size, x, width, top, 1.2, align)

    def _split_middle(self, joined: list[Token]) -> list[list[Token]]:
        """A one-line headline in two lines of about equal width: at a space in Latin, anywhere in Chinese."""
        cuts = [i for i, t in enumerate(joined) if t.space] if self.cv.lang != "zh" else [
            i for i in range(1, len(joined)) if joined[i].text[0] not in NO_START]
        if not cuts:
            return [joined]
        half = sum(t.width for t in joined) / 2
        cut = min(cuts, key=lambda i: abs(sum(t.width for t in joined[:i]) - half))
        halves = [joined[:cut], joined[cut:]]
        return [[t for t in (h[1:] if h and h[0].space else h)] for h in halves if any(not t.space for t in h)]

    # -- figure ----------------------------------------------------------------------------------
    def _caption_text(self) -> str:
        if self.src.caption:
            return self.src.caption
        return "资料图片" if self.cv.lang == "zh" else "File photo"

    def _figure_with_caption(self, x0: float, x1: float, top: float, aspect: float) -> tuple[list[Item], float]:
        if self.spec.caption_position != "below" or self.spec.caption_credit or self.spec.caption_font != "serif":
            return self._figure_designed(x0, x1, top, aspect)
        cv = self.cv
        fig_h = (x1 - x0) * aspect
        figure = FigureItem((x0, top, x1, top + fig_h))
        caption, bottom = cv.block(
            "caption",
            self._caption_text(),
            cv.font("serif", 7.8),
            x0,
            x1 - x0,
            top + fig_h + cv.pt(5),
            leading=1.35,
            justify=True,
        )
        return [figure, caption], bottom

    def _figure_designed(self, x0: float, x1: float, top: float, aspect: float) -> tuple[list[Item], float]:
        """Photo and caption as a design sets them: caption under, over or beside, a credit line, another face."""
        cv, spec = self.cv, self.spec
        font = cv.font(spec.caption_font, 7.8)
        beside = spec.caption_position == "beside" and x1 - x0 > 2 * self.col_w
        photo_x1 = x0 + (x1 - x0) * 0.64 if beside else x1
        fig_h = (photo_x1 - x0) * aspect
        items: list[Item] = []
        y = top
        if spec.caption_position == "above" and not beside:
            caption, y = cv.block("caption", self._caption_text(), font, x0, x1 - x0, y, leading=1.35, justify=True)
            items.append(caption)
            y += cv.pt(5)
        figure = FigureItem((x0, y, photo_x1, y + fig_h))
        items.append(figure)
        bottom = y + fig_h
        if spec.caption_credit:
            credit, bottom = cv.block("caption", spec.caption_credit, cv.font(spec.caption_font, 6.5), x0,
                                      photo_x1 - x0, bottom + cv.pt(2), align="right")
            items.append(credit)
        if beside:
            caption, text_bottom = cv.block("caption", self._caption_text(), font, photo_x1 + cv.gutter,
                                            x1 - photo_x1 - cv.gutter, y, leading=1.35)
            items.append(caption)
            bottom = max(bottom, text_bottom)
        elif spec.caption_position != "above":
            caption, bottom = cv.block("caption", self._caption_text(), font, x0, x1 - x0, bottom + cv.pt(5),
                                       leading=1.35, justify=True)
            items.append(caption)
        return items, bottom

    def _figure_height(self, width: float, aspect: float) -> float:
        """Height of an in-column photo block of ``width`` with its caption (and credit)."""
        if self.spec.caption_position != "below" or self.spec.caption_credit or self.spec.caption_font != "serif":
            _items, bottom = self._figure_designed(0.0, width, 0.0, aspect)
            return bottom
        return width * aspect + self._caption_height(width)

    def _caption_height(self, width: float) -> float:
        font = self.cv.font("serif", 7.8)
        lines = self.cv.ts.wrap(self.cv.ts.tokens(self._caption_text(), font), width)
        return self.cv.pt(5) + (len(lines) - 1) * font.size * 1.35 + font.size

    # -- pull quote --------------------------------------------------------------------------------
    def _pull_quote_lines(self, text: str, width: float) -> tuple[list[list[Token]], FreeTypeFont]:
        font = self.cv.font(self.spec.pull_quote_font, 12.5)
        return self.cv.ts.wrap_balanced(self.cv.ts.tokens(text, font), width), font

    def _pull_quote_height(self, text: str, width: float) -> float:
        lines, font = self._pull_quote_lines(text, width)
        return 2 * self.cv.pt(1.6) + 2 * self.cv.pt(7) + (len(lines) - 1) * font.size * 1.3 + font.size

    def _box_item(self, x0: float, width: float, top: float) -> tuple[TextItem, float]:
        """The text's ``sidebar:`` set as a framed box (fact box, editor's note) from ``top``; returns its bottom."""
        cv = self.cv
        pad = cv.pt(7)
        label = self.src.sidebar.find("：") + 1 if "：" in self.src.sidebar[:8] else (
            self.src.sidebar.find(":") + 1 if ":" in self.src.sidebar[:24] else 0)
        item, bottom = cv.block("sidebar", self.src.sidebar, cv.fonts.get("serif", cv.body_size), x0 + pad,
                                width - 2 * pad, top + pad, leading=1.45, justify=True,
                                bold=cv.fonts.get("sans_bold", cv.body_size), bold_chars=label)
        item.frame = (x0, top, x0 + width, bottom + pad)
        if self.spec.box_tint:
            item.tint = item.frame
        return item, bottom + pad

    def _choose_pull_quote(self, paragraphs: Sequence[str]) -> str:
        body = self.joiner.join(paragraphs)
        if self.src.pull_quote and self.src.pull_quote in body:
            return self.src.pull_quote
        lo, hi = (12, 42) if self.cv.lang == "zh" else (40, 170)
        for para in paragraphs[1:]:
            for sentence in sentences(para, self.cv.lang):
                # A speaker label ("主持人：") belongs to the turn, not to the quotation.
                if lo <= len(sentence) <= hi and sentence in para and not _BOLD_PREFIX.match(sentence):
                    return sentence
        return ""

    # -- body flow -------------------------------------------------------------------------------
    def _pour(
        self, tops: list[float], bottom: float, obstacles: list[_Obstacle]
    ) -> tuple[list[_Slot | _Band], list[int]] | None:
        """Cut the columns into line slots around the obstacles for a given body bottom.

        Returns the slots and bands in reading order plus, for each band, the index of the slot
        that must receive text (the one below it) so the band is not left hanging under the text.
        """
        cv = self.cv
        size, pitch = cv.body_size, cv.pitch

        def count(top: float) -> int:
            return max(0, math.floor((bottom - top - size) / pitch + 1e-6) + 1)

        bands: list[_Band] = []
        gap = cv.pt(6)
        for obstacle in obstacles:
            o_top = max(tops[j] for j in obstacle.cols)
            total = count(o_top)
            m = math.ceil((obstacle.height + 2 * gap + pitch - size) / pitch)
            # At 0 the obstacle heads its column (a pull quote at the top of a column); else two lines above it.
            above = 0 if obstacle.at == 0 else 2
            k = min(max(above, round(obstacle.at * total)), total - m - 2)
            for other in bands:
                if set(other.obstacle.cols) & set(obstacle.cols):
                    other_end = round((other.y0 - o_top) / pitch) + other.lines
                    if k < other_end + 2 and k + m + 2 > round((other.y0 - o_top) / pitch):
                        k = other_end + 2
            if k < above or k + m > total - 2:
                return None
            bands.append(_Band(obstacle, o_top + k * pitch, m))
        order: list[_Slot | _Band] = []
        below: list[int] = []
        for j in range(self.ncols):
            in_col = sorted((b for b in bands if j in b.obstacle.cols), key=lambda b: b.y0)
            current: list[float] = []
            for i in range(count(tops[j])):
                y = tops[j] + i * pitch
                band = next((b for b in in_col if b.y0 - 1 <= y < b.y0 + b.lines * pitch - 1), None)
                if band is None:
                    current.append(y)
                    continue
                if current:
                    order.append(_Slot(j, current))
                    current = []
                if band.obstacle.cols[0] == j and band not in order:
                    order.append(band)
                if band.obstacle.cols[-1] == j and abs(y - band.y0) < 1:
                    below.append(len(order))  # the slot appended next in this column
            if current:
                order.append(_Slot(j, current))
        return order, below

    @staticmethod
    def _fits(layout: tuple[list[_Slot | _Band], list[int]], n_lines: int) -> bool:
        order, below = layout
        starts: list[int] = []
        total = 0
        for entry in order:
            starts.append(total)
            if isinstance(entry, _Slot):
                total += len(entry.tops)
        if total < n_lines:
            return False
        # The slot right under a band must start before the text runs out.
        return all(index < len(order) and starts[index] < n_lines for index in below)

    def plan(self, top: float, max_bottom: float) -> ArticlePlan | None:
        """Lay the article out in [top, max_bottom], as short as its text allows.

        Text that does not fit is cut at the end of the last sentence that does, so every
        paragraph in the ground truth is exactly what is printed.
        """
        cv, spec = self.cv, self.spec
        size, pitch = cv.body_size, cv.pitch
        if spec.jump_to is not None:
            max_bottom -= self._jump_room()
        header, header_bottom, title, paragraphs = self._header(top, max_bottom)
        if header_bottom + 3 * pitch > max_bottom:
            return None
        hs = min(self.ncols, spec.headline_span or self.ncols)
        items: list[Item] = list(header)
        col_tops = [header_bottom + cv.pt(10) if j < hs else top for j in range(self.ncols)]
        if spec.figure == "top" and self.ncols >= 1:
            fs = max(1, min(spec.figure_span, hs))
            first = 0 if spec.figure_align == "left" else hs - fs
            x0, x1 = self._span(first, first + fs)
            aspect = min(spec.figure_aspect, (max_bottom - header_bottom) * 0.4 / (x1 - x0))
            if aspect > 0.3:
                fig_items, fig_bottom = self._figure_with_caption(x0, x1, header_bottom + cv.pt(10), aspect)
                items.extend(fig_items)
                for j in range(first, first + fs):
                    col_tops[j] = fig_bottom + cv.pt(12)
        # Snap to one baseline grid so lines in neighbouring columns line up.
        tops = [top + math.ceil((t - top) / pitch - 1e-6) * pitch for t in col_tops]
        col_w = self.col_w

        obstacles: list[_Obstacle] = []
        if spec.figure == "column":
            fs = max(1, min(spec.figure_span, self.ncols))
            first = min(max(0, spec.figure_column), self.ncols - fs)
            height = self._figure_height(self._span_width(fs), spec.figure_aspect)
            obstacles.append(
                _Obstacle("figure", range(first, first + fs), spec.figure_at, height, "", spec.figure_aspect)
            )
        pq_col = -1
        if spec.pull_quote:
            pq_col = spec.pull_quote_column if spec.pull_quote_column is not None else (1 if self.ncols > 1 else 0)
            pq_col = min(max(0, pq_col), self.ncols - 1)
            taken = set(obstacles[0].cols) if obstacles else set()
            if pq_col in taken:
                free = [j for j in range(self.ncols) if j not in taken]
                pq_col = free[0] if free else pq_col

        figures = obstacles
        boxes: list[_Obstacle] = []
        if spec.box == "column" and self.src.sidebar:
            box_col = self.ncols - 1 if self.ncols > 1 and pq_col != self.ncols - 1 else 0
            _item, box_h = self._box_item(0.0, col_w, 0.0)
            boxes.append(_Obstacle("box", range(box_col, box_col + 1), spec.box_at, box_h))
        use_quote = spec.pull_quote
        for _attempt in range(16):
            active = list(figures) + boxes
            quote = self._choose_pull_quote(paragraphs) if use_quote else ""
            if quote:
                height = self._pull_quote_height(quote, col_w)
                active.append(_Obstacle("pull_quote", range(pq_col, pq_col + 1), spec.pull_quote_at, height, quote))
            lines = cv.set_body(paragraphs, col_w)
            full = self._pour(tops, max_bottom, active)
            if full is None:
                # No room for an obstacle at all: give up the pull quote first, then the box, then the figure.
                if quote:
                    use_quote = False
                elif boxes:
                    boxes = []
                elif figures:
                    figures = []
                else:
                    return None
                continue
            capacity = sum(len(e.tops) for e in full[0] if isinstance(e, _Slot))
            if capacity < len(lines):
                if capacity < 2:
                    return None
                paragraphs = self._truncate(paragraphs, lines, capacity)
                if not paragraphs:
                    return None
                continue
            start = min(tops) + size
            for i in range(int((max_bottom - start) / pitch) + 2):
                trial = self._pour(tops, min(max_bottom, start + i * pitch), active)
                if trial is not None and self._fits(trial, len(lines)):
                    return self._assemble(items, trial, lines, paragraphs, title, top, tops)
            # The text runs out before it gets past an obstacle: move the obstacle left or drop it.
            if quote and pq_col > 0:
                pq_col -= 1
            elif quote:
                use_quote = False
            elif boxes:
                boxes = []
            elif figures and figures[0].cols[0] > 0:
                cols = figures[0].cols
                figures = [replace(figures[0], cols=range(cols[0] - 1, cols[-1]))]
            elif figures:
                figures = []
            else:
                return None
        return None

    def _truncate(self, paragraphs: list[str], lines: list[Line], capacity: int) -> list[str]:
        kept = lines[:capacity]
        last = kept[-1]
        out = list(paragraphs[: last.para])
        if last.last:
            return [*out, paragraphs[last.para]]
        partial = self.joiner.join(line_text(ln.tokens) for ln in kept if ln.para == last.para)
        found = sentences(partial, self.cv.lang)
        cut = self.joiner.join(found) if self.cv.lang == "en" else "".join(found)
        if cut and paragraphs[last.para].startswith(cut):
            out.append(cut)
        return out

    def _assemble(
        self,
        items: list[Item],
        layout: tuple[list[_Slot | _Band], list[int]],
        lines: list[Line],
        paragraphs: list[str],
        title: str,
        top: float,
        tops: list[float],
    ) -> ArticlePlan:
        cv = self.cv
        size = cv.body_size
        order, _below = layout
        cursor = 0
        bottom = top
        for entry in order:
            if isinstance(entry, _Band):
                band_items = self._band_items(entry)
                items.extend(band_items)
                continue
            take = lines[cursor : cursor + len(entry.tops)]
            cursor += len(take)
            if not take:
                continue
            x0, _x1 = self._span(entry.col, entry.col + 1)
            item = TextItem(
                type="body",
                lines=[ln.tokens for ln in take],
                x=x0,
                width=self.col_w,
                baselines=[t + ASCENT * size for t in entry.tops[: len(take)]],
                indents=[ln.indent for ln in take],
                justify=[not ln.last for ln in take],
                size=size,
            )
            items.append(item)
            bottom = max(bottom, entry.tops[len(take) - 1] + size)
        if self.spec.jump_to is not None:
            # Right-aligned under the story's last column, in the room `plan` kept free for it.
            last = [it for it in items if isinstance(it, TextItem) and it.type == "body"][-1]
            jump, _ = cv.block("teaser", JUMP_TO[cv.lang].format(page=self.spec.jump_to), cv.font("sans_bold", 8.5),
                               last.x, last.width, last.bottom + cv.pt(4), align="right")
            items.append(jump)
        for it in items:
            bottom = max(bottom, it.box[3] if isinstance(it, FigureItem) else it.bottom)
        rules: list[Box] = list(self.rules)
        if self.spec.column_rules and self.ncols > 1:
            thickness = max(1.0, cv.pt(0.5))
            for j in range(1, self.ncols):
                x_prev = self._span(j - 1, j)[1]
                x = x_prev + cv.gutter / 2 - thickness / 2
                y0 = min(tops[j - 1], tops[j])
                if bottom - y0 > cv.pitch * 2:
                    rules.append((x, y0, x + thickness, bottom))
        # Paragraph text is rebuilt from the printed lines so ground truth is exactly what is drawn.
        by_para: dict[int, list[str]] = {}
        for ln in lines:
            by_para.setdefault(ln.para, []).append(line_text(ln.tokens))
        texts = [self.joiner.join(by_para[i]) for i in sorted(by_para)]
        continuation = {key: page for key, page in (("to_page", self.spec.jump_to), ("from_page", self.spec.jump_from))
                        if page is not None}
        return ArticlePlan(self.src, items, top, bottom, texts, title, rules, continuation)

    def _jump_room(self) -> float:
        return self.cv.pt(4) + self.cv.font("sans_bold", 8.5).size * 1.3

    def _band_items(self, band: _Band) -> list[Item]:
        cv = self.cv
        obstacle = band.obstacle
        x0, x1 = self._span(obstacle.cols[0], obstacle.cols[-1] + 1)
        inner = band.lines * cv.pitch - (cv.pitch - cv.body_size)
        y0 = band.y0 + (inner - obstacle.height) / 2
        if obstacle.kind == "figure":
            fig_items, _ = self._figure_with_caption(x0, x1, y0, obstacle.aspect)
            return fig_items
        if obstacle.kind == "box":
            return [self._box_item(x0, x1 - x0, y0)[0]]
        lines, font = self._pull_quote_lines(obstacle.text, x1 - x0)
        rule_t, pad = cv.pt(1.6), cv.pt(7)
        item, text_bottom = cv.lines_item("pull_quote", lines, font.size, x0, x1 - x0, y0 + rule_t + pad, 1.3, "center")
        if self.spec.pull_quote_style == "tint":
            item.tint = (x0, y0, x1, text_bottom + 2 * pad + rule_t)
        else:
            item.rules = [(x0, y0, x1, y0 + rule_t), (x0, text_bottom + pad, x1, text_bottom + pad + rule_t)]
        return [item]
