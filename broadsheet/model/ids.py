"""Ids that say where an element lives: a line's id is under its region's, a word's under its line's."""

from __future__ import annotations

from broadsheet.model.page import Line, Word


def _word(word: Word, word_id: str) -> Word:
    return word if word.id == word_id else word.model_copy(update={"id": word_id})


def renumbered(region_id: str, lines: list[Line]) -> list[Line]:
    """Lines moved into a region take ids under it, so ids keep saying where an element lives. A line whose ids
    say so already is kept as it is (the typing stage renumbers thousands of lines a page, most of them in place)."""
    numbered = []
    for k, line in enumerate(lines, start=1):
        line_id = f"{region_id}-l{k}"
        words = [_word(word, f"{line_id}-w{j}") for j, word in enumerate(line.words, start=1)]
        if line.id == line_id and all(new is old for new, old in zip(words, line.words, strict=True)):
            numbered.append(line)
        else:
            numbered.append(line.model_copy(update={"id": line_id, "words": words}))
    return numbered
