"""Page layouts: which articles go where on the column grid, and with which furniture.

A page is a grid of ``columns`` equal columns. It is cut into horizontal rows; each row holds one
or more side-by-side stacks (a contiguous range of grid columns), and each stack holds articles one
above the other. That covers the common newspaper shapes: a lead story across the page, a lead
with a one-column side story, stories stacked down the page. Reading order is row by row, stack
by stack from the left, article by article from the top.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Literal

FigurePosition = Literal["top", "column", "none"]
KickerPosition = Literal["above", "below", "none"]


@dataclass(frozen=True)
class ArticleSpec:
    """How one article is set. Column numbers are relative to the article's first column."""

    headline_span: int | None = None
    """Columns the headline block spans from the article's first column; None: all of them."""
    headline_pt: tuple[float, float] = (24.0, 40.0)
    """Smallest and largest headline size in points; the largest that fits the span wins."""
    headline_font: str = "serif_bold"
    """A font role: "serif_bold", "sans_bold", or a role a designed page adds ("headline")."""
    headline_align: Literal["left", "center"] | None = None
    """None: centred for Chinese, left for English."""
    kicker: KickerPosition = "below"
    figure: FigurePosition = "none"
    figure_span: int = 1
    figure_align: Literal["left", "right"] = "left"
    figure_column: int = 0
    """First column of an in-column figure."""
    figure_at: float = 0.4
    """Where an in-column figure starts, as a fraction of the column's body height."""
    figure_aspect: float = 0.62
    pull_quote: bool = False
    pull_quote_column: int | None = None
    """None: the second column (the first when the article has only one)."""
    pull_quote_at: float = 0.45
    sidebar: bool = False
    """Set the text's ``sidebar:`` as a framed box under the byline (else it becomes paragraph 1)."""
    share: float = 1.0
    """Relative height claim within its stack when the texts overfill the page."""
    column_rules: bool = False
    jump_to: int | None = None
    """Print a jump line ("（下转第N版）", "Continued on AN") under the article's last column."""
    jump_from: int | None = None
    """Print a "continued from" line ("（上接第N版）", "Continued from Page N") under the headline."""
    dateline: bool = False
    """Print a dateline ("本报北京3月5日电", "WASHINGTON, Dec. 12 —") on its own line under the byline."""
    # The switches below are drawn by samples.designs; their defaults leave every preset as it was.
    headline_lines: int = 0
    """1 or 2: set the headline on exactly that many lines (a two-part headline breaks between its parts);
    0: the fewest lines at the largest size that fits."""
    headline_gap: float = 0.0
    """Width in ems of the space between a headline's parts (a Chinese headline's wide gap); 0: a plain space."""
    kicker_font: str = "serif"
    byline_font: str = "sans_bold"
    head_rule: Literal["none", "headline", "article"] = "none"
    """A rule between the headline/byline block and the body: as wide as the headline, or as the article."""
    head_rule_pt: float = 0.8
    caption_position: Literal["below", "above", "beside"] = "below"
    caption_font: str = "serif"
    caption_credit: str = ""
    """A credit line set under the photo, right-aligned (a caption region of its own)."""
    pull_quote_style: Literal["rules", "tint"] = "rules"
    pull_quote_font: str = "serif_bold"
    box: Literal["none", "column"] = "none"
    """A framed box (fact box, editor's note) of the text's ``sidebar:`` set inside a body column."""
    box_at: float = 0.3
    box_tint: bool = False
    headless: bool = False
    """The rest of a story from another page: no headline, only the jump line above its body."""
    frame: bool = False
    """A frame around the whole article (a roundtable, a boxed story)."""


@dataclass(frozen=True)
class Stack:
    columns: tuple[int, int]
    """Grid columns [first, last) this stack occupies."""
    articles: tuple[ArticleSpec, ...]
    text_columns: int | None = None
    """Columns of text set across the stack's width, when not one per grid column: a wide lead column."""
    advertisement: str = ""
    """Not articles but a display advertisement of this style at the stack's top ("framed", "open")."""
    ad_height_mm: float = 0.0
    ad_variant: int = 0
    """Which of ``samples.generator.ADVERTISEMENTS`` it prints."""
    ad_photo: bool = True
    gutter_rule: bool = True
    """A rule in the gutter on the stack's left, as tall as the row (side-by-side stacks only)."""


@dataclass(frozen=True)
class Row:
    stacks: tuple[Stack, ...]
    share: float = 1.0


@dataclass(frozen=True)
class Layout:
    """A whole page: grid, rows of article stacks, page furniture and preferred texts."""

    name: str
    columns: int
    rows: tuple[Row, ...]
    teasers: bool = False
    """A strip of cross-references ("→ 6版·论苑 …" / "See page A4") under the running header."""
    section_label: bool = False
    """Print the first article's ``section:`` as a label at the top of the content area."""
    masthead: bool = False
    """Page one: the paper's nameplate and the issue's date line instead of the running header."""
    advertisement: bool = False
    """A framed display advertisement (picture, large mixed type, price, phone) across the page foot."""
    folio_position: Literal["header", "footer"] = "header"
    page_number: int = 5
    fill: bool = True
    """Add short extra articles from the text pool where the main ones leave a stack half empty."""
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Preferred text names per language, in reading order; the rest are drawn from the pool."""

    @property
    def article_count(self) -> int:
        return sum(len(stack.articles) for row in self.rows for stack in row.stacks)


def _full(columns: int, *articles: ArticleSpec) -> Row:
    return Row(stacks=(Stack(columns=(0, columns), articles=articles),))


PRESETS: dict[str, Layout] = {
    "roundtable": Layout(
        name="roundtable",
        columns=4,
        rows=(
            _full(
                4,
                ArticleSpec(
                    kicker="above",
                    headline_pt=(30.0, 40.0),
                    sidebar=True,
                    figure="column",
                    figure_column=2,
                    figure_span=2,
                    figure_at=0.3,
                    figure_aspect=0.58,
                    pull_quote=True,
                    pull_quote_column=1,
                    pull_quote_at=0.5,
                ),
            ),
        ),
        teasers=True,
        section_label=True,
        page_number=5,
        fill=False,
        texts={"zh": ("zh_roundtable",)},
    ),
    "two_articles": Layout(
        name="two_articles",
        columns=3,
        rows=(
            _full(
                3,
                ArticleSpec(kicker="above", figure="top", figure_span=2, share=1.2),
                ArticleSpec(headline_span=2, kicker="none", pull_quote=True, pull_quote_column=1),
            ),
        ),
        page_number=2,
        texts={"zh": ("zh_port", "zh_wetland"), "en": ("en_floodwall", "en_library")},
    ),
    "lead_side": Layout(
        name="lead_side",
        columns=4,
        rows=(
            Row(
                stacks=(
                    Stack(
                        columns=(0, 3),
                        articles=(ArticleSpec(figure="top", figure_span=2, pull_quote=True, pull_quote_column=2),),
                    ),
                    Stack(columns=(3, 4), articles=(ArticleSpec(headline_pt=(24.0, 28.0), kicker="none"),)),
                ),
            ),
        ),
        page_number=3,
        texts={"zh": ("zh_harvest", "zh_metro"), "en": ("en_orchard", "en_library")},
    ),
    "feature": Layout(
        name="feature",
        columns=3,
        rows=(
            Row(
                stacks=(
                    Stack(
                        columns=(0, 2),
                        articles=(ArticleSpec(figure="top", figure_span=2, pull_quote=True, pull_quote_column=1),),
                    ),
                    Stack(columns=(2, 3), articles=(ArticleSpec(headline_pt=(24.0, 28.0), kicker="none"),)),
                ),
            ),
        ),
        page_number=3,
        texts={"zh": ("zh_harvest", "zh_library"), "en": ("en_orchard", "en_library")},
    ),
    "three_stack": Layout(
        name="three_stack",
        columns=5,
        rows=(
            _full(
                5,
                ArticleSpec(headline_span=5, figure="top", figure_span=3, figure_align="right"),
                ArticleSpec(headline_span=3, kicker="none", pull_quote=True, column_rules=True),
                ArticleSpec(headline_span=2, kicker="above", figure="column", figure_column=3, figure_at=0.1),
            ),
        ),
        page_number=4,
    ),
    "front_page": Layout(
        name="front_page",
        columns=6,
        rows=(
            Row(
                stacks=(
                    Stack(
                        columns=(0, 4),
                        articles=(
                            ArticleSpec(
                                headline_pt=(30.0, 40.0),
                                figure="top",
                                figure_span=2,
                                dateline=True,
                                pull_quote=True,
                                pull_quote_column=3,
                            ),
                        ),
                    ),
                    Stack(columns=(4, 6), articles=(ArticleSpec(headline_pt=(22.0, 26.0), kicker="none",
                                                                dateline=True),)),
                ),
            ),
        ),
        masthead=True,
        advertisement=True,
        folio_position="footer",
        page_number=1,
    ),
    "broadsheet": Layout(
        name="broadsheet",
        columns=6,
        rows=(
            Row(
                stacks=(
                    Stack(
                        columns=(0, 4),
                        articles=(
                            ArticleSpec(
                                headline_pt=(32.0, 40.0),
                                figure="top",
                                figure_span=3,
                                pull_quote=True,
                                pull_quote_column=3,
                            ),
                        ),
                    ),
                    Stack(columns=(4, 6), articles=(ArticleSpec(figure="column", figure_span=1),)),
                ),
                share=1.3,
            ),
            _full(6, ArticleSpec(headline_span=4, kicker="above", pull_quote=True, column_rules=True)),
        ),
        teasers=True,
        page_number=1,
    ),
}


def random_layout(rng: random.Random, columns: int | None = None, articles: int | None = None) -> Layout:
    """A seeded random layout: 3–6 columns, 1–3 articles, varied spans, figures and pull quotes."""
    n_cols = columns or rng.randint(3, 6)
    n_articles = articles or rng.randint(1, 3)

    def spec(width: int, lead: bool) -> ArticleSpec:
        figure: FigurePosition = rng.choice(["top", "column", "none"] if width > 1 else ["column", "none"])
        span = width if lead or width < 3 else rng.randint(max(1, width - 2), width)
        fig_span = rng.randint(1, max(1, min(span, width - 1))) if figure == "top" else 1
        if figure == "column":
            fig_span = rng.randint(1, 2) if width >= 3 else 1
        return ArticleSpec(
            headline_span=span,
            headline_pt=(28.0, 40.0) if lead else (24.0, 32.0),
            headline_font=rng.choice(["serif_bold", "sans_bold"]),
            kicker=rng.choice(["above", "below", "none"]),
            figure=figure,
            figure_span=fig_span,
            figure_align=rng.choice(["left", "right"]),
            figure_column=rng.randint(0, max(0, width - fig_span)),
            figure_at=rng.uniform(0.1, 0.5),
            figure_aspect=rng.uniform(0.5, 0.8),
            pull_quote=width >= 2 and rng.random() < 0.5,
            pull_quote_column=rng.randint(1, width - 1) if width >= 2 else 0,
            pull_quote_at=rng.uniform(0.3, 0.6),
            share=rng.uniform(0.8, 1.3),
            column_rules=rng.random() < 0.3,
        )

    shape = rng.choice(["stack", "side"]) if n_cols >= 4 and n_articles >= 2 else "stack"
    rows: list[Row]
    if shape == "side":
        side = 1 if n_cols <= 4 else rng.randint(1, 2)
        main = n_cols - side
        lead_articles = tuple(spec(main, lead=i == 0) for i in range(n_articles - 1))
        rows = [
            Row(
                stacks=(
                    Stack(columns=(0, main), articles=lead_articles),
                    Stack(
                        columns=(main, n_cols),
                        articles=(replace(spec(side, lead=False), headline_pt=(24.0, 28.0)),),
                    ),
                )
            )
        ]
    else:
        rows = [_full(n_cols, *(spec(n_cols, lead=i == 0) for i in range(n_articles)))]
    return Layout(
        name="random",
        columns=n_cols,
        rows=tuple(rows),
        teasers=rng.random() < 0.4,
        folio_position=rng.choice(["header", "footer"]),
        page_number=rng.randint(1, 16),
    )


def get_layout(name: str, rng: random.Random) -> Layout:
    """A preset by name, or a seeded random layout for ``'random'``."""
    if name == "random":
        return random_layout(rng)
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join([*PRESETS, "random"])
        raise ValueError(f"unknown layout {name!r}; known: {known}") from None
