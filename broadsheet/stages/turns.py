"""Interviews and roundtables: who speaks each turn, and who takes part, from the text alone.

A turn opens with a short label and a colon (full- or half-width): 主持人：…, 张占斌：…, Q: …, A: ….
Prose also puts colons after short phrases (习近平总书记强调：“…”), so a label counts as a turn only
when it is a role word (主持人, 记者, 问, 答, Q, A), a person the byline lists, or a name that opens
two turns or more. The participant list is the byline's: 主持人：刘迪 本报记者 嘉宾：张占斌 中央党校…
(role word, name, affiliation), or "Interview by X". The bold type of printed labels is not used:
OCR reports no font weight.

The `Turns` stage runs after repair (broadsheet/stages/repair.py `repair_stages`), so labels have their
full-width colons and letter-spaced names are joined.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Literal

from broadsheet.model.page import Article, Page, Participant, RegionType
from broadsheet.stages.base import PageRules

Role = Literal["host", "guest", "interviewer", "interviewee"]

_HAN = r"\u4e00-\u9fff"
_LATIN_NAME = r"[A-Z][A-Za-z.'’\-]*(?: [A-Z][A-Za-z.'’\-]*){0,2}"
TURN_LABEL = re.compile(rf"^\s*[■●◆]?\s*(?P<label>[{_HAN}·]{{1,6}}|{_LATIN_NAME})\s*[:：]\s*")
"""A label at the start of a paragraph: the candidate turn; whether it is one is decided per article."""

ROLE_WORDS: dict[str, Role] = {
    "主持人": "host", "主持": "host", "嘉宾": "guest", "记者": "interviewer", "本报记者": "interviewer",
    "采访人": "interviewer", "受访人": "interviewee", "受访者": "interviewee", "问": "interviewer",
    "答": "interviewee", "Q": "interviewer", "A": "interviewee", "Host": "host", "Moderator": "host",
}
"""Words that stand for a role rather than a name, as list headings in a byline and as turn labels."""

LIST_HEADINGS = ("主持人", "嘉宾", "采访人", "受访人", "受访者")
"""Headings of a byline's list of people (主持人：刘迪 本报记者 嘉宾：张占斌 …), each one of the ROLE_WORDS."""
_BYLINE_ROLE = re.compile(rf"(?P<role>{'|'.join(LIST_HEADINGS)}|记者)\s*[:：]")
_INTERVIEW_BY = re.compile(rf"\b(?:Interview(?:ed)? by|Interviewer:?)\s+(?P<name>{_LATIN_NAME})")
_HAN_NAME = re.compile(rf"[{_HAN}·]{{2,4}}")
_BULLETS = re.compile(r"[■●◆]")
_TITLE = re.compile(r"本报|记者|通讯员|特约|教授|研究员|主任")
_POST_END = re.compile(r"(?:教授|院长|主任|研究员|记者|所长|书记|主编|编辑|局长|处长|部长|会长|总裁|经理|董事长|"
                       r"校长|专家|学者|委员|主席|秘书长|作家|律师|医生)$")
_NOT_A_SPEAKER = re.compile(r"(?:说|称|道|问|答|指出|强调|表示|认为|介绍|提出|透露|坦言|告诉|写道|解释)$"
                            r"|^(?:他|她|我|记者)|^(?:编者按|编者|编后|链接|背景|注|Note|Editor)")
"""Labels that are reported speech ("他强调：") or a note's heading ("编者按："), never a person."""
MIN_NAMED_TURNS = 2
"""A name not in the byline counts as a speaker once it opens this many turns."""


@dataclass(frozen=True)
class Listed:
    """One participant as the byline lists them."""

    name: str
    role: Role
    affiliation: str | None


def turn_label(text: str) -> tuple[str, str] | None:
    """The label a paragraph opens with and the label as printed (with its colon), or None."""
    found = TURN_LABEL.match(text)
    if found is None:
        return None
    return found.group("label").strip(), found.group(0)


def _clean_affiliation(text: str) -> str | None:
    # The byline's lines were joined with newlines: inside Chinese a line end is no space.
    text = re.sub(rf"(?<=[{_HAN}（）、])\n(?=[{_HAN}（）、])", "", text)
    text = re.sub(r"\s+", " ", text).strip(" ，,、;；")
    return text or None


def participants_in_byline(byline: str, speaker_names: set[str]) -> list[Listed]:
    """Participants listed in a byline under role headings, in order; `speaker_names` help split names.

    Within a heading's text an entry starts at a name that opens turns in the article, or at a 2–4
    character Han word standing alone between spaces or line ends (the way a list sets names); the
    rest, up to the next entry, is that person's affiliation.
    """
    text = _BULLETS.sub(" ", byline)
    listed: list[Listed] = []
    by = _INTERVIEW_BY.search(text)
    if by:
        listed.append(Listed(name=by.group("name"), role="interviewer", affiliation=None))
    headings = list(_BYLINE_ROLE.finditer(text))
    for index, heading in enumerate(headings):
        role = ROLE_WORDS[heading.group("role")]
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        segment = text[heading.end():end]
        starts = {m.start() for name in speaker_names for m in re.finditer(re.escape(name), segment)}
        for token in re.finditer(r"\S+", segment):
            before = segment[:token.start()].rstrip(" ")
            first = not before.strip()
            # "刘迪 本报记者": a short word after a space is a title. At a line start a word alone is the next
            # name, and so is any word after a line that ended on a post (教授, 院长); a wrapped affiliation
            # goes on mid-post.
            opens_line = before.endswith("\n") and bool(
                _HAN_NAME.fullmatch(token.group(0)) or _POST_END.search(before.rstrip()))
            if (first or opens_line) and not any(token.start() <= s < token.end() for s in starts):
                starts.add(token.start())
        ordered = sorted(starts)
        for k, start in enumerate(ordered):
            stop = ordered[k + 1] if k + 1 < len(ordered) else len(segment)
            entry = segment[start:stop]
            name = next((n for n in sorted(speaker_names, key=len, reverse=True) if entry.startswith(n)), None)
            if name is None:
                word = entry.split()[0] if entry.split() else ""
                title = _TITLE.search(word)
                # "刘迪本报记者" (the space lost): the name ends where a title begins, else most names are three.
                name = word if _HAN_NAME.fullmatch(word) else word[:title.start()] if title and \
                    2 <= title.start() <= 4 else word[:3]
            if name:
                listed.append(Listed(name=name, role=role, affiliation=_clean_affiliation(entry[len(name):])))
    return listed


def _byline_text(page: Page, article: Article) -> str:
    by_id = {r.id: r for r in page.regions}
    return "\n".join(by_id[rid].text for rid in article.region_ids
                     if rid in by_id and by_id[rid].type == RegionType.byline)


def mark_turns(page: Page) -> None:
    """Set each article's participants and each paragraph's speaker, in place."""
    for article in page.articles:
        _mark_article(page, article)


class Turns(PageRules):
    """Who speaks each turn of an interview, and who takes part (`mark_turns`)."""

    name = "turns"
    modules = (sys.modules[__name__],)

    def apply(self, page: Page) -> None:
        mark_turns(page)


def _mark_article(page: Page, article: Article) -> None:
    # A participant list typed as body text ("主持人：刘迪 本报记者 嘉宾：张占斌 …") is no turn: it is read as a byline.
    lists = [p for p in article.paragraphs if len(_BYLINE_ROLE.findall(p.text)) >= 2]
    labels = [turn_label(p.text) if p.kind == "p" and p not in lists else None for p in article.paragraphs]
    counts: dict[str, int] = {}
    for found in labels:
        if found:
            counts[found[0]] = counts.get(found[0], 0) + 1
    name_like = {label for label in counts if label not in ROLE_WORDS and not _NOT_A_SPEAKER.search(label)
                 and (_HAN_NAME.fullmatch(label) or re.fullmatch(_LATIN_NAME, label))}
    # Every name-like label helps split the byline; the byline or a second turn confirms it as a speaker.
    byline = "\n".join([_byline_text(page, article), *(p.text for p in lists)])
    listed = participants_in_byline(byline, name_like)
    listed_names = {p.name for p in listed}
    speakers = {label for label in counts if label in listed_names or label in ROLE_WORDS
                or (label in name_like and counts[label] >= MIN_NAMED_TURNS)}
    if not speakers:
        return
    # Once the text is known to be in turns, a name heard once is a speaker too ("张占斌：" on the page whose
    # byline was lost).
    speakers |= name_like
    participants: list[Participant] = []

    def person(label: str) -> Participant:
        for known in participants:
            if label == known.name or label in known.labels:
                return known
        role = ROLE_WORDS.get(label)
        for entry in listed:
            # A role word stands for the one person listed under that role (the host), not for a guest.
            if entry.name == label or (role is not None and entry.role == role
                                       and sum(e.role == role for e in listed) == 1):
                return add(entry.name, entry.role, entry.affiliation, [] if entry.name == label else [label])
        return add(label, role or ("interviewee" if "interviewer" in {p.role for p in participants} else "guest"),
                   None, [])

    def add(name: str, role: Role, affiliation: str | None, extra_labels: list[str]) -> Participant:
        for known in participants:
            if known.name == name:
                known.labels.extend(x for x in extra_labels if x not in known.labels)
                return known
        created = Participant(id=f"{article.id}-person{len(participants) + 1}", name=name, role=role,
                              affiliation=affiliation, labels=extra_labels)
        participants.append(created)
        return created

    for entry in listed:
        add(entry.name, entry.role, entry.affiliation, [])
    current: str | None = None
    for paragraph, found in zip(article.paragraphs, labels, strict=True):
        if paragraph.kind != "p":
            continue
        if found and found[0] in speakers:
            current = person(found[0]).id
            paragraph.speaker_label = found[1].strip()
        # A turn runs on over unlabelled paragraphs until the next label.
        paragraph.speaker = current
    article.participants = participants
