"""Interviews and roundtables: turns become TEI sp with a speaker, participants go into particDesc."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.config import Settings
from broadsheet.run.existing import digitise_existing
from broadsheet.serialise.validate import validate_tei
from broadsheet.stages.turns import participants_in_byline, turn_label
from broadsheet.text.xmlsafe import parse_xml
from evaluation.generated import cer, turn_precision_recall
from tests.conftest import BUNDLED
from tests.shared_data import require_shared, shared_path

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
SEED = shared_path("seed", "000_0c233a0afbadcdcb.txt")
GUESTS = {
    "张占斌": "中央党校（国家行政学院）中国式现代化研究中心主任、一级教授",
    "殷德生": "华东师范大学特聘教授、经济与管理学院院长",
    "刘志阳": "上海财经大学商学院联席教授、创业学院执行副院长",
}
BYLINE = "■主持人：刘迪 本报记者\n■嘉宾：张占斌 " + GUESTS["张占斌"] + "\n" + "\n".join(
    f"{name} {post}" for name, post in list(GUESTS.items())[1:])


def _turns(tei: etree._ElementTree) -> list[str]:
    return [_label(sp) for sp in tei.iter(f"{TEI}sp") if sp.find(f"{TEI}speaker") is not None]


def _label(sp: etree._Element) -> str:
    """The speaker's label without the colon printed after it (<speaker> holds the label as printed)."""
    return (sp.findtext(f"{TEI}speaker") or "").rstrip(":：").strip()


def _persons(tei: etree._ElementTree) -> dict[str, tuple[str, str]]:
    return {p.findtext(f"{TEI}persName") or "": (p.get("role") or "", p.findtext(f"{TEI}affiliation") or "")
            for p in tei.iter(f"{TEI}person")}


@pytest.mark.parametrize(("text", "label"), [
    ("主持人：今年9月，习近平总书记", "主持人"),
    ("张占斌：新质生产力具有丰富的内涵", "张占斌"),
    ("Q: What changed?", "Q"),
    ("A：It was the rain.", "A"),
    ("Mary Smith: We saw it coming.", "Mary Smith"),
])
def test_turn_labels_with_either_colon(text: str, label: str) -> None:
    found = turn_label(text)
    assert found is not None and found[0] == label
    assert text.startswith(found[1]) and found[1].rstrip().endswith((":", "："))


def test_prose_with_a_colon_is_no_label() -> None:
    assert turn_label("他说，这是一个很长的句子：") is None
    assert turn_label("The mayor said on Monday: no.") is None


@pytest.mark.parametrize(("spaced", "known"), [(True, set()), (False, set(GUESTS)), (False, set())])
def test_participant_list_with_roles_and_affiliations(spaced: bool, known: set[str]) -> None:
    # OCR often loses the spaces between a name and its post: names from the turn labels split them then,
    # and failing those, a line ending on a post (教授, 院长) ends an entry.
    byline = BYLINE if spaced else BYLINE.replace(" ", "")
    listed = participants_in_byline(byline, known)
    assert [(p.name, p.role) for p in listed] == [("刘迪", "host"), *((n, "guest") for n in GUESTS)]
    assert listed[0].affiliation == "本报记者"
    assert {p.name: p.affiliation for p in listed[1:]} == GUESTS


def test_english_interview_byline() -> None:
    [listed] = participants_in_byline("Interview by Jane Doe\nPhotographs by Tom Lee", set())
    assert (listed.name, listed.role) == ("Jane Doe", "interviewer")


@pytest.fixture(scope="module")
def seed_tei(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed roundtable through the existing-OCR path, written and validated."""
    out = tmp_path_factory.mktemp("seed")
    digitise_existing([require_shared(SEED)], out, Settings())
    [tei_path] = sorted((out / "tei").glob("*.xml"))
    return tei_path


def test_seed_roundtable_becomes_turns_and_participants(seed_tei: Path) -> None:
    """The real roundtable (plain-text OCR): 16 labelled turns, host and three guests with their posts."""
    tei_path = seed_tei
    report = validate_tei(tei_path.read_bytes())
    assert report.valid, report.errors[:3]
    tei = parse_xml(tei_path)
    truth = [m.group(1) for m in re.finditer(r"^\*\*([^*:：]+)[:：]\*\*", SEED.read_text(encoding="utf-8"), re.M)]
    assert len(truth) == 16
    assert turn_precision_recall(_turns(tei), truth) == (1.0, 1.0)
    assert _persons(tei) == {"刘迪": ("host", "本报记者"), **{n: ("guest", a) for n, a in GUESTS.items()}}
    ids = {p.get(XML_ID): p.findtext(f"{TEI}persName") for p in tei.iter(f"{TEI}person")}
    for sp in tei.iter(f"{TEI}sp"):
        speaker = _label(sp) or None
        named = ids[sp.get("who", "").lstrip("#")]
        assert speaker in (None, named) or (speaker == "主持人" and named == "刘迪")
        assert sp.get("facs"), "a turn links to the zones it was read from"
        first = sp.find(f"{TEI}p")
        assert first is not None and not re.match(r"^\S{1,6}[:：]", first.text or ""), "label repeated in p"
    # The turn under 张占斌 runs on over his unlabelled paragraphs.
    zhang = next(sp for sp in tei.iter(f"{TEI}sp") if _label(sp) == "张占斌")
    assert len(zhang.findall(f"{TEI}p")) >= 4


def test_schematron_rejects_a_turn_without_its_person(seed_tei: Path) -> None:
    tei = parse_xml(seed_tei)
    next(tei.iter(f"{TEI}sp")).set("who", "#nobody")
    report = validate_tei(etree.tostring(tei, xml_declaration=True, encoding="UTF-8"))
    assert not report.valid
    assert any("particDesc" in error for error in report.errors)


QA_INTERVIEW = """# Ten questions for the harbor master

Interview by Jane Doe

The harbor master has run the port for twenty years.

Q: What changed this year?

A: The cranes. They run themselves now.

We still need people, though.

Q: Will you retire?

A: Not yet.
"""


def test_english_q_and_a_interview(tmp_path: Path) -> None:
    source = tmp_path / "harbor.txt"
    source.write_text(QA_INTERVIEW, encoding="utf-8")
    digitise_existing([source], tmp_path / "out", Settings())
    [tei_path] = sorted((tmp_path / "out" / "tei").glob("*.xml"))
    assert validate_tei(tei_path.read_bytes()).valid
    tei = parse_xml(tei_path)
    assert _turns(tei) == ["Q", "A", "Q", "A"]
    assert _persons(tei) == {"Jane Doe": ("interviewer", ""), "A": ("interviewee", "")}
    turns = list(tei.iter(f"{TEI}sp"))
    assert [len(sp.findall(f"{TEI}p")) for sp in turns] == [1, 2, 1, 1]
    assert turns[0].findtext(f"{TEI}p") == "What changed this year?"
    intro = tei.find(f".//{TEI}div/{TEI}p")
    assert intro is not None and intro.text == "The harbor master has run the port for twenty years."


@pytest.mark.slow
def test_generated_roundtable_turns_and_participants(bundled_run: tuple[Path, object]) -> None:
    """The generated roundtable page through OCR: every turn and every participant found."""
    out, _ = bundled_run
    truth = json.loads((BUNDLED / "zh_roundtable.gt.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text())
    page_ids = {p["id"] for p in manifest["pages"] if Path(p["source"]).name == "zh_roundtable.jpg"}
    [entry] = [a for a in manifest["articles"] if set(a["pages"]) & page_ids and a["title"] == truth["articles"][0]
               ["headline"]]
    tei = parse_xml(out / entry["tei"])
    truth_turns = [m.group(1) for p in truth["articles"][0]["paragraphs"] if (m := re.match(r"^(\S{2,4})：", p))]
    precision, recall = turn_precision_recall(_turns(tei), truth_turns)
    assert precision == 1.0 and recall >= 0.9, (_turns(tei), truth_turns)
    persons = _persons(tei)
    assert {name: role for name, (role, _) in persons.items()} == {"刘迪": "host", **dict.fromkeys(GUESTS, "guest")}
    for name, post in GUESTS.items():
        assert cer(persons[name][1], post) <= 0.05, persons[name]
