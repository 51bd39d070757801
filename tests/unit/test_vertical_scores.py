"""The vertical-page scores (evaluation/vertical.py): the raw engine's column order, matching by CER, window τ."""

from __future__ import annotations

from broadsheet.engines.base import EngineLine
from evaluation.vertical import TruthArticle, best_window, columns_right_to_left, match_within_cer, window_taus


def _column(x: float, y0: float, y1: float, text: str) -> EngineLine:
    return EngineLine(text=text, confidence=0.9, quad=((x, y0), (x + 30, y0), (x + 30, y1), (x, y1)), words=())


def test_the_baseline_reads_columns_from_the_right_each_from_its_top() -> None:
    lines = [_column(100, 500, 900, "左下"), _column(500, 100, 400, "右上"), _column(100, 100, 400, "左上"),
             _column(500, 500, 900, "右下")]
    assert [line.text for line in columns_right_to_left(lines)] == ["右上", "右下", "左上", "左下"]


def test_articles_match_one_to_one_within_the_cer_limit() -> None:
    truth = ["各路華軍大擧反攻克復石龍", "國際時事地圖粵在閱讀國際新聞"]
    merged = "各路華軍大擧反攻克復石龍包圍南昌贛南高安發生激烈爭奪戰"
    ours = ["國際時事地圖粵在閱讀國際新聞", merged, "各路華軍大舉反攻克復石龍"]
    matches = match_within_cer(truth, ours)
    assert [(m.truth, m.ours) for m in matches] == [(0, 2), (1, 0)]  # the merged text is too far from either
    assert 0 < matches[0].cer <= 0.3 and matches[1].cer == 0


def test_window_tau_follows_where_each_article_lies_in_a_reading() -> None:
    truth = [TruthArticle(0, 0, "甲乙丙丁戊己"), TruthArticle(0, 1, "庚辛壬癸子丑"), TruthArticle(0, 2, "寅卯辰巳午未")]
    in_order = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未"
    reversed_order = "寅卯辰巳午未庚辛壬癸子丑甲乙丙丁戊己"
    assert window_taus(truth, [best_window(a.text, in_order) for a in truth]) == [1.0]
    assert window_taus(truth, [best_window(a.text, reversed_order) for a in truth]) == [-1.0]
    assert best_window("甲乙丙丁戊己", "")[0] == 1.0
