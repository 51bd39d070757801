"""Synthetic newspaper pages with exact ground truth, the test bed for OCR, layout and articles.

Public API::

    page = generate_page(lang="zh", layout="roundtable", seed=7)      # -> GeneratedPage
    path = write_page(page, "out", "p1")      # out/p1.png|jpg and out/p1.gt.json
    write_bundled()                           # regenerates samples/pages/

A page is composed on a column grid (see ``samples.layouts``): running header and folio, optional
teaser strip and section label, then articles whose body paragraphs flow from column to column
around pull quotes and figures. Every region's box is the ink of its lines plus a few pixels, in
the pixels of the final (possibly skewed) image; the JSON format is ``broadsheet-gt/1``, documented
in :func:`generate_page`.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from samples.articles import ArticleText, load_pool
from samples.compose import ASCENT, TINT, ArticleComposer, ArticlePlan, Canvas, FigureItem, Item, TextItem
from samples.fonts import FontBook
from samples.imaging import Degradation, synth_photo
from samples.layouts import ArticleSpec, Layout, Row, Stack, get_layout
from samples.typeset import Box, line_text, union

FORMAT = "broadsheet-gt/1"
PAGES_DIR = Path(__file__).resolve().parent / "pages"

A4 = (2480, 3508, 300)
"""A4 (210 x 297 mm) at 300 dpi."""
BROADSHEET = (5100, 8200, 350)
"""A broadsheet of about 370 x 595 mm at 350 dpi: the large-page benchmark size."""
SIZES: dict[str, tuple[int, int, int]] = {"a4": A4, "broadsheet": BROADSHEET}

MASTHEAD = {"zh": "长河日报", "en": "THE MORNING LEDGER"}
SECTIONS = {"zh": ("要闻", "经济", "社会", "文化", "综合"), "en": ("Metro", "Business", "Region", "Nation")}
# (author or section, title, pointer): the cross-reference strip; the Chinese ones follow the seed page.
TEASERS = {
    "zh": (
        ("刘笑言", "为推进中国式现代化贡献巾帼力量", "→ 6版·论苑"),
        ("孙玮 黄旦 等", "数字生活与“可沟通”的城市形象建构", "→ 7版·智库"),
        ("戴燕", "阅读和研究《文选》所不能忘记的", "→ 8版·学人"),
    ),
    "en": (
        ("SCHOOLS", "A four-day week, one year on", "See page A4"),
        ("OPINION", "What the flood vote says about us", "See page A10"),
        ("SPORTS", "Harbor City rowers head to nationals", "See page B1"),
    ),
}
ISSUE = {"zh": "第 8127 期", "en": "Vol. CXII No. 38,917"}
# (text, font role, points) of the display advertisement, top to bottom: name, offer, price, phone.
ADVERTISEMENT = {
    "zh": (("长河家电 冬季焕新", "sans_bold", 26), ("节能冰箱 以旧换新 免费送货上门", "serif", 12),
           ("¥2,999 起", "sans_bold", 22), ("订购热线：400-820-5566", "sans_bold", 11)),
    "en": (("RIVERSIDE HOME STORE", "sans_bold", 24), ("Winter sale on every sofa and bed", "serif", 12),
           ("From $499", "sans_bold", 22), ("Call 555-0142 or visit riversidehome.com", "sans_bold", 11)),
}
ADVERTISEMENTS = {
    "zh": (ADVERTISEMENT["zh"],
           (("金穗粮油", "sans_bold", 22), ("五常大米 新米上市", "serif", 12), ("每袋 ¥69.9", "sans_bold", 18),
            ("门店：城东路88号", "serif", 10)),
           (("诚聘", "sans_bold", 26), ("本报诚聘夜班编辑、摄影记者各两名", "serif", 11),
            ("待遇从优", "sans_bold", 16), ("简历请寄：hr@changhe.example", "sans_bold", 10)),
           (("江南旅行社", "serif_bold", 20), ("黄山三日游 含门票住宿", "serif", 12), ("¥1,280/人", "sans_bold", 20),
            ("咨询电话：0571-8899 6677", "sans_bold", 10))),
    "en": (ADVERTISEMENT["en"],
           (("HARBOR CITY BANK", "sans_bold", 20), ("Home loans from 5.9% APR", "serif", 12),
            ("Apply today", "sans_bold", 18), ("Member FDIC. Call 555-0199", "serif", 9)),
           (("NOW HIRING", "sans_bold", 24), ("Drivers and warehouse staff, all shifts", "serif", 11),
            ("$21/hour", "sans_bold", 20), ("Apply at 14 Mill Road", "sans_bold", 10)),
           (("GRAND THEATRE", "serif_bold", 22), ("The Winter's Tale, nightly at 7:30", "serif", 12),
            ("Tickets $18", "sans_bold", 18), ("Box office 555-0177", "sans_bold", 10))),
}
"""Display advertisements a designed page draws from: four lines each, as ``ADVERTISEMENT``."""
WEEKDAYS = {
    "zh": ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
    "en": list(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
}

BUNDLED: dict[str, dict[str, Any]] = {
    "zh_roundtable": {"lang": "zh", "layout": "roundtable", "seed": 5},
    "zh_two_articles": {"lang": "zh", "layout": "two_articles", "seed": 2},
    "en_two_articles": {"lang": "en", "layout": "feature", "seed": 3},
}
"""The pages shipped in samples/pages/: A4, 300 dpi, light degradation, no filler articles."""


@dataclass
class GeneratedPage:
    """A rendered page: ``image`` (mode L, before JPEG encoding) and its ``truth`` dict."""

    image: Image.Image
    truth: dict[str, Any]

    @property
    def jpeg_quality(self) -> int | None:
        quality = self.truth["degradation"].get("jpeg_quality")
        return int(quality) if quality else None

    @property
    def suffix(self) -> str:
        return ".jpg" if self.jpeg_quality else ".png"


@dataclass
class _Region:
    type: str
    box: Box
    text: str
    article: int | None
    lines: tuple[tuple[str, Box], ...] = ()
    """Each printed line's text and padded ink box, where the region was drawn as lines of one text item."""


@dataclass
class _Regions:
    """Regions in reading order (furniture first, then article by article) plus separators."""

    furniture: list[_Region] = field(default_factory=list)
    articles: list[list[_Region]] = field(default_factory=list)
    separators: list[Box] = field(default_factory=list)


class _TextPicker:
    """Hands out article texts: the layout's preferred ones first, then the seeded pool, then repeats."""

    def __init__(self, pool: Sequence[ArticleText], preferred: Sequence[str], rng: random.Random,
                 repeat: bool = True) -> None:
        self.repeat = repeat
        by_name = {a.name: a for a in pool}
        self.queue = [by_name[n] for n in preferred if n in by_name]
        rest = [a for a in pool if a not in self.queue]
        rng.shuffle(rest)
        self.queue += rest
        self.cycle = list(self.queue)
        self.used = 0

    def left(self) -> bool:
        """Whether a text is left to hand out (always, when texts may repeat)."""
        return self.repeat or self.used < len(self.cycle)

    def next(self) -> ArticleText:
        if not self.cycle:
            raise ValueError("no article texts to set")
        text = self.cycle[self.used % len(self.cycle)]
        self.used += 1
        return text


def _waterfill(total: float, naturals: Sequence[float], shares: Sequence[float]) -> list[float]:
    """Split ``total`` by shares, but never give anyone more than its natural height."""
    alloc = [0.0] * len(naturals)
    active = set(range(len(naturals)))
    remaining = total
    while active:
        share_sum = sum(shares[i] for i in active) or 1.0
        fair = {i: remaining * shares[i] / share_sum for i in active}
        capped = [i for i in active if naturals[i] <= fair[i]]
        if not capped:
            for i in active:
                alloc[i] = fair[i]
            break
        for i in capped:
            alloc[i] = naturals[i]
            remaining -= naturals[i]
            active.discard(i)
    return alloc


class _PageComposer:
    def __init__(self, cv: Canvas, layout: Layout, picker: _TextPicker, fill: bool,
                 filler: Callable[[Stack], ArticleSpec] | None = None) -> None:
        self.cv, self.layout, self.picker, self.fill = cv, layout, picker, fill
        self.filler = filler or self._filler_spec
        self.regions = _Regions()
        self.plans: list[ArticlePlan] = []
        self.gap = cv.pt(8)
        self.rule_t = max(1.0, cv.pt(0.8))

    # -- furniture -------------------------------------------------------------------------------
    def furniture(self, date: dt.date, section: str) -> tuple[float, float]:
        """Running header, folio, teasers, section label; returns the content area's top and bottom."""
        cv, lang, layout = self.cv, self.cv.lang, self.layout
        folio_text = str(layout.page_number) if lang == "zh" else f"A{layout.page_number}"
        folio_font = cv.font("sans_bold", 20 if layout.folio_position == "header" else 11)
        top = cv.mm(9)
        baseline = top + ASCENT * folio_font.size
        x0, x1 = cv.left, cv.right
        if layout.folio_position == "header":
            folio_tokens = cv.ts.tokens(folio_text, folio_font)
            folio_w = sum(t.width for t in folio_tokens)
            odd = layout.page_number % 2 == 1
            fx = x1 - folio_w if odd else x0
            ink = cv.ts.draw_line(cv.draw, folio_tokens, fx, baseline, folio_w)
            folio_region = _Region("folio", self._pad(ink), folio_text, None)
            x0, x1 = (x0, fx - cv.pt(16)) if odd else (x0 + folio_w + cv.pt(16), x1)
        if lang == "zh":
            date_text = f"{date.year}年{date.month}月{date.day}日 {WEEKDAYS['zh'][date.weekday()]}"
        else:
            date_text = f"{WEEKDAYS['en'][date.weekday()]}, {date:%B} {date.day}, {date.year}"
        parts = [
            (MASTHEAD[lang], cv.font("sans_bold", 11), "left"),
            (date_text, cv.font("serif", 9), "center"),
            (section, cv.font("serif", 9), "right"),
        ]
        if layout.masthead:
            y = self._masthead(top, date_text)
        else:
            inks = []
            for text, font, align in parts:
                inks.append(cv.ts.draw_line(cv.draw, cv.ts.tokens(text, font), x0, baseline, x1 - x0, align=align))
            header_region = _Region("running_header", self._pad(union(inks)), " ".join(p[0] for p in parts), None)
            self.regions.furniture.append(header_region)
            y = baseline + (1 - ASCENT) * folio_font.size + cv.pt(4)
            self._separator((cv.left, y, cv.right, y + cv.pt(1.4)))
            y += cv.pt(1.4) + cv.pt(8)
        if layout.folio_position == "header":
            self.regions.furniture.append(folio_region)
        if layout.teasers:
            y = self._teasers(y)
        if layout.section_label:
            font = cv.font("sans_bold", 15)
            item, bottom = cv.lines_item(
                "section", [cv.ts.tokens(section, font)], font.size, cv.left, cv.right - cv.left, y, 1.0
            )
            drawn = self._draw_text(item)
            ink = union([box for _, box in drawn])
            if ink is not None:
                self.regions.furniture.append(self._text_region("section", item, drawn, None))
                mid = (ink[1] + ink[3]) / 2
                self._separator((ink[2] + cv.pt(10), mid - cv.pt(1.2), cv.right, mid + cv.pt(1.2)))
            y = bottom + cv.pt(10)
        bottom = cv.height - cv.mm(12)
        if layout.folio_position == "footer":
            base = cv.height - cv.mm(8)
            tokens = cv.ts.tokens(folio_text, folio_font)
            ink = cv.ts.draw_line(cv.draw, tokens, cv.left, base, cv.right - cv.left, align="center")
            self.regions.furniture.append(_Region("folio", self._pad(ink), folio_text, None))
            bottom = min(bottom, base - folio_font.size - cv.pt(8))
        return y + cv.pt(4), bottom

    def _masthead(self, top: float, date_text: str) -> float:
        """Page one's nameplate, the issue's date line under it and a heavy rule; returns the y below them."""
        cv = self.cv
        width = cv.right - cv.left
        for kind, text, font, gap in (("masthead", MASTHEAD[cv.lang], cv.font("serif_bold", 46), 0.0),
                                      ("masthead", f"{date_text}  {ISSUE[cv.lang]}", cv.font("serif", 10), cv.pt(8))):
            item, top = cv.lines_item(kind, [cv.ts.tokens(text, font)], font.size, cv.left, width, top + gap, 1.0,
                                      "center")
            self.regions.furniture.append(self._text_region(kind, item, self._draw_text(item), None))
        y = top + cv.pt(6)
        self._separator((cv.left, y, cv.right, y + cv.pt(2.4)))
        return y + cv.pt(2.4) + cv.pt(8)

    def advertisement(self, bottom: float) -> float:
        """A framed display advertisement across the page foot; returns the articles' new bottom.

        Picture, large and small type mixed, a price and a phone number: what tells an ad from a sidebar.
        """
        cv = self.cv
        y0 = bottom - cv.mm(40)
        self.display_ad((cv.left, y0, cv.right, bottom), ADVERTISEMENT[cv.lang])
        return y0 - cv.pt(12)

    def display_ad(self, box: Box, lines: Sequence[tuple[str, str, float]], framed: bool = True,
                   photo: bool = True, fit: bool = False) -> None:
        """An advertisement in ``box``: a picture (when ``photo``) and lines of (text, font role, points).

        With ``fit``, lines that would run out of the box are left out (a designed ad of any size).
        """
        cv = self.cv
        x0, y0, x1, y1 = box
        pad = cv.pt(9)
        inks: list[Box | None] = []
        x = x0 + pad
        # The picture takes the left of a wide ad; a narrow one (a column ad) sets its type alone.
        if photo and x1 - x0 > 2.4 * (y1 - y0):
            picture = (round(x0 + pad), round(y0 + pad), round(x0 + pad + 1.4 * (y1 - y0 - 2 * pad)), round(y1 - pad))
            cv.image.paste(Image.fromarray(synth_photo(picture[2] - picture[0], picture[3] - picture[1], cv.nprng)),
                           picture[:2])
            inks.append(picture)
            x = picture[2] + 2 * pad
        texts, drawn = [], []
        y = y0 + pad
        for (text, role, points), gap in zip(lines, (0, 6, 10, 8), strict=True):
            item, y = cv.block("advertisement", text, cv.font(role, points), x, x1 - pad - x, y + cv.pt(gap))
            if fit and item.bottom > y1 - pad / 2:
                break
            item_lines = self._draw_text(item)
            drawn += item_lines
            inks.append(union([box for _, box in item_lines]))
            texts.append(item.text)
        if not inks:
            return  # a fitted ad too small for its picture and its first line: the space stays blank
        self.regions.furniture.append(_Region("advertisement", self._pad(union(inks)), "\n".join(texts), None,
                                              self._padded(drawn)))
        if framed:
            for side in _frame_sides((x0, y0, x1, y1), max(1, round(cv.pt(1.6)))):
                self._separator(side)

    def _teasers(self, y: float) -> float:
        cv = self.cv
        teasers = TEASERS[cv.lang]
        cell = (cv.right - cv.left) / len(teasers)
        pad = cv.pt(6)
        bottom = y
        for i, (who, title, pointer) in enumerate(teasers):
            x = cv.left + i * cell + (pad if i else 0)
            width = cell - pad * (2 if i else 1)
            ts = cv.ts
            lines = ts.wrap(ts.tokens(who, cv.font("serif", 8.5)), width)
            lines += ts.wrap_balanced(ts.tokens(title, cv.font("serif_bold", 10.5)), width)
            lines += ts.wrap(ts.tokens(pointer, cv.font("sans_bold", 8.5)), width)
            size = cv.font("serif_bold", 10.5).size
            item, item_bottom = cv.lines_item("teaser", lines, size, x, width, y, 1.3)
            drawn = self._draw_text(item)
            if drawn:
                self.regions.furniture.append(self._text_region("teaser", item, drawn, None))
            bottom = max(bottom, item_bottom)
            if i:
                x_rule = cv.left + i * cell
                self._separator((x_rule, y, x_rule + self.rule_t, item_bottom))
        self._separator((cv.left, bottom + cv.pt(8), cv.right, bottom + cv.pt(8) + self.rule_t))
        return bottom + cv.pt(18)

    # -- articles --------------------------------------------------------------------------------
    def _natural(self, src: ArticleText, spec: ArticleSpec, stack: Stack, height: float) -> float:
        plan = ArticleComposer(self.cv, src, spec, stack.columns, stack.text_columns).plan(0.0, height * 3)
        return plan.bottom if plan else height

    def articles(self, top: float, bottom: float) -> None:
        rows = [
            [(stack, [(spec, self.picker.next()) for spec in stack.articles]) for stack in row.stacks]
            for row in self.layout.rows
        ]
        sep = 2 * self.gap + self.rule_t
        naturals = []
        for row in rows:
            stack_heights = []
            for stack, arts in row:
                if stack.advertisement:
                    stack_heights.append(self.cv.mm(stack.ad_height_mm))
                    continue
                heights = [self._natural(src, spec, stack, bottom - top) for spec, src in arts]
                stack_heights.append(sum(heights) + sep * (len(arts) - 1))
            naturals.append(max(stack_heights))
        shares = [row.share for row in self.layout.rows]
        y = top
        for r, row in enumerate(rows):
            height = bottom - y - sep * (len(rows) - r - 1)
            alloc = bottom - y if r == len(rows) - 1 else _waterfill(height, naturals[r:], shares[r:])[0]
            row_bottom = y
            for stack, arts in row:
                row_bottom = max(row_bottom, self._stack(stack, arts, y, y + alloc))
            for stack, _arts in row[1:]:
                if not stack.gutter_rule:
                    continue
                # Side-by-side stacks are divided by a rule in the gutter, as tall as the row.
                x = self.cv.span(0, stack.columns[0])[1] + self.cv.gutter / 2 - self.rule_t / 2
                self._separator((x, y, x + self.rule_t, row_bottom))
            if r < len(rows) - 1:
                self._separator(
                    (self.cv.left, row_bottom + self.gap, self.cv.right, row_bottom + self.gap + self.rule_t)
                )
                y = row_bottom + sep

    def _stack(self, stack: Stack, arts: list[tuple[ArticleSpec, ArticleText]], top: float, bottom: float) -> float:
        cv = self.cv
        sep = 2 * self.gap + self.rule_t
        if stack.advertisement:
            x0, x1 = cv.span(*stack.columns)
            ad_bottom = min(bottom, top + cv.mm(stack.ad_height_mm))
            self.display_ad((x0, top, x1, ad_bottom), ADVERTISEMENTS[cv.lang][stack.ad_variant % len(
                ADVERTISEMENTS[cv.lang])], framed=stack.advertisement == "framed", photo=stack.ad_photo, fit=True)
            return ad_bottom
        naturals = [self._natural(src, spec, stack, bottom - top) for spec, src in arts]
        alloc = _waterfill(bottom - top - sep * (len(arts) - 1), naturals, [spec.share for spec, _ in arts])
        y, placed_bottom = top, None
        queue = list(zip(arts, alloc, strict=True))
        fillers = 0
        while True:
            if queue:
                (spec, src), height = queue.pop(0)
                max_bottom = y + height if queue else bottom
            else:
                min_height = 10 * cv.pitch + cv.pt(40)
                if not self.fill or bottom - y < min_height or fillers >= 12 or not self.picker.left():
                    break
                fillers += 1
                src, spec, max_bottom = self.picker.next(), self.filler(stack), bottom
            # A framed article keeps its frame's padding inside the room it is given.
            inset = cv.pt(6) if spec.frame else 0.0
            plan = ArticleComposer(cv, src, spec, stack.columns, stack.text_columns).plan(y + inset,
                                                                                          max_bottom - inset)
            if plan is None:
                if queue:
                    continue
                break
            if placed_bottom is not None:
                x0, x1 = cv.span(*stack.columns)
                self._separator((x0, placed_bottom + self.gap, x1, placed_bottom + self.gap + self.rule_t))
            if spec.frame:
                x0, x1 = cv.span(*stack.columns)
                half = cv.gutter / 2 - self.rule_t
                for side in _frame_sides((x0 - half, y, x1 + half, plan.bottom + inset), max(1, round(self.rule_t))):
                    self._separator(side)
                plan.bottom += inset
            self.plans.append(plan)
            placed_bottom = plan.bottom
            y = plan.bottom + sep
        return placed_bottom if placed_bottom is not None else top

    def _filler_spec(self, stack: Stack) -> ArticleSpec:
        rng = self.cv.rng
        width = stack.columns[1] - stack.columns[0]
        return ArticleSpec(
            headline_span=rng.randint(max(1, width - 2), width),
            headline_pt=(24.0, 30.0),
            headline_font=rng.choice(["serif_bold", "sans_bold"]),
            kicker=rng.choice(["below", "none"]),
            figure="column" if width >= 3 and rng.random() < 0.3 else "none",
            figure_column=rng.randint(0, max(0, width - 1)),
            figure_at=0.1,
            column_rules=rng.random() < 0.3,
        )

    # -- drawing ---------------------------------------------------------------------------------
    def draw_articles(self) -> None:
        for index, plan in enumerate(self.plans):
            members: list[_Region] = []
            for item in plan.items:
                region = self._draw_item(item, index)
                if region is not None:
                    members.append(region)
            self.regions.articles.append(members)
            for box in plan.rules:
                self._separator(box)

    def _draw_item(self, item: Item, article: int) -> _Region | None:
        cv = self.cv
        if isinstance(item, FigureItem):
            x0, y0, x1, y1 = (round(v) for v in item.box)
            photo = synth_photo(x1 - x0, y1 - y0, cv.nprng)
            cv.image.paste(Image.fromarray(photo), (x0, y0))
            return _Region("figure", (x0, y0, x1, y1), "", article)
        drawn = self._draw_text(item)
        return self._text_region(item.type, item, drawn, article) if drawn else None

    def _text_region(self, kind: str, item: TextItem, drawn: list[tuple[str, Box]], article: int | None) -> _Region:
        """The region of a drawn text item: its lines' ink, padded, and each line's."""
        return _Region(kind, self._pad(union([box for _, box in drawn])), item.text, article, self._padded(drawn))

    def _padded(self, drawn: list[tuple[str, Box]]) -> tuple[tuple[str, Box], ...]:
        return tuple((text, self._pad(box)) for text, box in drawn)

    def _draw_text(self, item: TextItem) -> list[tuple[str, Box]]:
        """Draw the item; each line that printed ink, with its text and ink box."""
        cv = self.cv
        drawn = []
        if item.tint is not None:
            cv.draw.rectangle(tuple(round(v) for v in item.tint), fill=TINT)
        for tokens, base, indent, justify in zip(item.lines, item.baselines, item.indents, item.justify, strict=True):
            ink = cv.ts.draw_line(cv.draw, tokens, item.x + indent, base, item.width - indent, justify, item.align)
            if ink is not None:
                drawn.append((line_text(tokens), ink))
        # A pull quote's rules and a box's frame are printed rules like any other: separator regions.
        for rule in item.rules:
            self._separator(rule)
        if item.frame is not None:
            for side in _frame_sides(item.frame, max(1, round(cv.pt(0.8)))):
                self._separator(side)
        return drawn

    def _separator(self, box: Box) -> None:
        self.regions.separators.append(box)

    def draw_separators(self) -> None:
        for box in self.regions.separators:
            self.cv.rule(box)

    def _pad(self, box: Box | None) -> Box:
        assert box is not None, "a text region drew no ink"
        pad = max(2.0, self.cv.dpi / 100)
        return (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)


def _frame_sides(frame: Box, width: int) -> list[Box]:
    """The four sides of an outlined box, as rules of ``width`` pixels drawn inside its rounded edges."""
    x0, y0, x1, y1 = (round(v) for v in frame)
    return [(x0, y0, x1 + 1, y0 + width), (x0, y1 + 1 - width, x1 + 1, y1 + 1),
            (x0, y0, x0 + width, y1 + 1), (x1 + 1 - width, y0, x1 + 1, y1 + 1)]


def _mapped(box: Box, matrix: np.ndarray, width: int, height: int) -> tuple[list[list[float]], list[int]]:
    """A clean box mapped through the skew: its polygon and that polygon's bounding box, in final-image pixels."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x1, y1, 1.0], [x0, y1, 1.0]]) @ matrix.T
    corners[:, 0] = corners[:, 0].clip(0, width)
    corners[:, 1] = corners[:, 1].clip(0, height)
    polygon = [[round(float(x), 1), round(float(y), 1)] for x, y in corners]
    xs, ys = corners[:, 0], corners[:, 1]
    bbox = [
        max(0, math.floor(xs.min())),
        max(0, math.floor(ys.min())),
        min(width, math.ceil(xs.max())),
        min(height, math.ceil(ys.max())),
    ]
    return polygon, bbox


def _truth_region(region_id: str, region: _Region, article: str | None, matrix: np.ndarray, width: int,
                  height: int) -> dict[str, Any]:
    polygon, bbox = _mapped(region.box, matrix, width, height)
    truth = {"id": region_id, "type": region.type, "polygon": polygon, "box": bbox, "article": article,
             "text": region.text}
    if region.lines:
        truth["lines"] = [{"text": text, "box": _mapped(box, matrix, width, height)[1]} for text, box in region.lines]
    return truth


@dataclass(frozen=True)
class Defects:
    """OCR text defects to inject at seeded, recorded places: the test bed for the repair stage.

    ``splits`` paragraphs are cut mid-sentence into two (as a paragraph continued across a frame or
    a figure is read); ``duplicates`` line-long fragments are printed a second time, alternately at the
    end of a later paragraph (as in the seed page) and as a block of their own after their source.
    """

    splits: int = 2
    duplicates: int = 2


_FINAL = frozenset("。！？.!?”\"")


def _cut_points(para: str, lang: str) -> list[int]:
    # Mid-sentence and mid-text: never next to punctuation, and in Latin text only before a lowercase word.
    if lang == "zh":
        return [k for k in range(12, len(para) - 12) if para[k - 1].isalpha() and para[k].isalpha()]
    return [k for k in range(30, len(para) - 30) if para[k - 1] == " " and para[k].islower() and para[k - 2].isalpha()]


def _fragment(para: str, lang: str, rng: random.Random) -> str:
    """A line-long piece of the paragraph with no sentence end in it."""
    size = rng.randint(12, 20) if lang == "zh" else rng.randint(30, 50)
    starts = [a for a in range(0, max(1, len(para) - size)) if not any(c in _FINAL for c in para[a:a + size])
              and para[a + size - 1].isalpha()
              and (lang == "zh" or ((a == 0 or para[a - 1] == " ") and not para[a + size: a + size + 1].isalpha()))]
    return para[starts[rng.randrange(len(starts))]:][:size].strip() if starts else ""


def inject_defects(text: ArticleText, defects: Defects, rng: random.Random) -> tuple[ArticleText, list[dict[str, Any]]]:
    """The article with defects injected, and a record of each: kind plus the text needed to find it."""
    paragraphs = list(text.paragraphs)
    joiner = "" if text.lang == "zh" else " "
    records: list[dict[str, Any]] = []
    pieces: set[str] = set()  # a piece is not cut again, so each recorded split stays findable
    for _ in range(defects.splits):
        candidates = [(i, k) for i, para in enumerate(paragraphs) if para not in pieces
                      for k in _cut_points(para, text.lang)[::7]]
        if not candidates:
            break
        i, k = candidates[rng.randrange(len(candidates))]
        left, right = paragraphs[i][:k].rstrip(), paragraphs[i][k:].lstrip()
        paragraphs[i:i + 1] = [left, right]
        pieces.update((left, right))
        records.append({"kind": "split", "left": left, "right": right})
    for n in range(defects.duplicates):
        ended = [i for i, para in enumerate(paragraphs) if para[-1] in _FINAL]
        if len(ended) < 2:
            break
        source = rng.choice(ended[:-1])
        fragment = _fragment(paragraphs[source], text.lang, rng)
        if not fragment:
            continue
        if n % 2 == 0:
            target = rng.choice([i for i in ended if i > source])
            paragraphs[target] = paragraphs[target] + joiner + fragment
        else:
            paragraphs.insert(source + 1, fragment)
        records.append({"kind": "duplicate", "text": fragment})
    return replace(text, paragraphs=tuple(paragraphs)), records


def _printed_defects(paragraphs: Sequence[str], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The injected defects that made it onto the page (a long article may be cut to fit)."""
    kept = []
    for record in records:
        if record["kind"] == "split":
            pairs = itertools.pairwise(paragraphs)
            # The layout may cut the article short inside the right-hand piece.
            right = next((b for a, b in pairs if a == record["left"]
                          and (b.startswith(record["right"][:20]) or record["right"].startswith(b))), None)
            if right is not None:
                kept.append({"kind": "split", "left": record["left"][-12:], "right": right[:12]})
        elif any(p.endswith(record["text"]) for p in paragraphs):
            kept.append(record)
    return kept


def generate_page(
    lang: str = "zh",
    layout: str | Layout = "random",
    seed: int = 0,
    width: int = A4[0],
    height: int = A4[1],
    dpi: int = A4[2],
    degrade: bool | str | Degradation = True,
    *,
    texts: Sequence[ArticleText] | None = None,
    fill: bool | None = None,
    name: str = "page",
    defects: Defects | None = None,
) -> GeneratedPage:
    """Render one newspaper page and its ground truth. Same arguments, same pixels.

    Args:
        lang: ``"zh"`` or ``"en"``; picks texts from ``samples/text/<lang>_*.txt`` and the rules
            for line breaking.
        layout: a preset name from ``samples.layouts.PRESETS``, ``"random"`` (seeded), or a Layout.
        seed: drives the random layout, text choice, pictures and degradation.
        width, height, dpi: page size in pixels and its resolution; type sizes are in points, so
            body text is ~9 pt at any dpi (38 px at 300 dpi). ``SIZES`` has "a4" and "broadsheet".
        degrade: True for seeded scan damage (skew ±0.3–1.5°, noise, blur, JPEG 70–90), "light"
            for the milder bundled-page setting, False for a clean PNG, or explicit Degradation.
        texts: article texts to use instead of the bundled pool.
        fill: add extra short articles where the chosen ones leave space; default per layout.
        name: file stem recorded in ``truth["image"]`` (``write_page`` rewrites it).
        defects: inject seeded OCR text defects (see ``Defects``); each article's truth then also has
            ``defects[{kind: split, left, right} | {kind: duplicate, text}]``, the defects as printed.

    Returns:
        GeneratedPage whose ``truth`` is a ``broadsheet-gt/1`` dict: ``format, image, width, height,
        dpi, language, layout, seed, degradation{skew_degrees, noise_sigma, blur_radius,
        jpeg_quality}, regions[{id, type, polygon, box, article, text, lines?}], reading_order,
        articles[{id, headline, region_ids, paragraphs}]``. Polygons are the region's clean box mapped
        through the skew; ``box`` is the polygon's bounding box; both in final-image pixels. A text
        region drawn as lines has ``lines[{text, box}]``, each printed line's padded ink box. Separators (rules)
        are regions with empty text and no article and are left out of ``reading_order``; figures
        are in it, with empty text.

    Raises:
        FontMissingError: the Noto CJK fonts are not installed.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    fonts = FontBook.load()
    rng = random.Random(seed)
    chosen = layout if isinstance(layout, Layout) else get_layout(layout, rng)
    cv = Canvas(width, height, dpi, lang, chosen.columns, fonts, rng, np.random.default_rng(seed))
    pool = list(texts) if texts is not None else load_pool(lang)
    injected: dict[str, list[dict[str, Any]]] = {}
    if defects is not None:
        defect_rng = random.Random(seed * 7919 + 1)
        for index, text in enumerate(pool):
            pool[index], injected[text.name] = inject_defects(text, defects, defect_rng)
    picker = _TextPicker(pool, chosen.texts.get(lang, ()), rng)
    composer = _PageComposer(cv, chosen, picker, chosen.fill if fill is None else fill)

    date = dt.date(2023, 1, 2) + dt.timedelta(days=rng.randint(0, 700))
    first_section = picker.queue[0].section if picker.queue else ""
    section = first_section if chosen.section_label and first_section else rng.choice(SECTIONS[lang])
    top, bottom = composer.furniture(date, section)
    if chosen.advertisement:
        bottom = composer.advertisement(bottom)
    composer.articles(top, bottom)
    composer.draw_articles()
    composer.draw_separators()
    return _finish(composer, chosen.name, seed, degrade, name, injected if defects is not None else None)


def _finish(composer: _PageComposer, layout_name: str, seed: int, degrade: bool | str | Degradation, name: str,
            injected: dict[str, list[dict[str, Any]]] | None = None) -> GeneratedPage:
    """Degrade the drawn page and write its ground truth (see ``generate_page``)."""
    cv = composer.cv
    width, height, lang = cv.width, cv.height, cv.lang
    degrade_rng = np.random.default_rng([seed, 1])
    if isinstance(degrade, Degradation):
        degradation = degrade
    elif degrade:
        degradation = Degradation.random(degrade_rng, "light" if degrade == "light" else "normal")
    else:
        degradation = Degradation.none()
    image = degradation.apply(cv.image, degrade_rng)
    matrix = degradation.matrix(width, height)

    regions: list[dict[str, Any]] = []
    order: list[str] = []
    articles: list[dict[str, Any]] = []

    def add(region: _Region) -> str:
        region_id = f"r{len(regions) + 1}"
        article = None if region.article is None else f"a{region.article + 1}"
        regions.append(_truth_region(region_id, region, article, matrix, width, height))
        return region_id

    for region in composer.regions.furniture:
        order.append(add(region))
    for index, (plan, members) in enumerate(zip(composer.plans, composer.regions.articles, strict=True)):
        ids = [add(region) for region in members]
        order.extend(ids)
        articles.append(
            {
                "id": f"a{index + 1}",
                "headline": plan.headline,
                "region_ids": ids,
                "paragraphs": plan.paragraphs,
                **({"continuation": plan.continuation} if plan.continuation else {}),
                **({"defects": _printed_defects(plan.paragraphs, injected.get(plan.src.name, []))}
                   if injected is not None else {}),
                **({"design": plan.design} if plan.design else {}),
            }
        )
    for box in composer.regions.separators:
        add(_Region("separator", box, "", None))

    truth: dict[str, Any] = {
        "format": FORMAT,
        "image": f"{name}{'.jpg' if degradation.jpeg_quality else '.png'}",
        "width": width,
        "height": height,
        "dpi": cv.dpi,
        "language": lang,
        "layout": layout_name,
        "seed": seed,
        "degradation": degradation.as_dict(),
        "regions": regions,
        "reading_order": order,
        "articles": articles,
    }
    return GeneratedPage(image=image, truth=truth)


def write_page(page: GeneratedPage, out_dir: Path | str, name: str) -> Path:
    """Write ``<name>.png`` (or ``.jpg`` when the page has JPEG degradation) and ``<name>.gt.json``.

    Returns the image path. The truth's ``image`` field is set to the image's file name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    image_path = out / f"{name}{page.suffix}"
    truth = copy.deepcopy(page.truth)
    truth["image"] = image_path.name
    if page.jpeg_quality:
        page.image.save(image_path, "JPEG", quality=page.jpeg_quality, optimize=True)
    else:
        page.image.save(image_path, "PNG", compress_level=6)
    (out / f"{name}.gt.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return image_path


def generate_jump_pair(
    lang: str = "zh",
    seed: int = 0,
    width: int = A4[0],
    height: int = A4[1],
    dpi: int = A4[2],
    degrade: bool | str | Degradation = "light",
    *,
    first_page: int = 1,
    second_page: int = 4,
) -> tuple[GeneratedPage, GeneratedPage]:
    """Two pages of one issue with a story jumped from the first to the second.

    Page ``first_page`` holds the story's start, ending in a jump line ("（下转第4版）" / "Continued on
    A4"); page ``second_page`` holds another story and then the rest of it under the same headline
    with a "continued from" line ("（上接第1版）" / "Continued from Page 1"). Each article's truth
    records ``continuation: {to_page}`` or ``{from_page}``; the jump lines are regions of type
    ``teaser`` (a line pointing to another page) in their article, outside its paragraphs.

    Raises:
        ValueError: the story fits on the first page, so there is nothing to continue (use a smaller page).
    """
    pool = load_pool(lang)
    rng = random.Random(seed)
    ranked = sorted(pool, key=lambda a: (-len(a.body), a.name))
    story = ranked[0]  # the longest text is surest to outrun its column
    lead, other = rng.sample(ranked[1:6], 2)
    # The story gets one column beside a two-column lead, so it runs out of room and jumps.
    front = Layout(name="jump_front", columns=3, rows=(Row(stacks=(
        Stack(columns=(0, 2), articles=(ArticleSpec(kicker="none"),)),
        Stack(columns=(2, 3), articles=(ArticleSpec(kicker="none", headline_pt=(20.0, 24.0), jump_to=second_page),)),
    )),), page_number=first_page, fill=False, texts={lang: (lead.name, story.name)})
    first = generate_page(lang, front, seed, width, height, dpi, degrade, texts=[lead, story], fill=False)
    printed = first.truth["articles"][1]["paragraphs"]
    last = len(printed) - 1
    head = printed[last]
    cut = story.paragraphs[last]
    rest = ([cut[len(head):].strip()] if cut != head and cut.startswith(head) else []) + list(
        story.paragraphs[last + 1:])
    if not rest:
        raise ValueError(f"{story.name} fits on a {width}x{height} page: nothing is left to continue")
    remainder = replace(story, name=f"{story.name}_cont", paragraphs=tuple(rest), kicker="", bylines=(),
                        pull_quote="", sidebar="")
    back = Layout(name="jump_back", columns=2, rows=(Row(stacks=(Stack(columns=(0, 2), articles=(
        ArticleSpec(kicker="none"), ArticleSpec(kicker="none", jump_from=first_page))),)),),
        page_number=second_page, fill=False, texts={lang: (other.name, remainder.name)})
    second = generate_page(lang, back, seed + 1, width, height, dpi, degrade, texts=[other, remainder], fill=False)
    return first, second


def generate_bundled(name: str) -> GeneratedPage:
    """One of the pages shipped in samples/pages/ (see ``BUNDLED``)."""
    spec = BUNDLED[name]
    return generate_page(spec["lang"], spec["layout"], spec["seed"], *A4, degrade="light", fill=False, name=name)


def write_bundled(out_dir: Path | str = PAGES_DIR) -> list[Path]:
    """Regenerate every bundled page into ``out_dir`` (default samples/pages/)."""
    return [write_page(generate_bundled(name), out_dir, name) for name in BUNDLED]


__all__ = [
    "A4",
    "BROADSHEET",
    "BUNDLED",
    "FORMAT",
    "SIZES",
    "Defects",
    "Degradation",
    "GeneratedPage",
    "Layout",
    "generate_bundled",
    "generate_jump_pair",
    "generate_page",
    "inject_defects",
    "write_bundled",
    "write_page",
]
