"""Born-digital PDF pages with known text, for the PDF ingest tests and benchmark (needs fpdf2).

A page holds articles stacked down the page: headline across the columns, byline, body set in columns.
The text is embedded with the DejaVu fonts, with a ToUnicode map as any modern typesetter writes it. With
`private_use=True` the page is set in a copy of the font whose letters sit at private-use code points, as in
symbol-encoded fonts of old PDFs: the page looks the same, but its text layer is garbage.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont
from fpdf import FPDF

from samples.articles import ArticleText

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
SERIF_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")


@dataclass(frozen=True)
class PdfLine:
    text: str
    size: float
    box: tuple[float, float, float, float]
    """x0, top, x1, bottom in PDF points from the page's top left."""


@dataclass(frozen=True)
class PdfTruth:
    path: Path
    lines: tuple[PdfLine, ...]
    """Every printed line, article by article, column by column."""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def born_digital_pdf(path: Path, articles: list[ArticleText], columns: int = 3, body_size: float = 9.5,
                     headline_size: float = 24.0, width: float = 612, height: float = 792,
                     max_lines_per_article: int = 60, private_use: bool = False) -> PdfTruth:
    """Typeset the articles onto one page; body text beyond `max_lines_per_article` lines is left out.

    `private_use`: set the text at private-use code points (see `private_use_font`); the truth keeps the real text.
    """
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    regular, bold = SERIF, SERIF_BOLD
    if private_use:
        regular = private_use_font(SERIF, path.with_name(f"{path.stem}-pua.ttf"))
        bold = private_use_font(SERIF_BOLD, path.with_name(f"{path.stem}-pua-bold.ttf"))
    pdf.add_font("Serif", "", str(regular))
    pdf.add_font("Serif", "B", str(bold))
    pdf.add_page()
    margin, gutter = 36.0, 14.0
    column_width = (width - 2 * margin - (columns - 1) * gutter) / columns
    lines: list[PdfLine] = []
    y = margin

    def put(text: str, x: float, top: float, size: float, style: str = "") -> None:
        pdf.set_font("Serif", style, size)
        printed = to_private_use(text) if private_use else text
        pdf.text(x, top + size * 0.8, printed)  # pdf.text takes the baseline
        lines.append(PdfLine(text, size, (x, top, x + pdf.get_string_width(printed), top + size)))

    for article in articles:
        pdf.set_font("Serif", "B", headline_size)
        for head_line in pdf.multi_cell(width - 2 * margin, headline_size, article.headline, dry_run=True,
                                        output="LINES"):
            put(head_line, margin, y, headline_size, "B")
            y += headline_size * 1.15
        for byline in article.bylines:
            put(byline, margin, y + 2, body_size)
            y += body_size * 1.6
        leading = body_size * 1.3
        pdf.set_font("Serif", "", body_size)
        body: list[tuple[str, bool]] = []
        for paragraph in article.paragraphs:
            broken = pdf.multi_cell(column_width - body_size, leading, paragraph, dry_run=True, output="LINES")
            body.extend((text, k == 0) for k, text in enumerate(broken))
        body = body[:max_lines_per_article]
        per_column = -(-len(body) // columns)
        for index, (text, first) in enumerate(body):
            column, row = divmod(index, per_column)
            x = margin + column * (column_width + gutter) + (body_size if first else 0)
            put(text, x, y + row * leading, body_size)
        y += per_column * leading + body_size * 2
    pdf.output(str(path))
    return PdfTruth(path, tuple(lines))


PRIVATE_USE_BASE = 0xE000


def private_use_font(source: Path, target: Path) -> Path:
    """A copy of the font with every ASCII glyph also reachable at U+E000 + its code (and only there in use)."""
    font = TTFont(str(source))
    for table in font["cmap"].tables:
        if table.isUnicode() and table.format in (4, 12):
            table.cmap.update({PRIVATE_USE_BASE + code: table.cmap[code] for code in range(0x20, 0x7F)
                               if code in table.cmap})
    font.save(str(target))
    return target


def to_private_use(text: str) -> str:
    return "".join(chr(PRIVATE_USE_BASE + ord(ch)) if 0x20 <= ord(ch) < 0x7F else ch for ch in text)


def _outline_path(font: TTFont, text: str, x: float, baseline: float, size: float) -> str:
    """SVG path data of the text's glyph outlines: what "convert text to outlines" leaves in a PDF."""
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    pen = SVGPathPen(glyphs)
    scale = size / font["head"].unitsPerEm
    for ch in text:
        name = cmap.get(ord(ch))
        if name is not None:
            glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
            x += glyphs[name].width * scale
    return pen.getCommands()


def outlined_text_pdf(path: Path, heading: str, body: list[str], size: float = 10.0) -> None:
    """A page whose heading is real text but whose body lines are drawn as glyph outlines (vector paths, no
    characters): a text layer that does not cover the page's ink."""
    font = TTFont(str(SERIF))
    width, height = 612, 792
    paths = " ".join(_outline_path(font, line, 36, 120 + 1.4 * size * k, size) for k, line in enumerate(body))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}"><path d="{paths}" fill="black"/></svg>')
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.add_font("Serif", "", str(SERIF))
    pdf.add_page()
    pdf.set_font("Serif", size=14)
    pdf.text(36, 72, heading)
    pdf.image(io.BytesIO(svg.encode()), x=0, y=0, w=width, h=height)
    pdf.output(str(path))


def encrypted_pdf(path: Path, password: str) -> None:
    """A one-page PDF that needs a user password to open."""
    pdf = FPDF(unit="pt", format=(612, 792))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(72, 72, "Confidential page")
    pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    pdf.output(str(path))
