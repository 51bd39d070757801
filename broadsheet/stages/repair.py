"""Repair: normalise text, drop lines read twice, rejoin split paragraphs; every change is recorded.

Runs after Articles and Jumps (`repair_stages`), on each article's paragraphs and their lines, in this
order on purpose: normalising first makes OCR-noisy copies compare equal; duplicates go before joining,
because a second copy of a fragment ends mid-sentence and would otherwise look like the first half of a
split paragraph (the seed page shows exactly this). Nothing is deleted unless an earlier copy of it stays,
so real text is never lost.

Lines from a plain-text source (engine ``plain-text``) are whole paragraphs without geometry: there a
duplicate is a paragraph's unfinished tail repeated from earlier text, and geometry gives no evidence.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from statistics import median

from rapidfuzz import fuzz, process

from broadsheet.config import ArticlesConfig, RepairConfig
from broadsheet.ingest.readers.plain_text import PLAIN_TEXT_ENGINE
from broadsheet.model.geometry import ColumnEdge
from broadsheet.model.page import Article, Line, Page, Paragraph, Region, RegionType, Repair
from broadsheet.stages.base import Stage, recorded_step, rules_version, to_working
from broadsheet.stages.jumps import Jumps
from broadsheet.stages.turns import Turns
from broadsheet.text import normalise as repair_rules
from broadsheet.text import radicals
from broadsheet.text.normalise import (
    MID_SENTENCE,
    SPEAKER,
    TEXT_LAYER_FORMS,
    cjk_reads_on,
    ends_in_soft_hyphen,
    ends_sentence,
    horizontal_punctuation,
    latin_word_at_end,
    latin_word_at_start,
    normalise,
    soft_hyphen,
    unterminated_tail,
)
from broadsheet.text.script import join_fragments

PROSE_TYPES = frozenset({RegionType.body, RegionType.sidebar, RegionType.caption, RegionType.pull_quote})
FULL_WIDTH_RATIO = 0.85


@dataclass
class _Context:
    page: Page
    config: RepairConfig
    lines: dict[str, Line]
    region_of: dict[str, Region]
    repairs: list[Repair]
    paragraph_indent: float

    def record(self, kind: str, element_id: str, before: str, after: str, certainty: float) -> None:
        self.repairs.append(Repair(kind=kind, element_id=element_id, before=before, after=after,
                                   certainty=round(certainty, 3)))


class RepairStage:
    name = "repair"

    def __init__(self, config: RepairConfig, paragraph_indent: float = ArticlesConfig().indent) -> None:
        self.config = config
        self.paragraph_indent = paragraph_indent
        """ArticlesConfig.indent: the indent that opens a paragraph also tells a split one."""
        self.version = rules_version("repair", (sys.modules[__name__], repair_rules, radicals), config,
                                     paragraph_indent=paragraph_indent)

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"min_duplicate_chars": self.config.min_duplicate_chars,
                    "duplicate_similarity": self.config.duplicate_similarity,
                    "join_threshold": self.config.join_threshold}
        with recorded_step(page, self.name, "broadsheet", self.version, settings):
            repair_page(page, self.config, self.paragraph_indent)
        return page


def repair_stages(config: RepairConfig, paragraph_indent: float = ArticlesConfig().indent) -> list[Stage]:
    """The stages after Articles, in this order on purpose: jump lines leave the text before paragraphs are
    rejoined; turns are read from the repaired text (full-width colons, letter-spaced names joined)."""
    return [Jumps(), RepairStage(config, paragraph_indent), Turns()]


def repair_page(page: Page, config: RepairConfig, paragraph_indent: float = ArticlesConfig().indent) -> None:
    """Repair the page in place, appending to `page.repairs` and, for uncertain repairs, `page.flags`."""
    if not config.enabled:
        return
    context = _Context(page=page, config=config, repairs=[],
                       lines={ln.id: ln for r in page.regions for ln in r.lines},
                       region_of={ln.id: r for r in page.regions for ln in r.lines}, paragraph_indent=paragraph_indent)
    for region in page.regions:
        for line in region.lines:
            for kind, repaired in TEXT_LAYER_FORMS:
                after = repaired(line.text)
                if after != line.text:
                    context.record(kind, line.id, line.text, after, 1.0)
                    line.text = after
                    # The words carry the same forms, and ALTO writes its Strings from them: search finds both.
                    line.words = [w.model_copy(update={"text": repaired(w.text)}) for w in line.words]
            after = normalise(line.text, prose=region.type in PROSE_TYPES)
            if after != line.text:
                context.record("normalise", line.id, line.text, after, 1.0)
                line.text = after
    for article in page.articles:
        _remove_duplicates(context, article)
        for paragraph in article.paragraphs:
            _rebuild_text(context, paragraph)
        _join_paragraphs(context, article)
        for paragraph in article.paragraphs:
            _horizontal_punctuation(context, paragraph)
    page.repairs.extend(context.repairs)
    # Uncertain repairs are flagged by QA (broadsheet/run/qa.py), with its configurable threshold.



# ------------------------------------------------------------------------------------------ duplicates


def _body_lines(context: _Context, article: Article) -> list[tuple[Paragraph, Line]]:
    return [(p, context.lines[i]) for p in article.paragraphs if p.kind == "p" for i in p.line_ids
            if i in context.lines]


def _remove_duplicates(context: _Context, article: Article) -> None:
    config = context.config
    seen_lines: list[Line] = []
    earlier = ""
    removed: set[str] = set()
    for _, line in _body_lines(context, article):
        if line.engine == PLAIN_TEXT_ENGINE:
            tail = unterminated_tail(line.text)
            found = _copy_in(tail, earlier, config) if len(tail) >= config.min_duplicate_chars else None
            if found is not None:
                kept = line.text[: len(line.text.rstrip()) - len(tail)].rstrip()
                context.record("duplicate-line", line.id, line.text, kept, found)
                line.text = kept
                if not kept:
                    removed.add(line.id)
            earlier += line.text
            continue
        text = line.text.strip()
        if len(text) >= config.min_duplicate_chars and (score := _read_twice(line, seen_lines, config)) is not None:
            context.record("duplicate-line", line.id, line.text, "", _certainty(score))
            removed.add(line.id)
            continue
        seen_lines.append(line)
    if not removed:
        return
    for region in context.page.regions:
        region.lines = [ln for ln in region.lines if ln.id not in removed]
    for paragraph in article.paragraphs:
        paragraph.line_ids = [i for i in paragraph.line_ids if i not in removed]
    article.paragraphs = [p for p in article.paragraphs if p.line_ids]
    for line_id in removed:
        context.lines.pop(line_id, None)


def _read_twice(line: Line, earlier: list[Line], config: RepairConfig) -> float | None:
    """Similarity to an earlier line that is the same printed line read twice; None when there is none.

    Two lines alike in text are one line read twice only where they lie on the same place of the page
    (overlapping layout boxes, tile seams) or are long and identical: short lines such as "told the
    council that he" recur in a story.
    """
    box = line.polygon
    for match, score, index in process.extract(line.text.strip(), [ln.text.strip() for ln in earlier],
                                               scorer=fuzz.ratio, score_cutoff=config.duplicate_similarity):
        other = earlier[index].polygon
        same_place = box.intersection_area(other) >= 0.3 * min(box.area, other.area)
        if same_place or (score >= 98 and len(match) >= 2 * config.min_duplicate_chars):
            return score
    return None


def _copy_in(fragment: str, earlier: str, config: RepairConfig) -> float | None:
    """Certainty that `fragment` is a (near-)exact copy of text read earlier; None when it is not."""
    if not earlier:
        return None
    if fragment in earlier:
        return 0.95
    alignment = fuzz.partial_ratio_alignment(fragment, earlier, score_cutoff=config.duplicate_similarity)
    return _certainty(alignment.score) if alignment is not None else None


def _certainty(score: float) -> float:
    # 100 (identical) -> 0.95; the similarity cut-off of 90 -> 0.75: a noisy copy deserves a look.
    return 0.95 - (100.0 - score) * 0.02


# ------------------------------------------------------------------------------------- paragraph text


def _rebuild_text(context: _Context, paragraph: Paragraph) -> None:
    """The paragraph's text from its (repaired) lines; a soft hyphen at a line end is removed."""
    pieces: list[str] = []
    for line_id in paragraph.line_ids:
        text = context.lines[line_id].text.strip()
        if not text:
            continue
        if pieces and (merged := _dehyphenate(context, paragraph.id, pieces[-1], text)) is not None:
            pieces[-1] = merged
        else:
            pieces.append(text)
    paragraph.text = join_fragments(pieces)


def _horizontal_punctuation(context: _Context, paragraph: Paragraph) -> None:
    """Vertical punctuation forms in the paragraph's text (TEI) become horizontal; its lines (ALTO) keep what
    is printed."""
    after = horizontal_punctuation(paragraph.text)
    if after != paragraph.text:
        context.record("vertical-punctuation", paragraph.id, paragraph.text, after, 1.0)
        paragraph.text = after


def _dehyphenate(context: _Context, element_id: str, left: str, right: str) -> str | None:
    """`left` + `right` as one piece when `left` ends in a word broken by a hyphen, else None."""
    if ends_in_soft_hyphen(left) and right.lstrip()[:1].isalpha():  # the text layer says so: no guessing
        head, tail = left.rstrip()[:-1].split()[-1], right.split()[0]
        context.record("dehyphenate", element_id, f"{head}\u00ad|{tail}", f"{head}{tail}", 1.0)
        return left.rstrip()[:-1] + right.lstrip()
    head, tail = latin_word_at_end(left), latin_word_at_start(right)
    if not head or not tail:
        return None
    soft, certainty = soft_hyphen(head, tail)
    joined = left.rstrip()[:-1] + right.lstrip() if soft else left.rstrip() + right.lstrip()
    if soft:
        context.record("dehyphenate", element_id, f"{head}-|{tail}", f"{head}{tail}", certainty)
    return joined


# -------------------------------------------------------------------------------------- split paragraphs


def _join_paragraphs(context: _Context, article: Article) -> None:
    config = context.config
    kept: list[Paragraph] = []
    for paragraph in article.paragraphs:
        previous = kept[-1] if kept else None
        if previous is not None and previous.kind == paragraph.kind == "p":
            certainty = split_evidence(context, previous, paragraph)
            if certainty is not None and certainty >= config.join_threshold:
                before = f"{previous.text[-20:]}¶{paragraph.text[:20]}"
                junction = len(previous.text)
                merged = _dehyphenate(context, previous.id, previous.text, paragraph.text)
                previous.text = merged if merged is not None else join_fragments([previous.text, paragraph.text])
                previous.line_ids += paragraph.line_ids
                previous.region_ids = list(dict.fromkeys(previous.region_ids + paragraph.region_ids))
                context.record("join-paragraphs", previous.id, before,
                               previous.text[max(0, junction - 20): junction + 20], certainty)
                continue
        kept.append(paragraph)
    article.paragraphs = kept


def split_evidence(context: _Context, first: Paragraph, second: Paragraph) -> float | None:
    """How sure we are that `second` continues `first`; None when the text rules it out.

    Evidence, each weighed: the first piece ends without sentence-final punctuation (required),
    or mid-sentence (a comma); the text reads on across the break (a Han character bigram the corpus
    knows; lowercase Latin continuing a lowercase word); the first piece's last line runs full width;
    the next piece's first line is not indented. Pieces are adjacent in the article's reading order.
    """
    if not first.text or not second.text or ends_sentence(first.text) or SPEAKER.match(second.text):
        return None
    last = first.text.rstrip()[-1]
    score = 0.5
    if last in MID_SENTENCE:
        score += 0.25
    elif last.isalpha():
        score += 0.15  # prose never ends on a bare letter or Han character; a heading would, but is no paragraph
    reads_on = cjk_reads_on(first.text.rstrip(), second.text.lstrip())
    if reads_on is not None:
        # The corpus is small: a bigram it never saw is weak evidence against, one it saw is strong for.
        score += 0.25 if reads_on else -0.05
    elif latin_word_at_start(second.text):
        score += 0.3 if first.text.rstrip()[-1].isalpha() or latin_word_at_end(first.text) else 0.1
    elif second.text.lstrip()[:1].isupper():
        score -= 0.2
    geometry = _geometry_evidence(context, first.line_ids[-1], second.line_ids[0])
    return max(0.0, min(0.99, score + geometry))


def _geometry_evidence(context: _Context, last_id: str, first_id: str) -> float:
    last, first = context.lines.get(last_id), context.lines.get(first_id)
    if last is None or first is None or PLAIN_TEXT_ENGINE in (last.engine, first.engine):
        return 0.0
    page = context.page
    evidence = 0.0
    last_region = context.region_of[last_id]
    widths = [to_working(page, ln.polygon).width for ln in last_region.lines]
    if widths:
        full = to_working(page, last.polygon).width >= FULL_WIDTH_RATIO * median(widths)
        evidence += 0.15 if full else -0.6  # a short last line is where the printed paragraph ended
    first_region = context.region_of[first_id]
    boxes = [to_working(page, ln.polygon) for ln in first_region.lines]
    if boxes:
        indented = ColumnEdge.of(boxes).indents(to_working(page, first.polygon), context.paragraph_indent)
        evidence += -0.3 if indented else 0.1
    return evidence
