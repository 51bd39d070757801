"""OCR: every text line of the page at native resolution, each assigned to exactly one region.

The engine reads tiles cut along white space (see tiling.py), never shrunk. Reading tiles of
the whole page rather than layout crops means text the layout model missed is still read; it
becomes a region of its own.

An engine that segments a page itself (Tesseract) reads a page up to its `whole_page_pixels` in one piece,
told the scan's dpi; its blocks then are the text regions, in its reading order (`engine_regions`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from statistics import median

import numpy as np

from broadsheet.config import OcrColumnsConfig, OcrConfig, VerticalBlocksConfig
from broadsheet.engines import rapid_ocr, tiling
from broadsheet.engines.base import (
    EngineLine,
    EngineTimeoutError,
    EngineWord,
    OcrEngine,
    TimeoutHandler,
    at_resolution,
    flag_fallback,
    read_all,
    release_memory,
    second_engine,
)
from broadsheet.engines.calibration import calibrated
from broadsheet.engines.pdf_text import PdfTextLayer, reads_text_layer
from broadsheet.engines.routing import mean_confidence, needs_second_reading, route_page
from broadsheet.engines.tiling import PADDING, Tile, tiles
from broadsheet.model.geometry import Polygon, text_cover, union_box
from broadsheet.model.page import Flag, Line, Page, ProcessingStep, Region, RegionType, Severity, Word
from broadsheet.stages import ocr_columns
from broadsheet.stages import vertical_blocks as vertical_blocks_module
from broadsheet.stages import vertical_marks as vertical_marks_module
from broadsheet.stages.base import recorded_step, region_ids, rules_version, to_working
from broadsheet.stages.ocr_columns import (
    DEFAULT_RULES,
    attach_pieces,
    column_blocks,
    group_orphans,
    join_same_baseline,
    line_of_words,
    split_at_gutters,
)
from broadsheet.stages.orientation import VERTICAL_TURNS, quarter_turn
from broadsheet.stages.vertical_blocks import vertical_blocks
from broadsheet.stages.vertical_marks import with_marks
from broadsheet.stages.working_images import WorkingImages
from broadsheet.text.script import LONG_S

ASSIGN_MIN_OVERLAP = 0.5
log = logging.getLogger(__name__)

def _shift(line: EngineLine, dx: float, dy: float) -> EngineLine:
    def move(quad: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((x + dx, y + dy) for x, y in quad)

    return EngineLine(text=line.text, confidence=line.confidence, quad=move(line.quad),
                      words=tuple(EngineWord(w.text, w.confidence, move(w.quad)) for w in line.words), block=line.block)


def _mapped(line: EngineLine, matrix: np.ndarray) -> EngineLine:
    def move(quad: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((float(matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]),
                      float(matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2])) for x, y in quad)

    return EngineLine(text=line.text, confidence=line.confidence, quad=move(line.quad),
                      words=tuple(EngineWord(w.text, w.confidence, move(w.quad)) for w in line.words), block=line.block)


def turned_lines(lines: list[EngineLine], width: int, height: int) -> list[EngineLine]:
    """Lines read on an upright image of (width, height), in the frame of that image turned a quarter
    counter-clockwise (`VERTICAL_TURNS`): a vertical page's rightmost column on top, read left to right."""
    return [_mapped(line, quarter_turn(VERTICAL_TURNS, width, height)) for line in lines]


def with_writing_mode(region: Region) -> Region:
    """A region on a vertical page is vertical-rl when most of its lines (of two characters or more) run down the
    page; a headline or advertisement set across stays horizontal-tb."""
    lines = [line.polygon for line in region.lines if len(line.text.strip()) >= 2] or \
        [line.polygon for line in region.lines]
    down = sum(p.height > p.width for p in lines)
    mode = "vertical-rl" if lines and down * 2 > len(lines) else "horizontal-tb"
    return region.model_copy(update={"writing_mode": mode})


def read_tiles(engine: OcrEngine, image: np.ndarray, max_width: int, max_height: int,
               overlap: int, on_timeout: TimeoutHandler | None = None,
               cut: list[Tile] | None = None) -> list[EngineLine]:
    """Every line of the image, read in tiles of at most max_width x max_height (`cut`, where they are cut already);
    a tile the engine times out on is read by `on_timeout` (see base.read_all)."""
    lines: list[EngineLine] = []
    # An engine that bounds its input's pixels (rapidocr: `max_tile_pixels`) gets strips wider than a tile shortened;
    # Tesseract reads its tiles in processes of its own, and its block finder reads a taller strip better.
    if cut is None:
        cut = tiles(image, max_width, max_height, overlap, getattr(engine, "max_tile_pixels", None))
    crops = [np.pad(image[t.top:t.bottom, t.left:t.right], PADDING, constant_values=255) for t in cut]
    for tile, read in zip(cut, read_all(engine, crops, on_timeout), strict=True):
        for line in read:
            moved = _shift(line, tile.left - PADDING, tile.top - PADDING)
            centre_y = sum(p[1] for p in moved.quad) / len(moved.quad)
            if tile.core_top <= centre_y < tile.core_bottom:
                lines.append(moved)
    return lines


def reads_whole(engine: OcrEngine, image: np.ndarray) -> bool:
    """Whether the engine reads this page in one piece: one whose own layout analysis needs to see it whole
    (Tesseract, up to its `whole_page_pixels`)."""
    height, width = image.shape[:2]
    return height * width <= int(getattr(engine, "whole_page_pixels", 0))


def whole_page_tiles(engine: OcrEngine, image: np.ndarray) -> list[Tile] | None:
    """The one tile a page read whole is cropped to, to be padded; None where it is given as scanned: the engine
    does not pad (`pad_whole_page`), or the paper around the page's ink is under `pad_min_margin` of its area.

    Cropping takes off a book scan's margins, the edge of the facing page and the dark of the scanner's bed, which
    Tesseract would read as blocks (Kant 0017: 6.1% CER cropped, 8.2% as scanned). A newspaper scan whose ink
    reaches its edges has nothing to crop, and the white added around it then cost Tesseract the columns of NZZ
    1900's masthead and top stories (line-matched 14.0% padded, 8.6% as scanned; README #20)."""
    if not getattr(engine, "pad_whole_page", True):
        return None
    height, width = image.shape[:2]
    cut = tiles(image, width, height, 0)
    kept = sum((t.right - t.left) * (t.bottom - t.top) for t in cut)
    return cut if 1 - kept / max(1, width * height) >= getattr(engine, "pad_min_margin", 0.0) else None


def tile_limits(engine: OcrEngine, image: np.ndarray, config: OcrConfig) -> tuple[int, int]:
    """The largest tile the engine reads: the whole page where it `reads_whole`, else the configured tile."""
    height, width = image.shape[:2]
    return (width, height) if reads_whole(engine, image) else (config.tile_width, config.tile_height)


def _to_source(page: Page, quad: tuple[tuple[float, float], ...]) -> Polygon:
    polygon = Polygon.from_points(quad).transform(page.transform.to_source)
    return polygon.clamp(page.width, page.height)


class Ocr:
    name = "ocr"

    def __init__(self, engine: OcrEngine, config: OcrConfig, images: WorkingImages) -> None:
        self.engine = engine
        self.config = config
        self.images = images

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"tile_width": self.config.tile_width, "tile_height": self.config.tile_height,
                    "strip_overlap": self.config.strip_overlap, "model": self.engine.model,
                    "figure_text_share": self.config.figure_text_share,
                    # How the page is cut for the engine and what the detector is given (strips, white added).
                    "tiling": rules_version("tiling", (tiling, rapid_ocr)),
                    # How a page read whole is given to the engine (whole_page_tiles) and its blocks kept.
                    "rules": rules_version("ocr", (sys.modules[__name__], ocr_columns)),
                    # A vertical page's blocks are built from its columns: their rules are part of what OCR gives.
                    "vertical_blocks": rules_version("vertical-blocks", (vertical_blocks_module,),
                                                     self.config.vertical_blocks),
                    # ...and the marks its recogniser left out read back from the gaps in its columns.
                    "vertical_marks": rules_version("vertical-marks", (vertical_marks_module,),
                                                    self.config.vertical_marks)}
        with recorded_step(page, self.name, self.engine.name, self.engine.version, settings) as step:
            log.debug("OCR of %s begins", page.id)  # benchmarks/startup.py times the process to this line
            image = self.images.read(page)
            timeouts: list[str] = []
            region_boxes = [to_working(page, r.polygon) for r in page.regions
                            if r.type not in (RegionType.figure, RegionType.separator)]
            if reads_text_layer(page):
                # A born-digital PDF page: its characters are the text, exact, so there is nothing to OCR.
                engine: OcrEngine = PdfTextLayer(page)
                step.software, step.version = engine.name, engine.version
                step.settings = {"model": engine.model, "pdf_mode": "text-layer", "dpi": page.dpi}
                read = engine.read(image)
                whole_page = False
            else:
                # A vertical page is seen turned a quarter (orientation), its columns lying as lines do on a
                # horizontal page; the engine reads it upright (the recogniser turns each tall line crop itself),
                # and its lines are turned back into the page's frame, where every rule below holds as it is.
                upright = np.ascontiguousarray(np.rot90(image, -VERTICAL_TURNS)) \
                    if page.writing_mode == "vertical-rl" else image
                engine = route_page(self.engine, page, step, upright)
                read_instead = self._read_instead(second_engine(self.engine, engine), page.dpi, timeouts)
                whole_page = reads_whole(engine, upright)
                cut = whole_page_tiles(engine, upright) if whole_page else None
                if whole_page and cut is None:
                    # The page as scanned, neither cropped to its ink nor padded (see TesseractConfig.pad_min_margin).
                    [read] = read_all(at_resolution(engine, page.dpi), [upright], read_instead)
                    step.settings["whole_page"] = "as scanned"
                else:
                    read = read_tiles(at_resolution(engine, page.dpi), upright,
                                      *tile_limits(engine, upright, self.config), self.config.strip_overlap,
                                      read_instead, cut)
                    if whole_page:
                        step.settings["whole_page"] = "cropped to its ink, padded"
                if upright is not image:
                    read = turned_lines(read, upright.shape[1], upright.shape[0])
                    step.settings["read"] = "upright, in a frame turned a quarter for vertical-rl"
                step.settings["dpi"] = page.dpi and round(page.dpi)
            if whole_page and read and all(line.block is not None for line in read):
                # The engine's layout analysis saw the whole page, column rules included: its blocks are the text
                # regions, in the order it read them.
                cleaned = [kept for line in read if (kept := without_punctuation_noise(
                    line, engine.name, self.config.punctuation_noise_below)) is not None]
                step.settings["noise_words_dropped"] = sum(map(len, (ln.words for ln in read))) - sum(
                    map(len, (ln.words for ln in cleaned)))
                cleaned = title_rows_joined(cleaned, self.config.title_line_height, self.config.title_row_width)
                page.regions = engine_regions(page, cleaned, engine.name)
                page.reading_order = [r.id for r in page.regions if r.lines]
                step.settings["reading_order"] = ENGINE_ORDER
            else:
                columns = self.config.columns
                engine_lines = [part for line in read for part in split_at_gutters(line, region_boxes, columns)]
                page.regions = drop_figures_over_text(page, assign_lines(page, engine_lines, engine.name,
                                                                   self.config.vertical_blocks, columns),
                                                      self.config.figure_text_share)
            reread_unsure(engine, page, image, step, timeouts, self.config)
            if (other := second_engine(self.engine, engine)) is not None:
                route_regions(other, page, image, step, timeouts, self.config)
            flag_timeouts(page, step, timeouts)
            if isinstance(runtime := getattr(engine, "backend", None), str):
                step.settings["runtime"] = runtime  # OpenVINO, ONNX Runtime or CUDA: the same models either way
            if isinstance(scale := getattr(engine, "detector_scale", None), float) and scale < 1:
                step.settings["detector_scale"] = scale  # lines found on the tiles shrunk, read at native resolution
            if page.writing_mode == "vertical-rl":
                page.regions = [with_writing_mode(region) for region in page.regions]
                if self.config.vertical_marks.enabled:
                    page.regions, step.settings["marks_read"] = with_marks(page, page.regions, image, engine,
                                                                           self.config.vertical_marks)
            if self.config.long_s == "fold":
                page.regions = [fold_long_s(region) for region in page.regions]
            flag_fallback(page, engine, self.engine)
        # The engine's buffers for this page's largest tiles would otherwise stay held under every later stage.
        release_memory(self.engine)
        return page

    def _read_instead(self, other: OcrEngine | None, dpi: float | None, timeouts: list[str]) -> TimeoutHandler:
        """What reads a tile the page's engine timed out on: the other engine, in its own tiles, or none (the tile
        is then left unread); each timeout is noted in `timeouts`."""

        def read(image: np.ndarray, error: EngineTimeoutError) -> list[EngineLine]:
            if other is None:
                timeouts.append(f"{error}; left unread")
                return []
            timeouts.append(f"{error}; read by {other.name} ({other.model}) instead")
            limits = tile_limits(other, image, self.config)
            return read_tiles(at_resolution(other, dpi), image, *limits, self.config.strip_overlap)

        return read


def flag_timeouts(page: Page, step: ProcessingStep, timeouts: list[str]) -> None:
    """One `ocr-timeout` flag per image an engine timed out on, twice; the step counts them."""
    step.settings["timeouts"] = len(timeouts)
    page.flags.extend(Flag(code="ocr-timeout", severity=Severity.error if reason.endswith("left unread")
                           else Severity.warning, reason=reason) for reason in timeouts)


def fold_long_s(region: Region) -> Region:
    """The region with every long s of its lines and words written as s (`ocr.long_s: fold`)."""
    return region.model_copy(update={"lines": [
        line.model_copy(update={"text": line.text.translate(LONG_S),
                                "words": [w.model_copy(update={"text": w.text.translate(LONG_S)}) for w in line.words]})
        for line in region.lines]})


ENGINE_ORDER = "engine"
"""The OCR step's `reading_order` setting where the engine's own order of the page's regions stands (see
broadsheet.stages.reading_order)."""


def without_punctuation_noise(line: EngineLine, engine: str, below: float) -> EngineLine | None:
    """The line without its words of punctuation alone read with calibrated confidence under `below` (specks read as
    marks); None where nothing else is left of it."""
    kept = [w for w in line.words if any(c.isalnum() for c in w.text) or calibrated(engine, w.confidence) >= below]
    if len(kept) == len(line.words):
        return line
    return line_of_words(kept, line) if kept else None


def _bounds(line: EngineLine) -> tuple[float, float, float, float]:
    return Polygon.from_points(line.quad).bounds


def title_rows_joined(read: list[EngineLine], line_height: float, row_width: float) -> list[EngineLine]:
    """The engine's lines with each title row (display lines `line_height` times the median line or more, side by
    side, spanning `row_width` of the lines' width) joined into one line of one block of its own, and the blocks
    ordered by the rows: those whose middle lies above a row's middle before it, the rest after it, each part in the
    engine's order.

    Tesseract's column finder cuts a masthead's title at its letter gaps into one block per column under it, and reads
    each piece with the column (NZZ 1943: `Neue`, the subscription box under it, `Zürcher`, the editor's box, ...),
    the dateline and edition number over the title after the boxes below it."""
    if len(read) < 2:
        return read
    heights = [_bounds(line)[3] - _bounds(line)[1] for line in read]
    tall = line_height * median(heights)
    rows: list[list[int]] = []
    for k in sorted((k for k, h in enumerate(heights) if h >= tall), key=lambda k: _bounds(read[k])[1]):
        top = _bounds(read[k])[1]
        row = rows[-1] if rows else None
        if row is not None and top < max(_bounds(read[j])[3] for j in row) - heights[k] / 2:
            row.append(k)
        else:
            rows.append([k])
    left = min(_bounds(line)[0] for line in read)
    right = max(_bounds(line)[2] for line in read)
    rows = [row for row in rows if max(_bounds(read[k])[2] for k in row) - min(_bounds(read[k])[0] for k in row)
            >= row_width * (right - left)]
    if not rows:
        return read
    fresh = max(int(line.block or 0) for line in read) + 1
    joined: dict[int, EngineLine] = {}
    for number, row in enumerate(rows):
        pieces = sorted((read[k] for k in row), key=lambda line: _bounds(line)[0])
        box = union_box(Polygon.from_points(line.quad) for line in pieces)
        joined[min(row)] = EngineLine(text=" ".join(line.text for line in pieces),
                                      confidence=float(np.mean([line.confidence for line in pieces])),
                                      quad=box.points, words=tuple(w for line in pieces for w in line.words),
                                      block=fresh + number)
    in_rows = {k for row in rows for k in row}
    lines = [joined.get(k, line) for k, line in enumerate(read) if k in joined or k not in in_rows]
    middles = sorted((_bounds(line)[1] + _bounds(line)[3]) / 2 for line in joined.values())
    block_boxes: dict[int, list[tuple[float, float, float, float]]] = {}
    for line in lines:
        block_boxes.setdefault(int(line.block or 0), []).append(_bounds(line))
    block_middle = {block: (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2
                    for block, boxes in block_boxes.items()}
    title_blocks = {int(line.block or 0): n for n, line in enumerate(sorted(joined.values(),
                                                                             key=lambda ln: _bounds(ln)[1]))}

    def part(line: EngineLine) -> int:
        block = int(line.block or 0)
        if block in title_blocks:
            return 2 * title_blocks[block] + 1
        return 2 * sum(middle < block_middle[block] for middle in middles)

    return sorted(lines, key=part)


def engine_regions(page: Page, read: list[EngineLine], engine: str) -> list[Region]:
    """One text region per block of the engine's own layout analysis, in its reading order, each typed as the
    layout region it lies most in (a heading box stays a heading); the layout's figures and rules are kept.

    On the NZZ front pages the layout model's boxes run across column rules, so lines gathered into them are
    read across the columns; Tesseract's blocks, found on the whole page, keep to them."""
    blocks: dict[int, list[EngineLine]] = {}
    for line in read:
        blocks.setdefault(int(line.block or 0), []).append(line)
    layout = [r for r in page.regions if r.type not in (RegionType.figure, RegionType.separator)]
    layout_boxes = [to_working(page, r.polygon) for r in layout]
    fresh_ids = region_ids(page)
    regions = []
    for block in blocks.values():
        region_id = next(fresh_ids)
        box = union_box(Polygon.from_points(line.quad) for line in block)
        overlaps = [box.overlap_ratio(layout_box) for layout_box in layout_boxes]
        best = int(np.argmax(overlaps)) if overlaps else -1
        lines = [_line_model(page, line, f"{region_id}-l{k}", engine) for k, line in enumerate(block, start=1)]
        if best >= 0 and overlaps[best] >= ASSIGN_MIN_OVERLAP:
            kind, label, confidence = layout[best].type, layout[best].detector_label, layout[best].confidence
        else:
            kind, label, confidence = RegionType.body, "ocr-lines", 0.0
        regions.append(Region(id=region_id, type=kind, polygon=_working_union_to_source(page, block),
                              confidence=confidence, detector_label=label, lines=lines))
    regions.extend(r for r in page.regions if r.type in (RegionType.figure, RegionType.separator))
    return drop_shadowed_empty(regions)


def read_boxes(engine: OcrEngine, image: np.ndarray, boxes: list[list[int]], config: OcrConfig,
               on_timeout: TimeoutHandler | None = None) -> list[list[EngineLine]]:
    """The lines in each box (x0, y0, x1, y1) of the image, read by `engine`, in the image's coordinates.

    A box the engine's tile holds (`tile_limits`) is read whole, padded; a larger one (a Fraktur page's whole
    column, read again by rapidocr) in tiles, as the page was: read whole, its detection alone would hold
    gigabytes. A box the engine times out on is read by `on_timeout` (see base.read_all)."""
    crops = [image[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    limits = [tile_limits(engine, crop, config) for crop in crops]
    fits = [k for k, crop in enumerate(crops) if crop.shape[1] <= limits[k][0] and crop.shape[0] <= limits[k][1]]
    read: dict[int, list[EngineLine]] = {}
    for k, lines in zip(fits, read_all(engine, [np.pad(crops[k], PADDING, constant_values=255) for k in fits],
                                               on_timeout),
                        strict=True):
        read[k] = [_shift(line, boxes[k][0] - PADDING, boxes[k][1] - PADDING) for line in lines]
    for k, crop in enumerate(crops):
        if k not in read:
            read[k] = [_shift(line, boxes[k][0], boxes[k][1])
                       for line in read_tiles(engine, crop, *limits[k], config.strip_overlap, on_timeout)]
    return [read[k] for k in range(len(boxes))]


def route_regions(other: OcrEngine, page: Page, image: np.ndarray, step: ProcessingStep,
                  timeouts: list[str], config: OcrConfig) -> None:
    """A region whose script may differ from its page's is read by the other engine too (see
    routing.needs_second_reading); the reading with the higher calibrated confidence is kept. Each
    line records its engine, and the step lists the regions that changed engine. A region the other engine times
    out on keeps its first reading (noted in `timeouts`)."""
    script = str(step.settings.get("script"))
    doubtful = [index for index, region in enumerate(page.regions)
                if region.lines and needs_second_reading(region.text, mean_confidence(region.lines), script)]
    kept = read_again(other, page, image, doubtful, mean_confidence, timeouts, config)
    step.settings.update({"regions_read_twice": len(doubtful),
                          "regions_rerouted": " ".join(f"{rid}={other.model}" for rid in kept) or "none"})


def reread_unsure(engine: OcrEngine, page: Page, image: np.ndarray, step: ProcessingStep,
                  timeouts: list[str], config: OcrConfig) -> None:
    """Each region the page's engine read with a mean word confidence under its `reread_below` is read again by its
    `rereader` (Tesseract: other models), and the reading whose words are read with more confidence is kept. Measured
    per region on the Kant and NZZ pages (benchmarks/fraktur_models.py, README #20)."""
    rereader = getattr(engine, "rereader", None)
    if rereader is None:
        return
    below = float(getattr(engine, "reread_below", 0.0))
    unsure = [index for index, region in enumerate(page.regions)
              if region.lines and {line.engine for line in region.lines} == {engine.name}
              and mean_word_confidence(region.lines) < below]
    kept = read_again(rereader, page, image, unsure, mean_word_confidence, timeouts, config)
    step.settings.update({"regions_reread": len(unsure), "rereadings_kept": len(kept),
                          "reread_model": rereader.model})


def mean_word_confidence(lines: list[Line]) -> float:
    """The engine's own confidence (raw, not calibrated: both readings come from one engine), mean over words."""
    confidences = [word.raw_confidence if word.raw_confidence is not None else word.confidence
                   for line in lines for word in line.words]
    return float(np.mean(confidences)) if confidences else 0.0


def read_again(engine: OcrEngine, page: Page, image: np.ndarray, indices: list[int],
               score: Callable[[list[Line]], float], timeouts: list[str], config: OcrConfig) -> list[str]:
    """The regions at `indices` read by `engine` from their boxes in the working image; each reading that scores
    higher than the region's own replaces its lines. The ids of the regions whose lines were replaced; a region the
    engine times out on keeps its first reading (noted in `timeouts`)."""

    def keep_first(_: np.ndarray, error: EngineTimeoutError) -> list[EngineLine]:
        timeouts.append(f"{error}; its first reading kept")
        return []

    boxes = [[max(0, round(v)) for v in to_working(page, page.regions[index].polygon).bounds] for index in indices]
    replaced = []
    for index, shifted in zip(indices, read_boxes(at_resolution(engine, page.dpi), image, boxes, config, keep_first),
                              strict=True):
        region = page.regions[index]
        lines = [line for block in column_blocks(shifted, rules=config.columns) for line in block]
        candidate = [_line_model(page, line, f"{region.id}-l{k}", engine.name) for k, line in enumerate(lines, start=1)]
        if candidate and score(candidate) > score(region.lines):
            page.regions[index] = region.model_copy(update={"lines": candidate})
            replaced.append(region.id)
    return replaced


def _working_union_to_source(page: Page, lines: list[EngineLine]) -> Polygon:
    """A region's box is drawn in the working image, where it is upright, then mapped back."""
    box = union_box(Polygon.from_points(line.quad) for line in lines).transform(page.transform.to_source)
    # Turned back through the skew, an upright box over a page-wide line reaches past the page's edge.
    return box.clamp(page.width, page.height) if page.width and page.height else box


def _line_model(page: Page, line: EngineLine, line_id: str, engine: str) -> Line:
    return Line(
        id=line_id,
        text=line.text,
        polygon=_to_source(page, line.quad),
        confidence=round(calibrated(engine, line.confidence), 4),
        raw_confidence=round(line.confidence, 4),
        engine=engine,
        words=[
            Word(id=f"{line_id}-w{k}", text=w.text, polygon=_to_source(page, w.quad),
                 confidence=round(calibrated(engine, w.confidence), 4), raw_confidence=round(w.confidence, 4))
            for k, w in enumerate(line.words, start=1)
        ],
    )


def drop_figures_over_text(page: Page, regions: list[Region], share: float) -> list[Region]:
    """A picture box whose area the text lines read cover by `share` or more is text the layout model took for a
    picture (a box over a whole page's columns, display type): kept, it would stand for the page's text as an
    image in the article's zones."""
    lines = [to_working(page, line.polygon) for region in regions for line in region.lines]
    return [r for r in regions if r.type != RegionType.figure or text_cover(to_working(page, r.polygon), lines) < share]


def assign_lines(page: Page, engine_lines: list[EngineLine], engine: str,
                 vertical: VerticalBlocksConfig | None = None,
                 columns: OcrColumnsConfig = DEFAULT_RULES) -> list[Region]:
    """Give each line to the text region that holds most of it; gather the rest into new regions.

    On a vertical page, with `vertical` on, every line is gathered by geometry (`vertical_blocks`) instead: the layout
    model's text boxes, drawn for horizontal pages, are fragments there."""
    by_columns = vertical is not None and vertical.enabled and page.writing_mode == "vertical-rl"
    text_regions = [r for r in page.regions if r.type not in (RegionType.figure, RegionType.separator)
                    and not by_columns]
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
    blocks_by_region: list[list[list[EngineLine]]] = []
    printed_rules = tuple(to_working(page, r.polygon) for r in page.regions if r.type == RegionType.separator)
    for index, region in enumerate(text_regions):
        if page.writing_mode == "vertical-rl":
            # Seen turned, a vertical block's lines are rows whose pieces (the detector breaks a column at its
            # punctuation) lie in one grid of character cells: cell boundaries aligned across the columns would
            # pass for gutters. The layout model's boxes already keep tiers apart: one block, its pieces joined.
            blocks_by_region.append([join_same_baseline(members[index])])
        else:
            blocks_by_region.append(column_blocks(members[index], region.type == RegionType.body, columns,
                                                  printed_rules) or [[]])
    if page.writing_mode != "vertical-rl":
        flat = [block for blocks_of in blocks_by_region for block in blocks_of]
        sizes = [len(block) for block in flat]
        orphans = attach_pieces(flat, orphans, columns)
        grown = {id(block) for block, size in zip(flat, sizes, strict=True) if len(block) > size}
        blocks_by_region = [[join_same_baseline(block) if id(block) in grown else block for block in blocks_of]
                            for blocks_of in blocks_by_region]
    for region, blocks_of in zip(text_regions, blocks_by_region, strict=True):
        for number, column in enumerate(blocks_of):
            region_id = region.id
            if number:
                region_id = next(fresh_ids)
            lines = [_line_model(page, line, f"{region_id}-l{k}", engine) for k, line in enumerate(column, start=1)]
            update: dict[str, object] = {"id": region_id, "lines": lines}
            if column:
                update["polygon"] = _working_union_to_source(page, column)
            regions.append(region.model_copy(update=update))
    regions.extend(r for r in page.regions if r.type in (RegionType.figure, RegionType.separator))
    if by_columns and vertical is not None:
        rules = [to_working(page, r.polygon) for r in page.regions if r.type == RegionType.separator]
        blocks = vertical_blocks(orphans, rules, vertical)
    else:
        blocks = [join_same_baseline(block) for block in group_orphans(orphans)]
    for block in blocks:
        region_id = next(fresh_ids)
        lines = [_line_model(page, line, f"{region_id}-l{k}", engine) for k, line in enumerate(block, start=1)]
        regions.append(Region(
            id=region_id, type=RegionType.body, polygon=_working_union_to_source(page, block),
            confidence=0.0, detector_label="ocr-columns" if by_columns else "ocr-lines", lines=lines,
        ))
    return drop_shadowed_empty(regions)


def drop_shadowed_empty(regions: list[Region]) -> list[Region]:
    """A region without lines lying over one with them was a second detection of that text.

    This holds for figures too: a "figure" that is mostly covered by read text was a large
    headline or a pull quote the layout model took for a picture.
    """
    with_text = [r for r in regions if r.lines]
    return [r for r in regions if r.lines or r.type == RegionType.separator
            or not any(r.polygon.overlap_ratio(o.polygon) >= 0.5 for o in with_text)]
