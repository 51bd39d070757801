"""Ids that say where an element lives: a line's id is under its region's, a word's under its line's."""

from __future__ import annotations

from broadsheet.model.page import Line


def renumbered(region_id: str, lines: list[Line]) -> list[Line]:
    """Lines moved into a region take ids under it, so ids keep saying where an element lives."""
    return [
        line.model_copy(update={"id": f"{region_id}-l{k}", "words": [
            word.model_copy(update={"id": f"{region_id}-l{k}-w{j}"}) for j, word in enumerate(line.words, start=1)]})
        for k, line in enumerate(lines, start=1)
    ]
