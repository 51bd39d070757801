"""Tesseract through pytesseract: the comparison engine. Needs Debian's tesseract-ocr packages."""

from __future__ import annotations

import copy
import importlib.util
import logging
import os
import re
import shutil
import subprocess
from collections import defaultdict

import cv2
import numpy as np

from broadsheet.config import TesseractConfig
from broadsheet.engines.base import EngineLine, EngineTimeoutError, EngineUnavailableError, EngineWord
from broadsheet.text.script import join_fragments

log = logging.getLogger(__name__)
TIMEOUT_MESSAGE = "Tesseract process timeout"
"""What pytesseract raises (as RuntimeError) when it has killed a Tesseract process that ran past its timeout."""


def _listing_languages() -> subprocess.Popen[str]:
    return subprocess.Popen(["tesseract", "--list-langs"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)


def _languages(listing: subprocess.Popen[str]) -> set[str]:
    out, _ = listing.communicate()
    return {line.strip() for line in out.splitlines()[1:] if line.strip()}


def _installed_languages() -> set[str]:
    """`tesseract --list-langs`, unfiltered: pytesseract's list drops script models such as `Fraktur`."""
    return _languages(_listing_languages())


def _tesseract_version() -> str:
    """The release `tesseract --version` names first ("tesseract 5.3.0" gives "5.3.0"), as pytesseract parses it,
    without importing pytesseract (and pandas with it) before a page needs Tesseract."""
    banner = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\d+(?:\.\d+)*", (banner.stdout or banner.stderr).split("\n", 1)[0])
    return found.group(0) if found else "unknown"


def _debian_package(language: str) -> str:
    # Script models (Fraktur, Latin, ...) come in tesseract-ocr-script-* packages with short names.
    scripts = {"Fraktur": "tesseract-ocr-script-frak", "script/Fraktur": "tesseract-ocr-script-frak"}
    return scripts.get(language, "tesseract-ocr-" + language.replace("_", "-").lower())


class TesseractEngine:
    name = "tesseract"

    def __init__(self, config: TesseractConfig) -> None:
        if shutil.which("tesseract") is None:
            raise EngineUnavailableError(
                "the tesseract engine needs Tesseract: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
            )
        if importlib.util.find_spec("pytesseract") is None:  # imported by the first read (it imports pandas)
            raise EngineUnavailableError("the tesseract engine needs pytesseract: pip install pytesseract")
        listing = _listing_languages()  # both questions to Tesseract at once
        self.version = _tesseract_version()
        installed = _languages(listing)
        missing = [lang for lang in config.languages.split("+") if lang not in installed]
        if missing:
            raise EngineUnavailableError(
                f"Tesseract has no traineddata for {', '.join(missing)}: "
                f"apt-get install {' '.join(_debian_package(m) for m in missing)}"
            )
        self.languages = config.languages
        self.model = f"tesseract-{config.languages}"
        self._options = "--psm 3" + (" -c textord_heavy_nr=1" if config.heavy_noise_removal else "")
        self.whole_page_pixels = config.whole_page_pixels
        """Pages up to this size are read in one piece (see broadsheet.stages.ocr.tile_limits)."""
        self.resolution: int | None = None
        """The scan's dots per inch, told to Tesseract (see `at_resolution`); None lets Tesseract guess."""
        self.processes = config.processes or os.cpu_count() or 1
        """Tesseract processes reading at once (broadsheet.engines.base.read_all): one per core by default."""
        self.rereader = TesseractEngine(config.model_copy(update={"languages": config.reread_languages,
                                                                  "reread_languages": ""})) \
            if config.reread_languages else None
        """What reads a region again where this one read it unsurely (broadsheet.stages.ocr.reread_unsure)."""
        self.reread_below = config.reread_below
        self.pad_whole_page = config.pad_whole_page
        self.pad_min_margin = config.pad_min_margin
        self.timeout_s = config.timeout_s
        self.retry_scale = config.timeout_retry_scale
        if self.processes > 1:
            # Each process then keeps to one thread (Tesseract's OpenMP would otherwise start one per core in each).
            os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def at_resolution(self, dpi: float | None) -> TesseractEngine:
        """This engine reading images scanned at `dpi`.

        An array reaches Tesseract without the scan's resolution, and Tesseract then assumes 70 dpi. Its column
        finder measures gutters and tab stops in inches, so on a 475 dpi newspaper page it reads lines straight
        across the columns (NZZ 1943: line-matched CER 0.53 at the guessed resolution, 0.08 told 475 dpi).
        """
        if not dpi:
            return self
        told = copy.copy(self)
        told.resolution = round(dpi)
        return told

    def read(self, image: np.ndarray) -> list[EngineLine]:
        """Every line of the image; a read past `timeout_s` is tried once more at `timeout_retry_scale`, and a second
        timeout raises EngineTimeoutError (nothing is returned that was half read)."""
        try:
            return self._read(image, 1.0)
        except RuntimeError as exc:
            if str(exc) != TIMEOUT_MESSAGE:
                raise
        height, width = image.shape[:2]
        log.warning("Tesseract timed out after %ss on a %dx%d image; read again at %s", self.timeout_s, width,
                    height, self.retry_scale)
        try:
            return self._read(image, self.retry_scale)
        except RuntimeError as exc:
            if str(exc) != TIMEOUT_MESSAGE:
                raise
            raise EngineTimeoutError(
                f"Tesseract {self.languages} ran past {self.timeout_s:g}s on a {width}x{height} image, and again "
                f"downscaled to {self.retry_scale:g}") from exc

    def _read(self, image: np.ndarray, scale: float) -> list[EngineLine]:
        """The lines of the image read at `scale` (Tesseract told the resolution the scaled image has), in the
        given image's pixels."""
        if scale != 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        dpi = round(self.resolution * scale) if self.resolution else None
        options = self._options + (f" --dpi {dpi}" if dpi else "")
        import pytesseract  # here, not at start-up: it imports pandas

        data = pytesseract.image_to_data(image, lang=self.languages, config=options,
                                         output_type=pytesseract.Output.DICT, timeout=self.timeout_s)
        grouped: dict[tuple[int, int, int], list[EngineWord]] = defaultdict(list)
        for i, text in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            if not text.strip() or confidence < 0:
                continue
            x, y, w, h = (float(data[k][i]) / scale for k in ("left", "top", "width", "height"))
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            # Tesseract reports 0..100; the pipeline's one scale is 0..1.
            quad = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
            grouped[key].append(EngineWord(text=text, confidence=confidence / 100, quad=quad))
        lines = []
        blocks: dict[tuple[int, int], int] = {}
        for (block, paragraph, _), words in grouped.items():
            xs = [p[0] for w in words for p in w.quad]
            ys = [p[1] for w in words for p in w.quad]
            x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
            # Tesseract splits CJK into one word per character; only Latin words take a space.
            text = join_fragments([w.text for w in words])
            lines.append(EngineLine(
                text=text,
                confidence=sum(w.confidence for w in words) / len(words),
                quad=((x0, y0), (x1, y0), (x1, y1), (x0, y1)),
                words=tuple(words),
                block=blocks.setdefault((block, paragraph), len(blocks)),
            ))
        return lines
