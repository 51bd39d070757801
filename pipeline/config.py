"""Settings: one root object, one sub-model per stage. Read at the entry point, never at import."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestConfig(Options):
    max_pixels: int = 400_000_000
    """Larger images are refused as decompression bombs (a 60000x60000 page is 3.6e9)."""
    min_side: int = 64
    """Smaller images cannot be a newspaper page."""


class PreprocessConfig(Options):
    deskew: bool = True
    max_skew_degrees: float = 5.0
    """Skew beyond this is not scanner skew; it is left alone and flagged."""


class LayoutConfig(Options):
    detect_side: int = 1600
    """Long side of the downscaled copy the layout model sees; OCR still reads full-resolution crops."""
    confidence: float = 0.35
    headline_height_ratio: float = 1.6
    """A text block whose lines are this many times taller than body lines is a heading."""


class RapidOcrConfig(Options):
    kind: Literal["rapidocr"] = "rapidocr"
    text_score: float = 0.5
    threads: int = 0
    """0 lets ONNX Runtime choose."""


class TesseractConfig(Options):
    kind: Literal["tesseract"] = "tesseract"
    languages: str = "chi_sim+eng"


OcrEngineConfig = Annotated[RapidOcrConfig | TesseractConfig, Field(discriminator="kind")]


class OcrConfig(Options):
    engine: OcrEngineConfig = RapidOcrConfig()
    low_confidence: float = 0.8
    tile_width: int = 2600
    tile_height: int = 2000
    """The page is read in tiles at most this large, cut along gutters and blank rows; bounds memory."""
    strip_overlap: int = 400
    """Where no blank cut exists, strips overlap by more than a line is tall."""


class OutputConfig(Options):
    write_alto: bool = True
    validate_tei: bool = True


class Settings(Options):
    ingest: IngestConfig = IngestConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    layout: LayoutConfig = LayoutConfig()
    ocr: OcrConfig = OcrConfig()
    output: OutputConfig = OutputConfig()
