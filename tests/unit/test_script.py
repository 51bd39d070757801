"""The one CJK test, text joining and language detection (broadsheet/text/script.py), and the TEI language of a
page (broadsheet/run/output.py)."""

from __future__ import annotations

from broadsheet.model.page import IssueMetadata, Page, ProcessingStep
from broadsheet.run.output import page_language
from broadsheet.text.script import cjk_share, is_cjk, join_fragments, join_lines, language_of

KANT = ("Aufklärung iſt der Ausgang des Menſchen aus ſeiner ſelbſt verſchuldeten Unmündigkeit. Unmündigkeit iſt "
        "das Unvermögen, ſich ſeines Verſtandes ohne Leitung eines anderen zu bedienen.")
TIMES = "The war in the Pacific was the subject of a statement issued by the Prime Minister, who said it would end."


def test_one_cjk_test_for_han_kana_punctuation_and_fullwidth_forms_not_hangul() -> None:
    for char in "中國〇、。「」《》ひカー（），：ｶ｡𠃊⼈":
        assert is_cjk(char), char
    for char in "aßſ1 —…“한ㄱ😀":
        assert not is_cjk(char), char
    assert cjk_share("全国 人大") == 1.0
    assert cjk_share("G20峰会") == 0.4


def test_pieces_join_without_a_space_only_where_cjk_meets() -> None:
    assert join_fragments(["全国人大", "常委会"]) == "全国人大常委会"
    assert join_fragments(["日本の", "新聞"]) == "日本の新聞"
    assert join_fragments(["한국", "신문"]) == "한국 신문", "Korean is written with spaces between words"
    assert join_fragments(["Anglo-", "American"]) == "Anglo- American", "hyphens are the repair stage's to join"
    assert join_lines(["Anglo-", "American"]) == "Anglo-American"
    assert join_lines(["a\x01b", "c"]) == "ab c", "lines are written out XML-safe"


def test_language_of_tells_chinese_german_and_english() -> None:
    assert language_of(["全国人大常委会审议新法草案", "G20峰会"]) == "zh"
    assert language_of([KANT]) == "de"
    assert language_of([TIMES]) == "en"
    assert language_of(["Die Regierung", "und das Volk"]) == "de", "lines are words apart, not glued"
    # Too little text for function words: umlauts and ß, or the Fraktur type the routing found, tell German.
    assert language_of(["Zürich, Montag"]) == "de"
    assert language_of(["Berlin, Montag"]) == "en"
    assert language_of(["Berlin, Montag"], blackletter=True) == "de"


def _page(text: str, language: str | None = None, script: str | None = None) -> Page:
    page = Page.model_validate({
        "id": "p1", "source": "p1.png", "sha256": "0" * 64, "width": 1000, "height": 1000,
        "regions": [{"id": "r1", "type": "body", "confidence": 1.0, "detector_label": "text",
                     "polygon": {"points": [[0, 0], [100, 0], [100, 20], [0, 20]]},
                     "lines": [{"id": "r1-l1", "text": text, "confidence": 0.9, "engine": "test",
                                "polygon": {"points": [[0, 0], [100, 0], [100, 20], [0, 20]]}}]}],
    })
    if language is not None:
        page.issue = IssueMetadata(title="Test", language=language)
    if script is not None:
        page.steps.append(ProcessingStep(stage="ocr", software="test", version="1", settings={"script": script}))
    return page


def test_a_page_is_written_in_its_issue_language_else_the_one_its_text_and_routing_tell() -> None:
    assert page_language(_page(KANT)) == "de"
    assert page_language(_page(TIMES)) == "en"
    assert page_language(_page(TIMES, language="fr")) == "fr", "a sidecar's language wins"
    assert page_language(_page("Berlin, Montag", script="fraktur")) == "de"
    assert page_language(_page("Berlin, Montag", script="latin")) == "en"
