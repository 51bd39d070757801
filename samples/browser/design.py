"""The drawn design of one browser page: grid, type, furniture and each article's switches, all from one seed.

Nothing here knows how the pipeline reads a page. Every switch is drawn independently, so that a benchmark
over fresh seeds meets combinations no rule was written for; the whole design is recorded in the truth.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import asdict, dataclass
from typing import Any

from samples.articles import ArticleText

PAGE_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "broadsheet": (375.0, 597.0)}
"""Trimmed page sizes in millimetres: ISO A4 and a common broadsheet (375 x 597 mm)."""

COLUMNS: dict[str, tuple[int, int]] = {"a4": (2, 6), "broadsheet": (4, 7)}
ARTICLES: dict[str, tuple[int, int]] = {"a4": (1, 6), "broadsheet": (2, 6)}
ROUNDTABLE = "zh_roundtable"
"""The pool's roundtable text (主持人/嘉宾 turns), always set as a roundtable."""
PT_MM = 25.4 / 72
EN_CHAR_EM = 0.47
"""Mean advance of an English text character (spaces included) in em, for estimating how much a page holds."""
MIN_MODULE_MM = 48.0
"""No article module is drawn shorter than this: a head block and a few lines of body must fit."""

# Latin faces from Debian packages: fonts-dejavu, fonts-liberation, fonts-freefont-ttf, fonts-urw-base35.
LATIN_SERIF = ("DejaVu Serif", "Liberation Serif", "FreeSerif", "Nimbus Roman", "C059", "P052", "URW Bookman")
LATIN_SANS = ("DejaVu Sans", "Liberation Sans", "FreeSans", "Nimbus Sans", "URW Gothic")
LATIN_NARROW = ("Liberation Sans Narrow", "Nimbus Sans Narrow", "DejaVu Sans Condensed", "DejaVu Serif Condensed")
CJK_SERIF, CJK_SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"

PAPERS = {"zh": ("临江日报", "东湖晚报", "海川商报", "北岭时报"),
          "en": ("The Harbor Courier", "Evening Gazette", "The Lakeside Herald", "Northfield Tribune")}
SECTIONS = {"zh": ("要闻", "城市", "经济", "民生", "文化", "综合新闻"),
            "en": ("Local News", "City & Region", "Business", "Science", "The Week")}


@dataclass(frozen=True)
class Faces:
    """CSS font-family lists, each with its fallbacks."""

    body: str
    head: str
    head_weight: int
    label: str
    """Kickers, labels, furniture and advertisements."""
    caption: str
    caption_style: str


@dataclass(frozen=True)
class Module:
    """A rectangle of the page grid: page columns [col0, col1), and a share of the content height [top, bottom)."""

    col0: int
    col1: int
    top: float
    bottom: float

    @property
    def span(self) -> int:
        return self.col1 - self.col0


@dataclass(frozen=True)
class ArticleDesign:
    id: str
    text: str
    """The ArticleText's name."""
    kind: str
    """story, roundtable (Chinese 主持人/嘉宾 turns) or interview (English Q:/A: or Name: turns)."""
    module: Module
    body_columns: int
    headline_pt: float
    headline_align: str
    headline_columns: int
    """Body columns the head block spans; the rest of its row holds the figure or the box ("aside")."""
    headline_join: str
    """How a Chinese headline's space is printed: space, comma (full-width ，) or wide (letter-spaced)."""
    kicker: str
    """none, above (a kicker) or below (a deck), when the text has one."""
    byline: str
    dateline: str
    head_rule: str
    figure: str
    caption: str
    pull_quote: str
    pull_quote_at: str
    box: str
    framed: bool
    jump: bool
    column_rule: bool
    interview_style: str


@dataclass(frozen=True)
class PageDesign:
    lang: str
    size: str
    width_mm: float
    height_mm: float
    margin_mm: float
    gutter_mm: float
    content_mm: float
    """Estimated height of the article grid (the page less margins and furniture)."""
    columns: int
    column_weights: tuple[float, ...]
    body_pt: float
    leading: float
    align: str
    indent_em: float
    paragraph_gap_em: float
    hyphenate: bool
    faces: Faces
    header: str
    folio: str
    teasers: int
    section_label: str
    module_rules: str
    advertisement: Module | None
    articles: tuple[ArticleDesign, ...]
    paper: str
    date: str
    section: str
    page_number: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _faces(lang: str, rng: random.Random) -> Faces:
    if lang == "zh":
        body_cjk = rng.choice((CJK_SERIF, CJK_SERIF, CJK_SANS))
        # Half the pages set Latin letters and digits in a Latin face, the CJK falling back to Noto.
        latin = rng.choice(("", "", f"'{rng.choice(LATIN_SERIF)}', "))
        head = rng.choice((CJK_SANS, CJK_SERIF))
        return Faces(body=f"{latin}'{body_cjk}', serif", head=f"'{head}', sans-serif", head_weight=700,
                     label=f"'{CJK_SANS}', sans-serif",
                     caption=f"'{rng.choice((CJK_SANS, CJK_SERIF))}', sans-serif",
                     caption_style="normal")
    body = rng.choice(LATIN_SERIF) if rng.random() < 0.85 else rng.choice(LATIN_SANS)
    head = rng.choice(LATIN_SERIF + LATIN_SANS + LATIN_NARROW)
    sans = rng.choice(LATIN_SANS + LATIN_NARROW)
    return Faces(body=f"'{body}', serif", head=f"'{head}', serif", head_weight=rng.choice((700, 700, 700, 400)),
                 label=f"'{sans}', sans-serif", caption=f"'{rng.choice((sans, body))}', sans-serif",
                 caption_style=rng.choice(("normal", "italic")))


def _partition(rng: random.Random, columns: int, count: int, min_share: float) -> list[Module]:
    """Guillotine cuts of the page grid into `count` modules, in reading order (each cut's first side first)."""
    modules = [Module(0, columns, 0.0, 1.0)]
    while len(modules) < count:
        order = sorted(range(len(modules)), key=lambda i: -modules[i].span * (modules[i].bottom - modules[i].top))
        for index in order:
            m = modules[index]
            height = m.bottom - m.top
            can_cut_across = height >= 2 * min_share
            can_cut_down = m.span >= 2
            if not (can_cut_across or can_cut_down):
                continue
            across = can_cut_across and (not can_cut_down or rng.random() < min(0.8, height * columns / m.span / 2))
            if across:
                cut = round(rng.uniform(m.top + min_share, m.bottom - min_share), 3)
                parts = [Module(m.col0, m.col1, m.top, cut), Module(m.col0, m.col1, cut, m.bottom)]
            else:
                cut = rng.randint(m.col0 + 1, m.col1 - 1)
                parts = [Module(m.col0, cut, m.top, m.bottom), Module(cut, m.col1, m.top, m.bottom)]
            modules[index:index + 1] = parts
            break
        else:
            break
    return modules


def _article(index: int, text: ArticleText, module: Module, *, lead: bool, lang: str, module_mm: tuple[float, float],
             slack: float, rng: random.Random) -> ArticleDesign:
    """One article's switches. `slack`: the module's area over its body text's (above 1, room for pictures)."""
    width_mm, height_mm = module_mm
    kind = "roundtable" if text.name == ROUNDTABLE else "story"
    if lang == "en" and kind == "story" and rng.random() < 0.15:
        kind = "interview"
    body_columns = module.span
    if module.span >= 3 and rng.random() < 0.2:
        body_columns = module.span - 1  # wider measure than the page grid's
    # Headline size from the module's width: a lead spread is large, a one-column brief small.
    points = (width_mm / (8.0 if lang == "zh" else 10.0)) * rng.uniform(0.55, 1.0) * (1.25 if lead else 1.0)
    headline_pt = round(min(max(points, 13.0), 30.0 if lang == "zh" else 34.0, height_mm / 4), 1)
    headline_columns = body_columns
    figure = "none"
    if height_mm > 90 and rng.random() < min(0.9, 0.25 + 0.25 * slack):
        figure = rng.choice(("top", "under_head", "flow", "span") if slack > 1.6 else ("under_head", "flow", "span"))
    box = rng.choice(("none", "none", "none", "flow", "aside"))
    if body_columns >= 3 and rng.random() < 0.35:
        headline_columns = rng.randint(max(1, body_columns // 2), body_columns - 1)
        if figure == "none" and box == "none":
            figure = "aside"
    if headline_columns == body_columns and "aside" in (figure, box):
        figure = "under_head" if figure == "aside" else figure
        box = "flow" if box == "aside" else box
    if figure == "aside" and box == "aside":
        box = "flow"
    if figure == "span" and body_columns < 2:
        figure = "flow"
    return ArticleDesign(
        id=f"a{index + 1}", text=text.name, kind=kind, module=module, body_columns=body_columns,
        headline_pt=headline_pt, headline_align=rng.choice(("left", "left", "center")),
        headline_columns=headline_columns, headline_join=rng.choice(("space", "comma", "wide")),
        kicker=rng.choice(("none", "above", "above", "below")) if text.kicker else "none",
        byline=rng.choice(("none", "head", "head", "flow")) if text.bylines else "none",
        dateline=rng.choice(("none", "none", "head", "flow")),
        head_rule=rng.choice(("none", "none", "thin", "thick", "double")),
        figure=figure, caption=rng.choice(("below", "below", "above", "beside")),
        pull_quote=rng.choice(("rules", "tint")) if rng.random() < min(0.8, 0.2 + 0.2 * slack) else "none",
        pull_quote_at=rng.choice(("top", "middle")),
        box=box, framed=(kind == "roundtable" and rng.random() < 0.6) or rng.random() < 0.08,
        jump=rng.random() < 0.3, column_rule=rng.random() < 0.3,
        interview_style=rng.choice(("qa", "names")),
    )


def draw_design(lang: str, seed: int, size: str, pool: list[ArticleText]) -> PageDesign:
    """Every switch of one page, from its seed. `pool` is the language's article texts (samples.articles)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    if size not in PAGE_MM:
        raise ValueError(f"size must be one of {sorted(PAGE_MM)}, got {size!r}")
    rng = random.Random(f"browser-page/{lang}/{size}/{seed}")
    width_mm, height_mm = PAGE_MM[size]
    margin = round(rng.uniform(9, 15) * (1.3 if size == "broadsheet" else 1.0), 1)
    gutter = round(rng.uniform(3.0, 5.5), 1)
    columns = rng.randint(*COLUMNS[size])
    if rng.random() < 0.45:
        weights = tuple(round(rng.uniform(0.65, 1.5), 2) for _ in range(columns))
    else:
        weights = (1.0,) * columns
    header = rng.choice(("running", "running", "masthead"))
    teasers = rng.choice((0, 0, 2, 3, 4)) if header == "masthead" or rng.random() < 0.3 else 0
    furniture_mm = 14 + (30 if header == "masthead" else 0) + (18 if teasers else 0)
    content_mm = height_mm - 2 * margin - furniture_mm
    body_pt = round(rng.uniform(9.0, 10.5) if lang == "zh" else rng.uniform(8.5, 10.0), 1)
    if size == "broadsheet" and lang == "en":
        body_pt = round(body_pt + 1.0, 1)  # the English pool is short for a broadsheet: set it larger
    leading = round(rng.uniform(1.45, 1.75) if lang == "zh" else rng.uniform(1.22, 1.45), 2)
    page_width = width_mm - 2 * margin
    texts = list(pool)
    rng.shuffle(texts)
    # Enough articles that their bodies would cover about `fill` of the page (headlines and pictures take the rest).
    char_mm2 = (body_pt * PT_MM) ** 2 * (1.0 if lang == "zh" else EN_CHAR_EM) * leading
    area = page_width * content_mm
    fill = rng.uniform(0.45, 0.9)
    lo, hi = ARTICLES[size]
    count, covered = 0, 0.0
    while count < min(hi, len(texts)) and (count < lo or covered < fill * area):
        covered += len(texts[count].body) * char_mm2
        count += 1
    advertisement = rng.random() < 0.3
    modules = _partition(rng, columns, count + advertisement, MIN_MODULE_MM / content_mm)
    ad_module = None
    if advertisement and len(modules) > count:
        # The advertisement takes the smallest module touching the page foot.
        foot = [m for m in modules if m.bottom >= 0.999] or modules
        ad_module = min(foot, key=lambda m: m.span * (m.bottom - m.top))
        modules.remove(ad_module)
    column_mm = [(page_width - (columns - 1) * gutter) * w / sum(weights) for w in weights]

    def module_mm(m: Module) -> tuple[float, float]:
        return sum(column_mm[m.col0:m.col1]) + (m.span - 1) * gutter, (m.bottom - m.top) * content_mm

    # Longer texts to larger modules, give or take a neighbour.
    by_area = sorted(range(len(modules)), key=lambda i: -math.prod(module_mm(modules[i])))
    by_length = sorted(texts[:len(modules)], key=lambda t: -len(t.body))
    for k in range(len(by_length) - 1):
        if rng.random() < 0.3:
            by_length[k], by_length[k + 1] = by_length[k + 1], by_length[k]
    text_of = dict(zip(by_area, by_length, strict=False))
    # A roundtable needs room for its participants and editor's note: it takes the largest module.
    for index, text in list(text_of.items()):
        if text.name == ROUNDTABLE and index != by_area[0]:
            text_of[index], text_of[by_area[0]] = text_of[by_area[0]], text

    articles = []
    for index, module in enumerate(modules):
        if index not in text_of:
            continue
        text = text_of[index]
        slack = math.prod(module_mm(module)) / max(1.0, len(text.body) * char_mm2)
        articles.append(_article(len(articles), text, module, lead=index == 0, lang=lang,
                                 module_mm=module_mm(module), slack=slack, rng=rng))
    date = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
    return PageDesign(
        lang=lang, size=size, width_mm=width_mm, height_mm=height_mm, margin_mm=margin, gutter_mm=gutter,
        content_mm=round(content_mm, 1),
        columns=columns, column_weights=weights,
        body_pt=body_pt, leading=leading,
        align=rng.choice(("justify", "justify", "left")),
        indent_em=2.0 if lang == "zh" else rng.choice((0.0, 1.0, 1.5)),
        paragraph_gap_em=rng.choice((0.0, 0.0, 0.3, 0.6)),
        hyphenate=lang == "en" and rng.random() < 0.6,
        faces=_faces(lang, rng), header=header,
        folio=rng.choice(("header", "footer_center", "footer_outer")), teasers=teasers,
        section_label=rng.choice(("none", "none", "bar", "tab")), module_rules=rng.choice(("none", "rows", "all")),
        advertisement=ad_module, articles=tuple(articles), paper=rng.choice(PAPERS[lang]), date=date.isoformat(),
        section=rng.choice(SECTIONS[lang]), page_number=rng.randint(2, 24),
    )
