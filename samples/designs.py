"""Design-randomised newspaper pages: every metric measured on designs no rule was written for.

Public API::

    design = draw_design("zh", seed=7)                       # the page's design switches, nothing drawn
    page = generate_designed_page("zh", seed=7, dpi=150)     # -> GeneratedPage; truth["design"] == design

Each switch in ``SWITCHES`` is drawn independently per page from the seed, so a page combines them
as no preset does: rules under headline blocks, kickers above or below, one- and two-line headlines
(Chinese ones broken at full-width punctuation or a wide gap), headlines over some or all of the
story's columns, centred or flush; framed roundtables, fact boxes and editor's notes; pull quotes at
the top or middle of a column between rules or on a tint; captions under, over or beside photos in
another face with a credit line; columns of unequal width; display ads of any size; continued
stories (jump lines, a headless rest of a story at the top of the page); type families, body size
and leading; A4 or broadsheet. A 19th-century page (``era: 1850s``) is set differently altogether:
five to seven narrow columns of dense text flowing from column to column, headings in body-size
centred capitals (bold for Chinese), short dash rules between items, no pictures and no kickers.

Truth is ``broadsheet-gt/1`` (see ``samples.generator.generate_page``) plus ``design`` (the page's
switches) and, per article, ``design`` (what was applied to it: headline lines and span, figure,
box, pull quote, continuation). A framed box's text is a ``sidebar`` region of its article; a
headless rest of a story is an article with headline ``""`` and ``continuation: {from_page}``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from samples.articles import TEXT_DIR, ArticleText, load_pool, sentences
from samples.compose import ArticlePlan, Canvas, TextItem
from samples.fonts import FAMILIES, Family, FontBook
from samples.generator import (
    ADVERTISEMENTS,
    SECTIONS,
    GeneratedPage,
    _finish,
    _PageComposer,
    _TextPicker,
)
from samples.imaging import Degradation
from samples.layouts import ArticleSpec, Layout, Row, Stack
from samples.typeset import Line, line_text

PAGE_MM = {"a4": (210.0, 297.0), "broadsheet": (370.0, 595.0)}
"""Page sizes in millimetres; pixels follow from the dpi."""
EXTRA_TEXT_DIR = TEXT_DIR / "designs"
"""More article texts for designed pages only (the presets' pool in samples/text/ stays as it is)."""

LATIN_SERIF = tuple(f.name for f in FAMILIES.values() if f.script == "latin" and f.kind == "serif")
LATIN_SANS = tuple(f.name for f in FAMILIES.values() if f.script == "latin" and f.kind == "sans")
CJK = ("noto-serif-cjk", "noto-sans-cjk")

SWITCHES: dict[str, tuple[Any, ...]] = {
    "era": ("modern", "1850s"),
    "size": ("a4", "broadsheet"),
    "column_widths": ("equal", "unequal"),
    "head_rule": ("none", "headline", "article"),
    "kicker": ("above", "below", "none"),
    "headline_lines": ("one", "two", "mixed"),
    "headline_break": ("space", "comma", "colon", "enumeration", "ideographic_space", "wide_gap"),
    "headline_align": ("left", "center"),
    "headline_span": ("full", "partial"),
    "caption_position": ("below", "above", "beside"),
    "caption_face": ("sans", "italic"),
    "credit_line": (False, True),
    "pull_quote": ("none", "rules", "tint"),
    "pull_quote_at": ("top", "middle"),
    "box": ("none", "fact_box", "editor_note"),
    "box_tint": (False, True),
    "roundtable": (False, True),
    "advertisement": ("none", "foot", "column"),
    "ad_frame": (True, False),
    "continuation": ("none", "jump_to", "jump_from", "rest_of_story"),
    "story_rules": (True, False),
    "column_rules": (False, True),
    "heading_1850s": ("caps", "bold_caps"),
}
"""Every categorical switch and its values. Also drawn: ``body_family``, ``headline_family`` (from
``FAMILIES``, each language's own), ``body_pt``, ``leading`` and ``columns``. Chinese pages draw
``headline_break`` (Latin ones record "space") and their caption face is "sans" or "serif"."""
SWITCH_VALUES_BY_LANG = {"zh": {"caption_face": ("sans", "serif")}, "en": {"headline_break": ("space",)}}

HEADINGS_1850S = {
    "en": ("LATEST FROM EUROPE.", "DOMESTIC INTELLIGENCE.", "THE HARBOUR.", "COURT OF SESSIONS.", "MARKETS.",
           "SHIPPING NEWS.", "AGRICULTURAL.", "THE LEGISLATURE.", "CITY ITEMS.", "RAILWAY MEETING.",
           "FIRE IN THE THIRD WARD.", "FROM THE WEST.", "THE WEATHER.", "LITERARY NOTICES.", "PUBLIC MEETING.",
           "LOCAL AFFAIRS.", "THE CROPS.", "ACCIDENTS.", "NEW PUBLICATIONS.", "BY TELEGRAPH."),
    "zh": ("本埠新闻", "京报摘录", "商务要闻", "各省近事", "外洋消息", "农事", "河工", "船期", "市价", "告白",
           "杂录", "电报", "官场纪事", "地方琐闻", "天气", "火警", "铁路", "学务", "善举", "要件照录"),
}
HOSTS = {"zh": ("刘迪", "王晓明", "陈静", "赵雪"), "en": ("Dana Wells", "Marcus Hale", "Priya Raman")}
GUESTS = {
    "zh": (("张占斌", "中国人民大学教授"), ("殷德生", "华东师范大学特聘教授"), ("刘志阳", "上海财经大学教授"),
           ("何静", "省社会科学院研究员"), ("周海", "市规划设计院总工程师")),
    "en": (("Ruth Okafor", "professor of economics, Lakeside University"), ("Tom Brandt", "city planner"),
           ("Lena Ortiz", "director, Harbor City Food Bank"), ("Sam Iwata", "union organizer"),
           ("Grace Lindqvist", "historian")),
}
PHOTOGRAPHERS = {"zh": ("王晓明", "李想", "孙朝阳"), "en": ("Grace Lindqvist", "Omar Haddad", "Ines Vidal")}
BOX_LABELS = {"zh": {"fact_box": ("相关链接：", "背景："), "editor_note": ("编者按：",)},
              "en": {"fact_box": ("AT A GLANCE: ", "FACT BOX: "), "editor_note": ("Editor's note: ",)}}
_ZH_BREAKS = {"comma": "，", "colon": "：", "enumeration": "、"}


def _pick(rng: random.Random, values: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
    return rng.choices(list(values), weights=weights)[0]


def draw_design(lang: str, seed: int) -> dict[str, Any]:
    """The page's design switches, each drawn on its own from the seed (see ``SWITCHES``)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    rng = random.Random(f"design-{lang}-{seed}")
    values = {**SWITCHES, **SWITCH_VALUES_BY_LANG[lang]}
    design: dict[str, Any] = {"era": _pick(rng, values["era"], (0.8, 0.2)),
                              "size": _pick(rng, values["size"], (0.8, 0.2))}
    for key in values:
        if key not in design:
            design[key] = _pick(rng, values[key])
    if lang == "zh":
        design["body_family"] = _pick(rng, CJK, (0.8, 0.2))
        design["headline_family"] = _pick(rng, CJK)
    else:
        design["body_family"] = _pick(rng, (*LATIN_SERIF, *LATIN_SANS),
                                      [4.0] * len(LATIN_SERIF) + [1.0] * len(LATIN_SANS))
        design["headline_family"] = _pick(rng, (*LATIN_SERIF, *LATIN_SANS))
        design["sans_family"] = _pick(rng, LATIN_SANS)
    old = design["era"] == "1850s"
    base = 9.2 if lang == "zh" else 8.8
    design["body_pt"] = round(rng.uniform(base - 1.6, base - 0.6) if old else rng.uniform(base - 0.8, base + 0.8), 1)
    low, high = ((1.35, 1.5) if old else (1.4, 1.75)) if lang == "zh" else ((1.1, 1.2) if old else (1.15, 1.35))
    design["leading"] = round(rng.uniform(low, high), 2)
    wide = design["size"] == "broadsheet"
    design["columns"] = rng.randint(6, 8) if wide else rng.randint(5, 7) if old else rng.randint(3, 6)
    return design


# -- texts -------------------------------------------------------------------------------------------

def design_pool(lang: str) -> list[ArticleText]:
    """The presets' texts and the designed pages' extra ones, sorted by name."""
    extra = load_pool(lang, EXTRA_TEXT_DIR) if EXTRA_TEXT_DIR.is_dir() else []
    return sorted([*load_pool(lang), *extra], key=lambda a: a.name)


def _zh_headline(headline: str, style: str) -> str:
    """A Chinese headline in two parts joined by ``style``: one space (the composer's break), or punctuation."""
    parts = headline.split(" ", 1)
    if len(parts) == 1:
        text = headline
        cut = len(text) // 2
        # Move the cut off punctuation and out of Latin runs and numbers.
        while 0 < cut < len(text) - 1 and not (text[cut - 1].isalpha() and text[cut].isalpha()
                                               and not text[cut - 1].isascii() and not text[cut].isascii()):
            cut += 1
        parts = [text[:cut], text[cut:]] if 0 < cut < len(text) else [text]
    if len(parts) == 1:
        return headline
    punct = _ZH_BREAKS.get(style)
    return f"{parts[0]}{punct} {parts[1]}" if punct else f"{parts[0]} {parts[1]}"


def _take_sentences(text: ArticleText, count: int) -> tuple[ArticleText, str]:
    """The article without the last ``count`` sentences of its last long paragraph, and those sentences."""
    paragraphs = list(text.paragraphs)
    for index in range(len(paragraphs) - 1, 0, -1):
        found = sentences(paragraphs[index], text.lang)
        if len(found) > count and "".join(found).replace(" ", "") == paragraphs[index].replace(" ", ""):
            joiner = "" if text.lang == "zh" else " "
            paragraphs[index] = joiner.join(found[:-count])
            return replace(text, paragraphs=tuple(paragraphs)), joiner.join(found[-count:])
    taken = paragraphs.pop()
    return replace(text, paragraphs=tuple(paragraphs)), taken


def _roundtable(text: ArticleText, rng: random.Random) -> ArticleText:
    """The text as a roundtable: a host and 2-4 guests, each turn opening with its speaker's label."""
    lang = text.lang
    if any(p.startswith("主持人：") for p in text.paragraphs):
        return text
    host = rng.choice(HOSTS[lang])
    guests = rng.sample(GUESTS[lang], rng.randint(2, 4))
    turns: list[str] = []
    speaker = 0
    for index, para in enumerate(text.paragraphs):
        if index == 0 or (index % 4 == 0):
            label = "主持人" if lang == "zh" else "MODERATOR"
        elif index % 4 == 3 and rng.random() < 0.5:
            turns.append(para)  # a speaker's turn goes on for another paragraph
            continue
        else:
            name = guests[speaker % len(guests)][0]
            label = name if lang == "zh" else name.split()[-1].upper()
            speaker += 1
        turns.append(f"{label}：{para}" if lang == "zh" else f"{label}: {para}")
    if lang == "zh":
        bylines = (f"■主持人：{host} 本报记者", f"■嘉宾：{guests[0][0]} {guests[0][1]}",
                   *(f"{name} {title}" for name, title in guests[1:]))
    else:
        bylines = (f"Moderator: {host}, staff writer",
                   "Panel: " + "; ".join(f"{name}, {title}" for name, title in guests))
    return replace(text, paragraphs=tuple(turns), bylines=bylines)


def _rest_of_story(text: ArticleText, rng: random.Random) -> ArticleText:
    """The rest of a story jumped from another page: no headline, no kicker, no byline; its later paragraphs."""
    skip = min(len(text.paragraphs) - 2, rng.randint(1, 3))
    return replace(text, name=f"{text.name}_rest", headline="", kicker="", bylines=(), pull_quote="", sidebar="",
                   paragraphs=text.paragraphs[max(1, skip):])


# -- layout ------------------------------------------------------------------------------------------

class _Designer:
    """Turns a page's design switches into a layout, article specs and the texts they set."""

    def __init__(self, lang: str, design: dict[str, Any], rng: random.Random, pool: list[ArticleText]) -> None:
        self.lang, self.design, self.rng = lang, design, rng
        self.pool = list(pool)
        rng.shuffle(self.pool)
        self.used: list[ArticleText] = []
        self.records: dict[str, dict[str, Any]] = {}
        self.page_number = rng.randint(2, 16)

    def _text(self) -> ArticleText | None:
        """The next unused text; None when all are on the page (a text never appears twice)."""
        return self.pool.pop(0) if self.pool else None

    def spec(self, width: int, lead: bool, text: ArticleText, **override: Any) -> tuple[ArticleSpec, ArticleText]:
        """One story's spec and the text as set: the page's style plus the story's own draws."""
        rng, design = self.rng, self.design
        lines = {"one": 1, "two": 2}.get(design["headline_lines"]) or rng.choice((1, 2))
        span = width if lead or design["headline_span"] == "full" else rng.randint(1, width)
        figure = _pick(rng, ("top", "column", "none"), (0.55, 0.25, 0.2) if lead else (0.2, 0.3, 0.5))
        if figure == "top" and width < 2:
            figure = "column"
        fig_span = rng.randint(1, max(1, min(span, width - 1) if figure == "top" else min(2, width)))
        if design["headline_break"] in ("wide_gap", "ideographic_space"):
            gap = 1.0 if design["headline_break"] == "ideographic_space" else round(rng.uniform(1.5, 3.0), 2)
        else:
            gap = 0.0
        if self.lang == "zh":
            text = replace(text, headline=_zh_headline(text.headline, design["headline_break"]))
        quote = design["pull_quote"] != "none" and width >= 2 and rng.random() < 0.7
        credit = ""
        if design["credit_line"]:
            who = rng.choice(PHOTOGRAPHERS[self.lang])
            credit = f"本报记者 {who} 摄" if self.lang == "zh" else f"Photo: {who} / The Morning Ledger"
        size = (30.0, 44.0) if lead else (22.0, 30.0) if width > 1 else (18.0, 24.0)
        spec = ArticleSpec(
            headline_span=span, headline_pt=size, headline_font="headline",
            headline_align="center" if design["headline_align"] == "center" else "left",
            headline_lines=lines, headline_gap=gap, kicker=design["kicker"], kicker_font="kicker",
            head_rule=design["head_rule"], head_rule_pt=rng.choice((0.5, 0.8, 1.5)),
            figure=figure, figure_span=fig_span, figure_align=rng.choice(["left", "right"]),
            figure_column=rng.randint(0, max(0, width - fig_span)), figure_at=rng.uniform(0.15, 0.5),
            figure_aspect=rng.uniform(0.5, 0.75), caption_position=design["caption_position"],
            caption_font="caption", caption_credit=credit,
            pull_quote=quote, pull_quote_column=rng.randint(1, width - 1) if width >= 2 else 0,
            pull_quote_at=0.0 if design["pull_quote_at"] == "top" else rng.uniform(0.3, 0.6),
            pull_quote_style="tint" if design["pull_quote"] == "tint" else "rules", pull_quote_font="quote",
            column_rules=design["column_rules"], dateline=rng.random() < 0.25, share=rng.uniform(0.8, 1.3),
        )
        spec = replace(spec, **override)
        return spec, text

    def _record(self, text: ArticleText, spec: ArticleSpec, **extra: Any) -> None:
        self.records[text.name] = {
            "headline_lines": 0 if spec.headless else spec.headline_lines, "headline_span": spec.headline_span,
            "figure": spec.figure, "pull_quote": spec.pull_quote, "box": extra.get("box", "none"),
            "roundtable": spec.frame, "continuation": extra.get("continuation", "none"),
        }

    def story(self, width: int, lead: bool, **override: Any) -> list[tuple[ArticleSpec, ArticleText]]:
        """One story as a list of (spec, text), or none when the texts have run out."""
        text = self._text()
        if text is None:
            return []
        spec, text = self.spec(width, lead, text, **override)
        self._record(text, spec)
        return [(spec, text)]

    def layout(self) -> tuple[Layout, list[ArticleText]]:
        """Rows of stacks on the page's grid, and the texts of its stories in reading order."""
        rng, design, n = self.rng, self.design, self.design["columns"]
        rows: list[list[tuple[Stack, list[tuple[ArticleSpec, ArticleText]]]]] = []
        # Row one: a lead over the page, or a lead beside a side stack (set in its own, narrower columns).
        if n >= 4 and rng.random() < 0.65:
            side = rng.randint(1, max(1, n // 3))
            lead_cols = n - side
            text_cols = None
            if design["column_widths"] == "unequal":
                text_cols = max(1, round(lead_cols * rng.uniform(0.5, 0.75)))
            lead_stack = Stack(columns=(0, lead_cols), articles=(), text_columns=text_cols)
            side_cols = None if design["column_widths"] == "equal" else side + 1
            side_stack = Stack(columns=(lead_cols, n), articles=(), text_columns=side_cols,
                               gutter_rule=design["story_rules"])
            lead_width = text_cols or lead_cols
            rows.append([(lead_stack, self.story(lead_width, True)),
                         (side_stack, [story for _ in range(rng.randint(1, 2))
                                       for story in self.story(side_cols or side, False)])])
        else:
            rows.append([(Stack(columns=(0, n), articles=()),
                          self.story(n, True) + (self.story(n, False) if rng.random() < 0.5 else []))])
        # Row two (sometimes): two or three stories side by side, or the roundtable.
        if rng.random() < 0.5 or design["roundtable"]:
            cuts = sorted(rng.sample(range(1, n), min(n - 1, rng.randint(1, 2)))) if n > 2 else [1]
            edges = [0, *cuts, n]
            row = []
            for a, b in itertools.pairwise(edges):
                row.append((Stack(columns=(a, b), articles=(), gutter_rule=design["story_rules"]),
                            self.story(b - a, False)))
            rows.append(row)
        self._roundtable(rows)
        self._box(rows)
        self._continuation(rows)
        self._column_ad(rows)
        rows = [[(stack, arts) for stack, arts in row if arts or stack.advertisement] for row in rows]
        rows = [row for row in rows if row]
        layout_rows = []
        texts: list[ArticleText] = []
        for row in rows:
            stacks = []
            for stack, arts in row:
                stacks.append(replace(stack, articles=tuple(spec for spec, _ in arts)))
                texts.extend(text for _, text in arts)
            layout_rows.append(Row(stacks=tuple(stacks), share=rng.uniform(0.8, 1.2)))
        masthead = rng.random() < 0.25
        layout = Layout(name="designed", columns=n, rows=tuple(layout_rows), teasers=rng.random() < 0.25,
                        section_label=not masthead and rng.random() < 0.3, masthead=masthead,
                        folio_position="footer" if masthead else rng.choice(["header", "footer"]),
                        page_number=1 if masthead else self.page_number, fill=True,
                        texts={self.lang: tuple(t.name for t in texts)})
        return layout, texts

    def _widest(self, rows: list) -> tuple[int, int]:
        """(row, stack) of the widest stack."""
        return max(((r, s) for r, row in enumerate(rows) for s in range(len(row))),
                   key=lambda rs: rows[rs[0]][rs[1]][0].columns[1] - rows[rs[0]][rs[1]][0].columns[0])

    def _width(self, stack: Stack) -> int:
        return stack.text_columns or stack.columns[1] - stack.columns[0]

    def _roundtable(self, rows: list) -> None:
        if not self.design["roundtable"]:
            return
        r, s = self._widest(rows[1:] or rows)
        r += 1 if len(rows) > 1 else 0
        stack, arts = rows[r][s]
        source = next((t for t in self.pool if t.name == "zh_roundtable"), None)
        if source is not None:
            self.pool.remove(source)
        source = source or self._text()
        if source is None or not arts:
            return
        note = "editor_note" if self.design["box"] == "editor_note" else "none"
        if note == "editor_note" and not source.sidebar:
            source, taken = _take_sentences(source, 2)
            source = replace(source, sidebar=BOX_LABELS[self.lang]["editor_note"][0] + taken)
        text = _roundtable(source, self.rng)
        spec, text = self.spec(self._width(stack), False, text, frame=True, sidebar=bool(text.sidebar),
                               figure="none", headline_span=None)
        self._record(text, spec, box=note if text.sidebar else "none")
        self.records[text.name]["roundtable"] = True
        arts[0] = (spec, text)

    def _box(self, rows: list) -> None:
        kind = self.design["box"]
        if kind == "none":
            return
        candidates = [(r, s, a) for r, row in enumerate(rows) for s, (_stack, arts) in enumerate(row)
                      for a, (spec, _text) in enumerate(arts) if not spec.frame and not spec.headless]
        if not candidates:
            return
        r, s, a = self.rng.choice(candidates)
        arts = rows[r][s][1]
        spec, text = arts[a]
        text, taken = _take_sentences(text, 2 if kind == "editor_note" else 3)
        text = replace(text, sidebar=self.rng.choice(BOX_LABELS[self.lang][kind]) + taken)
        if kind == "editor_note":
            spec = replace(spec, sidebar=True)
        else:
            spec = replace(spec, box="column", box_at=self.rng.uniform(0.0, 0.5), box_tint=self.design["box_tint"])
        arts[a] = (spec, text)
        self.records.pop(arts[a][1].name, None)
        self._record(text, spec, box=kind)

    def _continuation(self, rows: list) -> None:
        kind = self.design["continuation"]
        if kind == "none":
            return
        other = self.rng.choice([p for p in range(1, 20) if p != self.page_number])
        if kind == "rest_of_story":
            stack, arts = rows[0][0]
            source = self._text()
            if source is None:
                return
            text = _rest_of_story(source, self.rng)
            spec, text = self.spec(self._width(stack), False, text, headless=True, jump_from=other, kicker="none",
                                   figure="none", pull_quote=False, head_rule="none", headline_span=None)
            arts.insert(0, (spec, text))
            self._record(text, spec, continuation=kind)
            return
        candidates = [(r, s, a) for r, row in enumerate(rows) for s, (_st, arts) in enumerate(row)
                      for a, (spec, _t) in enumerate(arts) if not spec.frame]
        if not candidates:
            return
        r, s, a = self.rng.choice(candidates)
        spec, text = rows[r][s][1][a]
        spec = replace(spec, **({"jump_to": other} if kind == "jump_to" else {"jump_from": other}))
        rows[r][s][1][a] = (spec, text)
        self.records[text.name]["continuation"] = kind

    def _column_ad(self, rows: list) -> None:
        if self.design["advertisement"] != "column":
            return
        row = rows[-1]
        stack, arts = row[-1]
        n = stack.columns[1] - stack.columns[0]
        if n < 2 and len(row) == 1:
            return
        ad_cols = self.rng.randint(1, max(1, min(2, n - 1))) if n >= 2 else n
        ad = Stack(columns=(stack.columns[1] - ad_cols, stack.columns[1]), articles=(),
                   advertisement="framed" if self.design["ad_frame"] else "open",
                   ad_height_mm=self.rng.uniform(45, 110), ad_variant=self.rng.randrange(4),
                   ad_photo=self.rng.random() < 0.5)
        if ad_cols == n:
            row[-1] = (ad, [])
            return
        # The stories keep their specs: the composer fits spans and columns to the narrower stack.
        row[-1] = (replace(stack, columns=(stack.columns[0], stack.columns[1] - ad_cols), text_columns=None), arts)
        row.append((ad, []))

    def filler(self, stack: Stack) -> ArticleSpec:
        spec, _text = self.spec(self._width(stack), False, ArticleText("", self.lang, "", ()),
                                pull_quote=False)
        return replace(spec, headline_lines=self.rng.choice((1, 2)))


# -- the 1850s ---------------------------------------------------------------------------------------

class _Flow:
    """A 19th-century page: items set one after another down narrow columns, divided by short dash rules."""

    def __init__(self, cv: Canvas, design: dict[str, Any], top: float, bottom: float) -> None:
        self.cv, self.design, self.top, self.bottom = cv, design, top, bottom
        self.col, self.y = 0, top
        self.plans: list[ArticlePlan] = []

    def _heading_lines(self, heading: str) -> list[list]:
        cv = self.cv
        role = "serif_bold" if cv.lang == "zh" or self.design["heading_1850s"] == "bold_caps" else "serif"
        font = cv.fonts.get(role, cv.body_size)
        return cv.ts.wrap_balanced(cv.ts.tokens(heading, font), cv.col_w * 0.9)

    def _fits(self, heading_lines: int, body: int) -> bool:
        return self.y + (heading_lines + body) * self.cv.pitch <= self.bottom + 1

    def _next_column(self) -> bool:
        self.col += 1
        self.y = self.top
        return self.col < self.cv.columns

    def place(self, text: ArticleText, heading: str) -> bool:
        """Set one item where the last one ended; False when the page is full."""
        cv = self.cv
        pitch, size = cv.pitch, cv.body_size
        if self.y > self.top + 1:
            # A short centred dash rule between items, a third of the column.
            if self.y + 4 * pitch > self.bottom and not self._next_column():
                return False
            if self.y > self.top + 1:
                x0, x1 = cv.span(self.col, self.col + 1)
                mid, half = (x0 + x1) / 2, (x1 - x0) / 6
                rule_y = self.y + pitch * 0.35
                self.plans[-1].rules.append((mid - half, rule_y, mid + half, rule_y + max(1.0, cv.pt(0.6))))
                self.y += pitch * 0.8
        head = self._heading_lines(heading)
        if not self._fits(len(head), 2) and not self._next_column():
            return False
        paragraphs = list(text.paragraphs)
        lines = cv.set_body(paragraphs, cv.col_w)
        capacity = self._capacity(len(head))
        if capacity < len(lines):
            paragraphs = self._cut(paragraphs, lines, capacity)
            if not paragraphs:
                return False
            lines = cv.set_body(paragraphs, cv.col_w)
        x0, _x1 = cv.span(self.col, self.col + 1)
        items: list[TextItem] = []
        heading_item, _ = cv.lines_item("headline", head, size, x0, cv.col_w, self.y, pitch / size, "center")
        items.append(heading_item)
        self.y += len(head) * pitch + pitch * 0.2
        segment: list[Line] = []
        tops: list[float] = []
        placed = 0
        for line in lines:
            if self.y + size > self.bottom + 0.5:
                items.append(self._body(segment, tops))
                segment, tops = [], []
                if not self._next_column():
                    break
            segment.append(line)
            tops.append(self.y)
            self.y += pitch
            placed += 1
        assert placed == len(lines), "the capacity count and the pour disagree"
        if segment:
            items.append(self._body(segment, tops))
        by_para: dict[int, list[str]] = {}
        joiner = "" if cv.lang == "zh" else " "
        for line in lines:
            by_para.setdefault(line.para, []).append(line_text(line.tokens))
        texts = [joiner.join(by_para[i]) for i in sorted(by_para)]
        title = joiner.join(line_text(line) for line in head)
        self.plans.append(ArticlePlan(text, list(items), items[0].baselines[0], self.y, texts, title,
                                      design={"headline_lines": len(head), "headline_span": 1, "figure": "none",
                                              "pull_quote": False, "box": "none", "roundtable": False,
                                              "continuation": "none"}))
        self.y += pitch * 0.2
        return True

    def _capacity(self, heading_lines: int) -> int:
        """Body lines left on the page if the heading goes where the cursor is."""
        pitch, size = self.cv.pitch, self.cv.body_size
        first = self.y + heading_lines * pitch + pitch * 0.2
        total = max(0, math.floor((self.bottom + 0.5 - size - first) / pitch) + 1)
        per_column = max(0, math.floor((self.bottom + 0.5 - size - self.top) / pitch) + 1)
        return total + per_column * (self.cv.columns - self.col - 1)

    def _cut(self, paragraphs: list[str], lines: list[Line], capacity: int) -> list[str]:
        """The paragraphs that fit in ``capacity`` lines, the last one cut after its last whole sentence."""
        if capacity < 2:
            return []
        last = lines[capacity - 1]
        kept = list(paragraphs[: last.para])
        if last.last:
            return [*kept, paragraphs[last.para]]
        joiner = "" if self.cv.lang == "zh" else " "
        partial = joiner.join(line_text(ln.tokens) for ln in lines[:capacity] if ln.para == last.para)
        found = sentences(partial, self.cv.lang)
        cut = joiner.join(found)
        if cut and paragraphs[last.para].startswith(cut):
            kept.append(cut)
        return kept

    def _body(self, lines: list[Line], tops: list[float]) -> TextItem:
        cv = self.cv
        x0, _x1 = cv.span(self.col, self.col + 1)
        return TextItem(type="body", lines=[ln.tokens for ln in lines], x=x0, width=cv.col_w,
                        baselines=[t + 0.88 * cv.body_size for t in tops], indents=[ln.indent for ln in lines],
                        justify=[not ln.last for ln in lines], size=cv.body_size)


def _items_1850s(pool: list[ArticleText], lang: str, rng: random.Random) -> list[tuple[ArticleText, str]]:
    """Short items cut from the texts: each text gives one or two, headed by its headline or a period heading."""
    headings = list(HEADINGS_1850S[lang])
    rng.shuffle(headings)
    items = []
    for text in pool:
        paragraphs = list(text.paragraphs)
        cut = rng.randint(1, max(1, len(paragraphs) // 2)) if len(paragraphs) > 3 and headings else len(paragraphs)
        first = text.headline.replace(" ", "，" if lang == "zh" else " ")
        first = first.upper() if lang == "en" else first
        items.append((replace(text, paragraphs=tuple(paragraphs[:cut]), kicker="", bylines=()), first))
        if cut < len(paragraphs):
            items.append((replace(text, name=f"{text.name}_2", paragraphs=tuple(paragraphs[cut:]), kicker="",
                                  bylines=()), headings.pop()))
    rng.shuffle(items)
    return items


# -- the page ----------------------------------------------------------------------------------------

def _roles(design: dict[str, Any], lang: str) -> dict[str, tuple[Family, str]]:
    body, head = FAMILIES[design["body_family"]], FAMILIES[design["headline_family"]]
    if lang == "zh":
        sans = FAMILIES["noto-sans-cjk"]
        other = FAMILIES["noto-serif-cjk"] if design["caption_face"] == "serif" else sans
        caption = (other, "regular")
    else:
        sans = FAMILIES[design["sans_family"]]
        caption = (body, "italic") if design["caption_face"] == "italic" else (sans, "regular")
    return {"serif": (body, "regular"), "serif_bold": (body, "bold"), "sans_bold": (sans, "bold"),
            "headline": (head, "bold"), "kicker": (head, "regular"), "caption": caption,
            "quote": (head, "bold") if lang == "zh" else (body, "italic")}


def page_pixels(size: str, dpi: int) -> tuple[int, int]:
    width_mm, height_mm = PAGE_MM[size]
    return round(width_mm / 25.4 * dpi), round(height_mm / 25.4 * dpi)


def generate_designed_page(
    lang: str = "zh",
    seed: int = 0,
    dpi: int = 150,
    *,
    size: str | None = None,
    degrade: bool | str | Degradation = True,
    name: str = "page",
) -> GeneratedPage:
    """Render a page of randomly drawn design (see the module docstring). Same arguments, same pixels.

    Args:
        lang: "zh" or "en".
        seed: draws the design (``draw_design``), the layout, the texts, pictures and scan damage.
        dpi: resolution; type sizes are in points, so a page looks the same at any dpi.
        size: "a4" or "broadsheet" instead of the drawn size.
        degrade: as ``generate_page``: True for seeded scan damage, "light", False, or a Degradation.
        name: file stem recorded in ``truth["image"]``.

    Returns:
        GeneratedPage whose truth is ``broadsheet-gt/1`` with ``layout: "designed"``, ``design`` and
        a ``design`` per article.

    Raises:
        FontMissingError: a font family the design drew is not installed (the error names its package).
    """
    design = draw_design(lang, seed)
    if size is not None:
        design["size"] = size
    rng = random.Random(f"layout-{lang}-{seed}")
    width, height = page_pixels(design["size"], dpi)
    fonts = FontBook.load(_roles(design, lang))
    pool = design_pool(lang)
    designer = _Designer(lang, design, rng, pool)
    old = design["era"] == "1850s"
    if old:
        masthead = rng.random() < 0.4
        layout = Layout(name="designed", columns=design["columns"], rows=(), masthead=masthead,
                        folio_position="footer" if masthead else rng.choice(["header", "footer"]),
                        page_number=1 if masthead else designer.page_number, fill=False)
        texts: list[ArticleText] = []
    else:
        layout, texts = designer.layout()
    cv = Canvas(width, height, dpi, lang, layout.columns, fonts, rng, np.random.default_rng([seed, 2]),
                body_pt=design["body_pt"], leading=design["leading"], speaker_labels=design["roundtable"])
    picker = _TextPicker([*texts, *designer.pool], layout.texts.get(lang, ()), rng, repeat=False)
    composer = _PageComposer(cv, layout, picker, layout.fill, filler=designer.filler)
    date = dt.date(1850, 1, 2) if old else dt.date(2023, 1, 2)
    date += dt.timedelta(days=rng.randint(0, 700))
    top, bottom = composer.furniture(date, rng.choice(SECTIONS[lang]))
    if design["advertisement"] == "foot" and not old:
        y0 = bottom - cv.mm(rng.uniform(25, 60))
        lines = ADVERTISEMENTS[lang][rng.randrange(len(ADVERTISEMENTS[lang]))]
        composer.display_ad((cv.left, y0, cv.right, bottom), lines, framed=design["ad_frame"],
                            photo=rng.random() < 0.7, fit=True)
        bottom = y0 - cv.pt(12)
    if old:
        flow = _Flow(cv, design, top, bottom)
        for text, heading in _items_1850s(pool, lang, rng):
            if not flow.place(text, heading):
                break
        composer.plans = flow.plans
        if design["column_rules"]:
            for j in range(1, cv.columns):
                x = cv.span(0, j)[1] + cv.gutter / 2
                composer.regions.separators.append((x - 0.5, top, x + 0.5, bottom))
    else:
        composer.articles(top, bottom)
        for plan in composer.plans:
            plan.design = designer.records.get(plan.src.name, {"filler": True})
    composer.draw_articles()
    composer.draw_separators()
    page = _finish(composer, "designed", seed, degrade, name)
    page.truth["design"] = design
    return page


MODERN_ONLY = frozenset({"column_widths", "head_rule", "kicker", "headline_lines", "headline_break", "headline_align",
                         "headline_span", "caption_position", "caption_face", "credit_line", "pull_quote",
                         "pull_quote_at", "box", "box_tint", "roundtable", "advertisement", "ad_frame", "continuation",
                         "story_rules", "headline_family"})
"""Switches an 1850s page draws (so that every switch is drawn independently) but does not use."""


def switch_values(truth: dict[str, Any]) -> dict[str, Any]:
    """The categorical switches of a designed page's truth, as ``switch -> value``, for breakdowns.

    A switch the page's era does not use reads "n/a" (an 1850s page has no kickers; a modern one no
    1850s headings), so a breakdown by value counts only the pages that show it.
    """
    design = truth.get("design", {})
    old = design.get("era") == "1850s"
    values = {}
    for key in (*SWITCHES, "body_family", "headline_family"):
        unused = key in MODERN_ONLY if old else key == "heading_1850s"
        values[key] = "n/a" if unused else design.get(key)
    return values


__all__ = ["PAGE_MM", "SWITCHES", "design_pool", "draw_design", "generate_designed_page", "page_pixels",
           "switch_values"]
