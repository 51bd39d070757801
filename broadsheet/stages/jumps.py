"""Continuations: jump lines recognised on a page, and the two parts of a jumped article joined.

A story too long for its page ends in a jump line (转第4版, （下转第4版）, Continued on A6, See RIVER,
page A6) and goes on under a jump head on a later page (接第1版, 上接第1版, Continued from Page 1,
Continued From Page One). `mark_jumps` finds those lines on one page, keeps them out of the body text
and records them on the article (`Article.continuations`); the `Jumps` stage runs it just before the
repair stage rejoins paragraphs. `join_continuations` works on all the pages of a run, a step on each: an
article that jumps to page N becomes one article of the issue (`broadsheet.model.issue.Issue`) with the part
on page N that continues from its page.
"""

from __future__ import annotations

import re
import sys

from broadsheet.model.geometry import Polygon, horizontal_overlap
from broadsheet.model.issue import Issue
from broadsheet.model.page import PAGE_FURNITURE_TYPES, Article, Continuation, Line, Page, Repair
from broadsheet.stages.base import PageRules, record_issue_step, rules_version, to_working
from broadsheet.text import normalise as normalise_rules
from broadsheet.text.normalise import SPEAKER, ends_sentence, normalise
from broadsheet.text.script import join_fragments

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                 "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12, "十三": 13, "十四": 14,
                 "十五": 15, "十六": 16}
_PAGE = r"(?P<page>[A-Z]?\d{1,3}|[一二三四五六七八九十]{1,3})"
_OPEN, _CLOSE = r"^\s*[(（【\[]?\s*", r"\s*[)）】\]]?\s*[.。]?\s*$"
JUMP_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("to", re.compile(_OPEN + rf"(?:下\s*)?转\s*(?:第\s*)?{_PAGE}\s*版" + _CLOSE)),
    ("from", re.compile(_OPEN + rf"(?:上\s*)?接\s*(?:第\s*)?{_PAGE}\s*版" + _CLOSE)),
    ("to", re.compile(_OPEN + r"(?:Continued|Cont'?d\.?)\s+on\s+(?:page\s+)?(?P<page>[A-Z]?\d{1,3})" + _CLOSE,
                      re.IGNORECASE)),
    ("to", re.compile(_OPEN + r"See\s+(?P<keyword>[A-Z][A-Z'’\-]+(?:\s+[A-Z][A-Z'’\-]+){0,3})\s*,?\s*"
                      r"(?:[Oo]n\s+)?[Pp](?:age|\.)\s*(?P<page>[A-Z]?\d{1,3})" + _CLOSE)),
    ("from", re.compile(_OPEN + r"(?:Continued|Cont'?d\.?)\s+from\s+(?:page\s+)?"
                        r"(?P<page>[A-Z]?\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                        + _CLOSE, re.IGNORECASE)),
)
"""(direction, pattern) for a whole line that is a jump line; `page` may carry a section letter (A6)."""
MIN_HEADLINE_OVERLAP = 0.5
"""Share of a jump head's words (Han characters) the first part's headline must hold when nothing else links them."""


def jump_line(text: str) -> tuple[str, int | None, str | None] | None:
    """(direction "to"/"from", printed page number, jump keyword) when the whole line is a jump line."""
    for direction, pattern in JUMP_PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        raw = found.group("page")
        digits = re.sub(r"^[A-Z]", "", raw)
        page = int(digits) if digits.isdigit() else _NUMBER_WORDS.get(raw.lower())
        keyword = found.groupdict().get("keyword")
        return direction, page, keyword.strip() if keyword else None
    return None


def opens_continued_story(lines: list[Line]) -> bool:
    """A jump head ("Continued from page 2", 上接第1版) with the story's text under it in one block.

    The jump line may come second, under the jump headline in the same block.
    """
    heads = [jump_line(line.text) for line in lines[:min(2, len(lines) - 1)]]
    return any(found is not None and found[0] == "from" for found in heads)


def jump_head_line(lines: list[Line]) -> bool:
    """A block that is nothing but "Continued from page 2" (上接第1版): the jump head of the text printed under it."""
    found = [jump_line(line.text) for line in lines]
    return bool(found) and all(f is not None and f[0] == "from" for f in found)


def _continuation(line: Line, region_id: str) -> Continuation | None:
    found = jump_line(line.text)
    if found is None:
        return None
    direction, number, keyword = found
    # Marked before the repair stage normalises lines: "(下转第4版)" is written as it will read, "（下转第4版）".
    return Continuation(direction="to" if direction == "to" else "from", page=number,
                        text=normalise(line.text, prose=False).strip(),
                        line_id=line.id, region_id=region_id, keyword=keyword)


def mark_jumps(page: Page) -> None:
    """Move jump lines out of the articles' paragraphs into `Article.continuations`, in place.

    A jump line inside an article's text leaves its paragraph. A region that holds nothing but jump
    lines (typing often calls it a teaser: a short block naming a page) joins the article whose part
    lies nearest above it in its columns: the end of the story for a "to" line, the jump head for a
    "from" line.
    """
    located = {line.id: (region, line) for region in page.regions for line in region.lines}
    # Regions already holding a recorded jump (the stage ran before on this page) are not recorded twice.
    claimed = {c.region_id for article in page.articles for c in article.continuations}
    for article in page.articles:
        for paragraph in article.paragraphs:
            kept: list[str] = []
            for line_id in paragraph.line_ids:
                region, line = located.get(line_id, (None, None))
                found = _continuation(line, region.id) if line and region else None
                if found is None:
                    kept.append(line_id)
                    continue
                article.continuations.append(found)
                claimed.add(found.region_id)
            if len(kept) != len(paragraph.line_ids):
                paragraph.line_ids = kept
                paragraph.text = join_fragments(located[i][1].text for i in kept if i in located)
        article.paragraphs = [p for p in article.paragraphs if p.line_ids]
    members = {rid: article for article in page.articles for rid in article.region_ids}
    for region in page.regions:
        if region.id in claimed or not region.lines or (region.id in members and region.type not in
                                                         PAGE_FURNITURE_TYPES):
            continue
        found_all = [_continuation(line, region.id) for line in region.lines]
        if not all(found_all):
            continue
        if region.id in members:  # a jump head the articles stage set over its story: the jump is that story's
            members[region.id].continuations.extend(c for c in found_all if c is not None)
            continue
        nearest = _nearest_part_above(page, to_working(page, region.polygon))
        if nearest is None:
            continue
        owner, above = nearest
        owner.continuations.extend(c for c in found_all if c is not None)
        if region.id not in owner.region_ids:
            # In reading order right after the part it was printed under: the jump head, or the story's end.
            owner.region_ids.insert(owner.region_ids.index(above) + 1, region.id)


class Jumps(PageRules):
    """Jump lines out of the articles' text into their continuations (`mark_jumps`)."""

    name = "jumps"
    modules = (sys.modules[__name__], normalise_rules)

    def apply(self, page: Page) -> None:
        mark_jumps(page)


def _nearest_part_above(page: Page, box: Polygon) -> tuple[Article, str] | None:
    """The article, and its region, printed nearest above `box` in the same columns."""
    best: tuple[float, Article, str] | None = None
    by_id = {r.id: r for r in page.regions}
    for article in page.articles:
        for region_id in article.region_ids:
            if region_id not in by_id:
                continue
            other = to_working(page, by_id[region_id].polygon)
            gap = box.bounds[1] - other.bounds[3]
            if horizontal_overlap(other, box) > 0 and other.center[1] < box.center[1] \
                    and (best is None or gap < best[0]):
                best = (gap, article, region_id)
    return (best[1], best[2]) if best else None


# ------------------------------------------------------------------------------------------- joining


def _words(text: str) -> set[str]:
    # Han characters one by one (a Chinese jump head shortens its headline), Latin words whole.
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}|[\u4e00-\u9fff]", text)}


def _match_score(first: Article, jump: Continuation, second: Article, first_page: int) -> float:
    """How well `second` (on the jump's target page) fits as the rest of `first`; 0: not at all.

    A back-reference to this page or the jump word in the headline is enough; shared headline words
    alone must cover half the jump head, since two Chinese headlines share a character or two by chance.
    """
    back = [c.page for c in second.continuations if c.direction == "from"]
    if back and first_page not in back:
        return 0.0  # it continues another page's story
    head = _words(second.title)
    overlap = len(_words(first.title) & head) / max(1, len(head))
    keyword = bool(jump.keyword and jump.keyword.lower() in second.title.lower())
    if not back and not keyword and overlap < MIN_HEADLINE_OVERLAP:
        return 0.0
    return float(bool(back)) + float(keyword) + overlap


JOIN_STAGE = "join-continuations"


def join_continuations(pages: list[Page]) -> Issue:
    """The issue of the pages, each jumped article joined to its continuation; the inputs are not changed.

    Pages are matched by `Page.page_number`. An article with a "to" jump to page N takes the article
    on page N that best continues it: one that says it continues from this page (接第1版, Continued
    from Page 1), whose headline holds the jump word (See RIVER) or shares the headline's words. The
    joined article is the issue's (`Issue.articles`): it keeps its first part's id; its `page_ids`,
    `region_ids` and paragraphs run on across both pages, and the later part is no longer an article
    of its own (`Issue.later_parts`). The pages keep their parts as printed. A paragraph cut at the
    jump (no sentence end) is joined with the first paragraph of the continuation, recorded as a
    repair of the first part's page (`Issue.repairs`).
    """
    pages = [page.model_copy(deep=True) for page in pages]
    issue = Issue(pages=pages)
    by_number = {page.page_number: page for page in pages if page.page_number is not None}
    taken: set[str] = set()
    for page in pages:
        if page.page_number is None:
            continue
        for part in page.articles:
            if part.id in taken:
                continue
            story = part  # the page's part until it is joined; then the issue's copy of it, which grows
            k = 0
            while k < len(story.continuations):  # a joined part's own jumps are followed too
                jump = story.continuations[k]
                k += 1
                target = by_number.get(jump.page) if jump.direction == "to" and not jump.joined else None
                if target is None or target is page:
                    continue
                candidates = [(_match_score(story, jump, other, page.page_number), other)
                              for other in target.articles if other.id not in taken and other.id != part.id]
                scored = [(s, other) for s, other in candidates if s > 0]
                if not scored:
                    continue
                _, rest = max(scored, key=lambda pair: pair[0])
                if story is part:
                    story = part.model_copy(deep=True)
                    issue.articles.append(story)
                    jump = story.continuations[k - 1]
                _join(issue, page, story, rest.model_copy(deep=True))
                jump.joined = True
                taken.add(rest.id)
    numbered = list(by_number.values())
    continued = {story.id for story in issue.articles}
    joined = [sum(part.id in continued for part in page.articles) for page in numbered]
    record_issue_step(numbered, JOIN_STAGE, "broadsheet", rules_version(JOIN_STAGE, (sys.modules[__name__],)),
                      [{"pages": len(numbered), "joined": count} for count in joined])
    return issue


def _join(issue: Issue, page: Page, article: Article, rest: Article) -> None:
    """Join `rest` (a copy of the part on its page) into `article`, the issue's story whose first part is on `page`."""
    issue.later_parts.setdefault(article.id, []).append(rest.id)
    article.page_ids = list(dict.fromkeys([*article.page_ids, *rest.page_ids]))
    article.region_ids = [*article.region_ids, *(r for r in rest.region_ids if r not in article.region_ids)]
    for continuation in rest.continuations:
        article.continuations.append(continuation.model_copy(update={"joined": continuation.direction == "from"}))
    renamed: dict[str, str] = {}
    for person in rest.participants:
        # The continued part has no byline: its "主持人" is the host the first part names.
        same = next((p for p in article.participants if person.name in (p.name, *p.labels)), None)
        if same is not None:
            renamed[person.id] = same.id
        else:
            article.participants.append(person)
    paragraphs = [p.model_copy(update={"speaker": renamed.get(p.speaker, p.speaker) if p.speaker else None})
                  for p in rest.paragraphs]
    last = next((p for p in reversed(article.paragraphs) if p.kind == "p"), None)
    first = paragraphs[0] if paragraphs else None
    if (last is not None and first is not None and first.kind == "p" and last.text
            and not ends_sentence(last.text) and not SPEAKER.match(first.text)):
        before = f"{last.text[-20:]}¶{first.text[:20]}"
        junction = len(last.text)
        last.text = join_fragments([last.text, first.text])
        last.line_ids += first.line_ids
        last.region_ids = list(dict.fromkeys(last.region_ids + first.region_ids))
        issue.repairs.setdefault(page.id, []).append(Repair(
            kind="join-continuation", element_id=last.id, before=before,
            after=last.text[max(0, junction - 20): junction + 20], certainty=0.8))
        paragraphs = paragraphs[1:]
    article.paragraphs = [*article.paragraphs, *paragraphs]
