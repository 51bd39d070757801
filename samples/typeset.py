"""Line breaking, justification and drawing of text lines, with exact ink boxes.

Chinese text breaks between any two characters except where simple kinsoku forbids it (no closing
punctuation at a line start, no opening punctuation at a line end); runs of Latin letters and
digits inside Chinese stay whole. English breaks at spaces only. Every measurement is cached per
font and string because a page measures the same characters thousands of times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from PIL import ImageDraw

from samples.fonts import FreeTypeFont

Align = Literal["left", "center", "right"]
Box = tuple[float, float, float, float]

# Characters a Chinese line may not start with / end with.
NO_START = frozenset("，。、；：？！）」』】〕〉》’”…—·％%,.;:?!)]}〃々～ー")
NO_END = frozenset("（「『【〔〈《‘“([{")

# Latin words and numbers inside Chinese are unbreakable; paired dashes and ellipses too.
_ZH_TOKEN = re.compile(r"——|……|[A-Za-z0-9][A-Za-z0-9.,%/:+'\-]*[A-Za-z0-9%]|[A-Za-z0-9]|\s+|.", re.S)


@dataclass(frozen=True)
class Token:
    """An unbreakable piece of a line: one CJK character, a Latin word, or a space."""

    text: str
    font: FreeTypeFont
    width: float
    space: bool = False


@dataclass
class Line:
    """One typeset line: its tokens plus where it sits in the paragraph it came from."""

    tokens: list[Token]
    indent: float = 0.0
    para: int = -1
    first: bool = False
    last: bool = False

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)

    @property
    def width(self) -> float:
        return sum(t.width for t in self.tokens)


@dataclass
class Typesetter:
    """Measures, breaks and draws text for one page. ``lang`` decides the breaking rules."""

    lang: str
    _widths: dict[tuple[FreeTypeFont, str], float] = field(default_factory=dict)
    _inks: dict[tuple[FreeTypeFont, str], Box | None] = field(default_factory=dict)

    # -- measuring -------------------------------------------------------------------------------
    def width(self, font: FreeTypeFont, text: str) -> float:
        key = (font, text)
        value = self._widths.get(key)
        if value is None:
            value = float(font.getlength(text))
            self._widths[key] = value
        return value

    def ink(self, font: FreeTypeFont, text: str) -> Box | None:
        """Ink extent of ``text`` relative to its left-baseline origin; None when nothing is drawn.

        Pillow's getbbox spans the advance width, not the ink, so render the mask once instead.
        """
        key = (font, text)
        if key in self._inks:
            return self._inks[key]
        mask, offset = font.getmask2(text, mode="L", anchor="ls")
        bbox = mask.getbbox()
        value: Box | None = None
        if bbox:
            left, top, right, bottom = bbox
            value = (offset[0] + left, offset[1] + top, offset[0] + right, offset[1] + bottom)
        self._inks[key] = value
        return value

    # -- tokens ----------------------------------------------------------------------------------
    def tokens(
        self, text: str, font: FreeTypeFont, bold_font: FreeTypeFont | None = None, bold_chars: int = 0
    ) -> list[Token]:
        """Split text into tokens; the first ``bold_chars`` characters use ``bold_font``."""
        pieces = _ZH_TOKEN.findall(text) if self.lang == "zh" else re.findall(r"\S+|\s+", text)
        result: list[Token] = []
        position = 0
        for piece in pieces:
            use = bold_font if bold_font is not None and position < bold_chars else font
            position += len(piece)
            if piece.isspace():
                result.append(Token(" ", use, self.width(use, " "), space=True))
            else:
                result.append(Token(piece, use, self.width(use, piece)))
        return result

    # -- breaking --------------------------------------------------------------------------------
    def wrap(self, tokens: Sequence[Token], width: float, first_indent: float = 0.0) -> list[list[Token]]:
        """Greedy line breaking with kinsoku; spaces at the break are dropped."""
        tokens = self._split_oversized(tokens, width)
        lines: list[list[Token]] = []
        start, n = 0, len(tokens)
        avail = width - first_indent
        while start < n:
            while start < n and tokens[start].space:
                start += 1
            if start >= n:
                break
            end, used = start, 0.0
            while end < n and (end == start or used + tokens[end].width <= avail + 0.01):
                used += tokens[end].width
                end += 1
            brk = end
            if end < n and self.lang == "zh":
                # Pull characters back so the next line does not start with closing punctuation
                # and this one does not end with opening punctuation; give up rather than empty a line.
                while brk > start + 1 and (tokens[brk].text[0] in NO_START or tokens[brk - 1].text[-1] in NO_END):
                    brk -= 1
                if brk == start + 1 and tokens[brk].text[0] in NO_START:
                    brk = end
            elif end < n and not tokens[end].space:
                # English: break at the last space that fits; a lone over-long word keeps its line.
                back = end
                while back > start and not tokens[back - 1].space:
                    back -= 1
                if back > start:
                    brk = back
            line = list(tokens[start:brk])
            while line and line[-1].space:
                line.pop()
            lines.append(line)
            start = brk
            avail = width
        return lines

    def wrap_balanced(self, tokens: Sequence[Token], width: float) -> list[list[Token]]:
        """Wrap into as few lines as greedy wrapping needs, but with line lengths evened out.

        Headlines and captions look wrong with one long line and a two-character widow.
        """
        lines = self.wrap(tokens, width)
        if len(lines) < 2:
            return lines
        low, high = width / len(lines) * 0.8, width
        for _ in range(14):
            mid = (low + high) / 2
            if len(self.wrap(tokens, mid)) <= len(lines):
                high = mid
            else:
                low = mid
        return self.wrap(tokens, high)

    def _split_oversized(self, tokens: Sequence[Token], width: float) -> Sequence[Token]:
        if all(t.width <= width for t in tokens):
            return tokens
        out: list[Token] = []
        for tok in tokens:
            if tok.width <= width:
                out.append(tok)
                continue
            out.extend(Token(ch, tok.font, self.width(tok.font, ch)) for ch in tok.text)
        return out

    # -- drawing ---------------------------------------------------------------------------------
    def positions(self, tokens: Sequence[Token], width: float, justify: bool, align: Align = "left") -> list[float]:
        """x offset of each token inside a line box ``width`` wide."""
        natural = sum(t.width for t in tokens)
        slack = width - natural
        offsets: list[float] = []
        if justify and slack > 0:
            if self.lang == "zh":
                gaps = len(tokens) - 1
                # A nearly empty line spread over the full measure looks broken, not justified.
                if gaps > 0 and slack / gaps <= natural / max(1, len(tokens)):
                    step, x = slack / gaps, 0.0
                    for tok in tokens:
                        offsets.append(x)
                        x += tok.width + step
                    return offsets
            else:
                spaces = sum(1 for t in tokens if t.space)
                if spaces and slack < width * 0.4:
                    step, x = slack / spaces, 0.0
                    for tok in tokens:
                        offsets.append(x)
                        x += tok.width + (step if tok.space else 0.0)
                    return offsets
        x = {"left": 0.0, "center": max(0.0, slack) / 2, "right": max(0.0, slack)}[align]
        for tok in tokens:
            offsets.append(x)
            x += tok.width
        return offsets

    def draw_line(
        self,
        draw: ImageDraw.ImageDraw,
        tokens: Sequence[Token],
        x: float,
        baseline: float,
        width: float,
        justify: bool = False,
        align: Align = "left",
        fill: int = 0,
    ) -> Box | None:
        """Draw one line in the box [x, x+width] on ``baseline``; return its ink box (page pixels)."""
        box: list[float] | None = None
        for tok, off in zip(tokens, self.positions(tokens, width, justify, align), strict=True):
            if tok.space:
                continue
            ink = self.ink(tok.font, tok.text)
            if ink is None:
                continue
            px = x + off
            draw.text((px, baseline), tok.text, font=tok.font, fill=fill, anchor="ls")
            ink_box = (px + ink[0], baseline + ink[1], px + ink[2], baseline + ink[3])
            if box is None:
                box = list(ink_box)
            else:
                box[0], box[1] = min(box[0], ink_box[0]), min(box[1], ink_box[1])
                box[2], box[3] = max(box[2], ink_box[2]), max(box[3], ink_box[3])
        return None if box is None else (box[0], box[1], box[2], box[3])


def line_text(tokens: Sequence[Token]) -> str:
    return "".join(t.text for t in tokens)


def union(boxes: Sequence[Box | None]) -> Box | None:
    real = [b for b in boxes if b is not None]
    if not real:
        return None
    return (
        min(b[0] for b in real),
        min(b[1] for b in real),
        max(b[2] for b in real),
        max(b[3] for b in real),
    )
