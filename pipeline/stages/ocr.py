"""OCR: every text line of the page at native resolution, each assigned to exactly one region.

The engine reads tiles cut along white space (see tiling.py), never shrunk. Reading tiles of
the whole page rather than layout crops means text the layout model missed is still read; it
becomes a region of its own.
"""

from __future__ import annotations

from itertools import pairwise
from statistics import median

import numpy as np

from pipeline.config import OcrConfig
from pipeline.engines.base import EngineLine, EngineWord, OcrEngine
from pipeline.engines.routing import route_page
from pipeline.geometry import Polygon, union_box
from pipeline.model import Line, Page, Region, RegionType, Word
from pipeline.stages.base import recorded_step, region_ids, to_working
from pipeline.stages.preprocess import load_working
from pipeline.stages.tiling import PADDING, tiles
from pipeline.text import is_cjk, join_fragments

CJK_GUTTER_RATIO = 0.6
"""A gap wider than this many line heights between two CJK characters of a line is a column gutter."""
ASSIGN_MIN_OVERLAP = 0.5


def _shift(line: EngineLine, dx: float, dy: float) -> EngineLine:
    def move(quad: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((x + dx, y + dy) for x, y in quad)

    return EngineLine(text=line.text, confidence=line.confidence, quad=move(line.quad),
                      words=tuple(EngineWord(w.text, w.confidence, move(w.quad)) for w in line.words))


def read_tiles(engine: OcrEngine, image: np.ndarray, max_width: int, max_height: int,
               overlap: int) -> list[EngineLine]:
    lines: list[EngineLine] = []
    for tile in tiles(image, max_width, max_height, overlap):
        crop = np.pad(image[tile.top:tile.bottom, tile.left:tile.right], PADDING, constant_values=255)
        for line in engine.read(crop):
            moved = _shift(line, tile.left - PADDING, tile.top - PADDING)
            centre_y = sum(p[1] for p in moved.quad) / len(moved.quad)
            if tile.core_top <= centre_y < tile.core_bottom:
                lines.append(moved)
    return lines


def _region_at(point: tuple[float, float], boxes: list[Polygon]) -> int | None:
    x, y = point
    for index, box in enumerate(boxes):
        x0, y0, x1, y1 = box.bounds
        if x0 <= x <= x1 and y0 <= y <= y1:
            return index
    return None


def split_at_gutters(line: EngineLine, region_boxes: list[Polygon]) -> list[EngineLine]:
    """A detector can run one line across a narrow gutter into the next column; cut it there.

    CJK is set solid, so a gap of more than 0.6 line heights between two CJK characters is a
    gutter. Justified Latin text opens wide word spaces, so there a gap is a gutter only
    where the words on its two sides fall in different layout regions.
    """
    if len(line.words) < 2:
        return [line]
    polygon = Polygon.from_points(line.quad)
    height = polygon.height
    words = sorted(line.words, key=lambda w: Polygon.from_points(w.quad).bounds[0])
    groups: list[list[EngineWord]] = [[words[0]]]
    for previous, word in pairwise(words):
        before, after = Polygon.from_points(previous.quad), Polygon.from_points(word.quad)
        gap = after.bounds[0] - before.bounds[2]
        cjk = bool(previous.text) and bool(word.text) and is_cjk(previous.text[-1]) and is_cjk(word.text[0])
        left, right = _region_at(before.center, region_boxes), _region_at(after.center, region_boxes)
        if left is not None and left == right:
            pass  # both sides in one column: a wide space after 、or in a loose line, not a gutter
        elif (cjk and gap > CJK_GUTTER_RATIO * height) or (
                gap > 0.2 * height and left is not None and right is not None):
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [line]
    parts = []
    for group in groups:
        box = union_box(Polygon.from_points(w.quad) for w in group)
        x0, _, x1, _ = box.bounds
        _, y0, _, y1 = polygon.bounds
        parts.append(
            EngineLine(
                text=join_fragments(w.text for w in group),
                confidence=float(np.mean([w.confidence for w in group])),
                quad=Polygon.from_box(x0, y0, x1, y1).points,
                words=tuple(group),
            )
        )
    return parts


def _to_source(page: Page, quad: tuple[tuple[float, float], ...]) -> Polygon:
    polygon = Polygon.from_points(quad).transform(page.transform.to_source)
    return polygon.clamp(page.width, page.height)


class Ocr:
    name = "ocr"

    def __init__(self, engine: OcrEngine, config: OcrConfig) -> None:
        self.engine = engine
        self.config = config

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"tile_width": self.config.tile_width, "tile_height": self.config.tile_height,
                    "strip_overlap": self.config.strip_overlap, "model": self.engine.model}
        with recorded_step(page, self.name, self.engine.name, self.engine.version, settings) as step:
            image = load_working(page)
            engine = route_page(self.engine, page, step, image)
            region_boxes = [to_working(page, r.polygon) for r in page.regions
                            if r.type not in (RegionType.figure, RegionType.separator)]
            engine_lines = [
                part for line in read_tiles(engine, image, self.config.tile_width,
                                            self.config.tile_height, self.config.strip_overlap)
                for part in split_at_gutters(line, region_boxes)
            ]
            page.regions = assign_lines(page, engine_lines, engine.name)
        return page


def _working_union_to_source(page: Page, lines: list[EngineLine]) -> Polygon:
    """A region's box is drawn in the working image, where it is upright, then mapped back."""
    return union_box(Polygon.from_points(line.quad) for line in lines).transform(page.transform.to_source)


def _line_model(page: Page, line: EngineLine, line_id: str, engine: str) -> Line:
    return Line(
        id=line_id,
        text=line.text,
        polygon=_to_source(page, line.quad),
        confidence=round(line.confidence, 4),
        engine=engine,
        words=[
            Word(id=f"{line_id}-w{k}", text=w.text, polygon=_to_source(page, w.quad),
                 confidence=round(w.confidence, 4))
            for k, w in enumerate(line.words, start=1)
        ],
    )


def assign_lines(page: Page, engine_lines: list[EngineLine], engine: str) -> list[Region]:
    """Give each line to the text region that holds most of it; gather the rest into new regions."""
    text_regions = [r for r in page.regions if r.type not in (RegionType.figure, RegionType.separator)]
    working_boxes = [to_working(page, r.polygon) for r in text_regions]
    members: dict[int, list[EngineLine]] = {i: [] for i in range(len(text_regions))}
    orphans: list[EngineLine] = []
    for line in engine_lines:
        box = Polygon.from_points(line.quad)
        overlaps = [box.overlap_ratio(region_box) for region_box in working_boxes]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best >= 0 and overlaps[best] >= ASSIGN_MIN_OVERLAP:
            members[best].append(line)
        else:
            orphans.append(line)
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for index, region in enumerate(text_regions):
        columns = [join_same_baseline(column) for column in split_columns(members[index])] or [[]]
        for number, column in enumerate(columns):
            region_id = region.id
            if number:
                region_id = next(fresh_ids)
            lines = [_line_model(page, line, f"{region_id}-l{k}", engine) for k, line in enumerate(column, start=1)]
            update: dict[str, object] = {"id": region_id, "lines": lines}
            if column:
                update["polygon"] = _working_union_to_source(page, column)
            regions.append(region.model_copy(update=update))
    regions.extend(r for r in page.regions if r.type in (RegionType.figure, RegionType.separator))
    for block in map(join_same_baseline, group_orphans(orphans)):
        region_id = next(fresh_ids)
        lines = [_line_model(page, line, f"{region_id}-l{k}", engine) for k, line in enumerate(block, start=1)]
        regions.append(Region(
            id=region_id, type=RegionType.body, polygon=_working_union_to_source(page, block),
            confidence=0.0, detector_label="ocr-lines", lines=lines,
        ))
    return drop_shadowed_empty(regions)


def group_orphans(lines: list[EngineLine]) -> list[list[EngineLine]]:
    """Lines no region claimed, stacked into blocks: same column, vertically close."""
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].bounds[1])
    blocks: list[list[tuple[Polygon, EngineLine]]] = []
    for box, line in boxes:
        for block in blocks:
            last_box = block[-1][0]
            heights = median([b.height for b, _ in block])
            horizontal = min(box.bounds[2], last_box.bounds[2]) - max(box.bounds[0], last_box.bounds[0])
            vertical_gap = box.bounds[1] - last_box.bounds[3]
            if horizontal > 0.5 * min(box.width, last_box.width) and vertical_gap < 1.0 * heights \
                    and abs(box.height - heights) < 0.4 * heights:
                block.append((box, line))
                break
        else:
            blocks.append([(box, line)])
    return [[line for _, line in block] for block in blocks]


def split_columns(lines: list[EngineLine]) -> list[list[EngineLine]]:
    """A layout box spanning two columns would interleave their lines; split it at the gutter."""
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].bounds[0])
    columns: list[tuple[float, float, list[tuple[Polygon, EngineLine]]]] = []
    for box, line in boxes:
        x0, _, x1, _ = box.bounds
        for index, (left, right, members) in enumerate(columns):
            if min(x1, right) - max(x0, left) > 0.3 * min(x1 - x0, right - left):
                members.append((box, line))
                columns[index] = (min(left, x0), max(right, x1), members)
                break
        else:
            columns.append((x0, x1, [(box, line)]))
    return [
        [line for _, line in sorted(members, key=lambda item: item[0].bounds[1])]
        for _, _, members in sorted(columns, key=lambda c: c[0])
    ]


def drop_shadowed_empty(regions: list[Region]) -> list[Region]:
    """A region without lines lying over one with them was a second detection of that text.

    This holds for figures too: a "figure" that is mostly covered by read text was a large
    headline or a pull quote the layout model took for a picture.
    """
    with_text = [r for r in regions if r.lines]
    return [r for r in regions if r.lines or r.type == RegionType.separator
            or not any(r.polygon.overlap_ratio(o.polygon) >= 0.5 for o in with_text)]


def join_same_baseline(lines: list[EngineLine]) -> list[EngineLine]:
    """Pieces of one printed line, split by the detector at wide justified spaces, become one line.

    Only call this within one column: pieces side by side in different columns are different lines.
    """
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].center[1])
    rows: list[list[tuple[Polygon, EngineLine]]] = []
    for box, line in boxes:
        if rows:
            last = rows[-1][-1][0]
            shared = min(box.bounds[3], last.bounds[3]) - max(box.bounds[1], last.bounds[1])
            if shared >= 0.5 * min(box.height, last.height):
                rows[-1].append((box, line))
                continue
        rows.append([(box, line)])
    joined = []
    for row in rows:
        if len(row) == 1:
            joined.append(row[0][1])
            continue
        row.sort(key=lambda item: item[0].bounds[0])
        pieces = [line for _, line in row]
        weights = [max(len(p.text), 1) for p in pieces]
        joined.append(EngineLine(
            text=join_fragments(p.text for p in pieces),
            confidence=sum(p.confidence * w for p, w in zip(pieces, weights, strict=True)) / sum(weights),
            quad=union_box(box for box, _ in row).points,
            words=tuple(w for p in pieces for w in p.words),
        ))
    return joined
