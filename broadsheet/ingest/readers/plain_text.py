"""Plain OCR text as a page: structure from the text itself, since there is no geometry.

An archive's text dump (like the seed page) keeps blank lines between blocks and little else. The
blocks are typed by what they say: a heading line (markdown ``#`` or the first short line), the
lines stacked above it (section label, kicker), a byline block (■…, 记者, 嘉宾), an editor's note
(编者按), a quotes block (观点 followed by quoted paragraphs), teaser blocks (a line "→ 6版·论苑"), a
caption (a line ending in a photo credit such as 新华社图), and paragraphs, speaker turns included.

Each text line becomes a `Line` with engine ``plain-text`` and a synthetic box, one row per source
line on a 1000-px-wide page, so the ids, facsimile zones and TEI @facs all work as for a scan and a
reader can find a line by its row. The synthetic geometry is never used as evidence by the repair
stage.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.ingest.files import page_id
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Article, Flag, Line, Page, Paragraph, Region, RegionType, Severity
from broadsheet.text.normalise import ends_sentence, plausibility

PLAIN_TEXT_ENGINE = "plain-text"
"""Line.engine of text read from a plain-text file: one line per paragraph, no real geometry."""

PAGE_WIDTH = 1000
ROW_HEIGHT = 40
LINE_HEIGHT = 32
LEGACY_ENCODINGS = ("gb18030", "big5")
PLAUSIBLE = 0.8
"""Share of Han characters known (to the corpus, or by their code level), from which a decoding is believed."""

TEASER = re.compile(r"^\s*(?:→|->|⇒)\s*(?:第\s*)?\d+\s*版|^\s*(?:See|Continued on) (?:page )?[A-Z]?\d+", re.I)
BYLINE = re.compile(r"^\s*(?:■|●|◆)|^\s*(?:本报记者|记者|通讯员|特约撰稿|嘉\s*宾|主\s*持\s*人)"
                    r"|^\s*(?:Interview(?:ed)? by|By) [A-Z]")
NOTE = re.compile(r"^\s*(?:编者按|编者的话|Editor'?s note)\b", re.I)
QUOTES_LABEL = re.compile(r"^\s*(?:观点|观点摘编|Viewpoints?)\s*$", re.I)
CREDIT = re.compile(r"(?:新华社|中新社|视觉中国|人民图片|资料图片|供图|记者\s*\S{2,4}\s*摄|\S{2,4}摄)(?:图|发)?\s*$"
                    r"|\b(?:Photo|Photograph|Picture)s?\s+(?:by|:)\s+\S.{1,60}$")
QUOTED = re.compile(r"^\s*[“\"「].*[”\"」]\s*$", re.S)
HEADING_MAX = 40
BYLINE_MAX = 60
"""A byline line names people and their posts; a speaker's turn ("主持人：今年9月…") runs longer."""


FREQUENT_LEAD_BYTES = {"gb18030": (0xB0, 0xD7), "big5": (0xA4, 0xC6)}
"""Lead bytes of each encoding's level-1 (frequent) Han characters."""


def _frequent_share(text: str, codec: str) -> float:
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    low, high = FREQUENT_LEAD_BYTES[codec]
    return sum(1 for c in han if low <= c.encode(codec)[0] <= high) / len(han) if han else 0.0


class TextEncodingError(ValueError):
    """The bytes are not UTF-8 and do not read as a legacy Chinese encoding either."""


def decode_text(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 (BOM or not), UTF-16 with a BOM, GB18030 or Big5.

    Legacy bytes decode under more than one codec without error; the codec whose Han characters
    the corpus knows (or, for Big5, whose characters sit in its frequent level) is believed, GB18030 first;
    a text no codec makes plausible is refused.
    """
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if raw.startswith(bom):
            return raw.decode(codec), codec
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    for codec in LEGACY_ENCODINGS:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        # The corpus is simplified Chinese (GB18030's script), so traditional text is judged by the code
        # level its characters sit in: a right decoding uses the frequent level, a wrong one scatters.
        score = plausibility(text) if codec == "gb18030" else _frequent_share(text, codec)
        if score >= PLAUSIBLE:
            return text, codec
    raise TextEncodingError(
        f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and not readable as GB18030 or Big5; "
        "convert it first, e.g. iconv -f GB18030 -t UTF-8")


@dataclass
class _Builder:
    page_id: str
    regions: list[Region] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    def region(self, kind: RegionType, rows: list[tuple[int, str]], member: bool = True) -> Region:
        region_id = f"{self.page_id}-r{len(self.regions) + 1}"
        lines = [_line(f"{region_id}-l{k}", row, text) for k, (row, text) in enumerate(rows, start=1)]
        top, bottom = rows[0][0] * ROW_HEIGHT, rows[-1][0] * ROW_HEIGHT + LINE_HEIGHT
        region = Region(id=region_id, type=kind, polygon=Polygon.from_box(0, top, PAGE_WIDTH, bottom),
                        confidence=1.0, detector_label="plain-text", lines=lines)
        self.regions.append(region)
        (self.members if member else self.furniture).append(region_id)
        return region

    def paragraph(self, rows: list[tuple[int, str]], kind: str = "p") -> None:
        region = self.region(RegionType.body, rows)
        article_id = f"{self.page_id}-a1"
        self.paragraphs.append(Paragraph(
            id=f"{article_id}-p{len(self.paragraphs) + 1}", line_ids=[ln.id for ln in region.lines],
            region_ids=[region.id], text="".join(ln.text for ln in region.lines),
            kind="note" if kind == "note" else "p"))


def _line(line_id: str, row: int, text: str) -> Line:
    return Line(id=line_id, text=text, polygon=Polygon.from_box(0, row * ROW_HEIGHT, PAGE_WIDTH,
                                                                row * ROW_HEIGHT + LINE_HEIGHT),
                confidence=1.0, engine=PLAIN_TEXT_ENGINE)


def _clean_markup(line: str) -> str:
    # The dump's markdown (bold speaker labels, '#' headings, two-space line breaks) is markup, not text.
    return re.sub(r"^#+\s+", "", line.replace("**", "")).strip()


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = [[]]
    for row, raw in enumerate(text.splitlines()):
        if not raw.strip():
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append((row, raw))
    return [b for b in blocks if b]


def _teasers_apart(blocks: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """A teaser line ends the text above it ("…said. / Continued on page 3") when no blank line does."""
    split: list[list[tuple[int, str]]] = []
    for block in blocks:
        first = next((k for k, (_, raw) in enumerate(block) if TEASER.search(_clean_markup(raw))), 0)
        split += [block[:first], block[first:]] if first else [block]
    return split


def _headline_row(blocks: list[list[tuple[int, str]]]) -> int | None:
    for block in blocks:
        for row, raw in block:
            if raw.lstrip().startswith("# "):
                return row
    for block in blocks:
        if any(TEASER.search(t) for _, t in block):
            continue
        row, raw = block[0]
        if len(_clean_markup(raw)) <= HEADING_MAX:
            return row
    return None


def page_from_text(text: str, source: Path, sha256: str) -> Page:
    """The page model of a plain-text OCR dump: regions typed from the text, one article."""
    pid = page_id(source, sha256, 0)
    builder = _Builder(pid)
    blocks = _teasers_apart(_blocks(text))
    headline_row = _headline_row(blocks)
    if headline_row is None:
        raise ValueError("no text to read")
    headline: Region | None = None
    pending_above: list[tuple[int, str]] = []
    in_quotes = False
    for block in blocks:
        rows = [(row, _clean_markup(raw)) for row, raw in block]
        rows = [(row, t) for row, t in rows if t]
        if not rows:
            continue
        if any(TEASER.search(t) for _, t in rows):
            builder.region(RegionType.teaser, rows, member=False)
            continue
        if headline is None:
            above = [r for r in rows if r[0] < headline_row]
            pending_above.extend(above)
            rest = [r for r in rows if r[0] >= headline_row]
            if not rest:
                continue
            headline = builder.region(RegionType.headline, [rest[0]])
            for index, row in enumerate(pending_above):
                kicker = index == len(pending_above) - 1 and len(pending_above) > 1
                builder.region(RegionType.kicker if kicker else RegionType.section, [row], member=kicker)
            rows = rest[1:]
            if not rows:
                continue
        first = rows[0][1]
        if QUOTES_LABEL.match(first) and len(rows) == 1:
            builder.region(RegionType.section, rows, member=False)
            in_quotes = True
        elif in_quotes and QUOTED.match(" ".join(t for _, t in rows)):
            builder.region(RegionType.pull_quote, rows)
        elif NOTE.match(first):
            in_quotes = False
            builder.paragraph(rows, kind="note")
        elif BYLINE.match(first) and not builder.paragraphs and all(
                len(t) <= BYLINE_MAX and not ends_sentence(t) for _, t in rows):
            builder.region(RegionType.byline, rows)
        elif len(rows) == 1 and CREDIT.search(first):
            builder.region(RegionType.caption, rows)
        else:
            in_quotes = False
            builder.paragraph(rows)
    if headline is None:
        raise ValueError("the text holds no heading line outside the teasers")
    article_id = f"{pid}-a1"
    # The headline leads the article, whatever was stacked above it in the text.
    member_ids = [headline.id, *(r for r in builder.members if r != headline.id)]
    article = Article(id=article_id, page_ids=[pid], headline_region_id=headline.id, region_ids=member_ids,
                      paragraphs=builder.paragraphs, title=headline.lines[0].text)
    rows_used = max((ln.polygon.bounds[3] for r in builder.regions for ln in r.lines), default=ROW_HEIGHT)
    return Page(id=pid, source=str(source), sha256=sha256, width=PAGE_WIDTH, height=int(rows_used) + ROW_HEIGHT,
                regions=builder.regions, reading_order=[*builder.furniture, *member_ids], articles=[article])


def read_text_file(source: Path) -> Page:
    """Read one plain-text OCR file; a legacy encoding is detected and noted with an info flag."""
    raw = source.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    text, encoding = decode_text(raw)
    page = page_from_text(text, source, sha256)
    if encoding not in ("utf-8", "utf-8-sig"):
        page.flags.append(Flag(code="legacy-encoding", severity=Severity.info,
                               reason=f"the text was read as {encoding}, not UTF-8"))
    return page
