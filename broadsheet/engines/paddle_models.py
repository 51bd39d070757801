"""PaddleOCR model directories built from the PP-OCRv6 ONNX files inside the rapidocr wheel.

PaddleOCR wants one directory per model holding `inference.onnx` and an `inference.yml` that names
the model and its pre- and post-processing. The weights are PaddleOCR's own PP-OCRv6 small
models, which the rapidocr wheel already ships; only the configuration is ours. Building the
directories locally means nothing is ever fetched from a model hub at run time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

DET_MODEL_NAME = "PP-OCRv6_small_det"
REC_MODEL_NAME = "PP-OCRv6_small_rec"
DET_ONNX = "PP-OCRv6_det_small.onnx"
REC_ONNX = "PP-OCRv6_rec_small.onnx"
CACHE_ENV = "BROADSHEET_PADDLE_MODELS"
"""Overrides the cache folder, e.g. on a read-only home directory."""

# The same values PaddleX writes for the released PP-OCRv6 det/rec models (see
# paddlex/modules/base/utils/pdparams2safetensors/inference_meta.py); resize_long is replaced per
# call by the adapter's text_det_limit_side_len, so the page is read at native resolution.
DET_CONFIG: dict[str, object] = {
    "Global": {"model_name": DET_MODEL_NAME},
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"DetLabelEncode": None},
        {"DetResizeForTest": {"resize_long": 960}},
        {"NormalizeImage": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                            "scale": "1./255.", "order": "hwc"}},
        {"ToCHWImage": None},
        {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
    ]},
    "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                    "unclip_ratio": 1.5},
}
REC_CONFIG: dict[str, object] = {
    "Global": {"model_name": REC_MODEL_NAME},
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
        {"RecResizeImg": {"image_shape": [3, 48, 320]}},
        {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
    ]},
    "PostProcess": {"name": "CTCLabelDecode"},
}


@dataclass(frozen=True)
class ModelDirs:
    det_name: str
    det_dir: Path
    rec_name: str
    rec_dir: Path


def default_cache() -> Path:
    if override := os.environ.get(CACHE_ENV):
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "broadsheet" / "paddle-models"


def wheel_models() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def character_dict(rec_onnx: Path) -> list[str]:
    """The recogniser's alphabet, stored by PaddleOCR's exporter in the ONNX metadata key `character`."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(rec_onnx), providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map.get("character")
    if not characters:
        raise RuntimeError(f"{rec_onnx} carries no 'character' metadata: not a PaddleOCR recognition model")
    return characters.splitlines()


def _write_dir(target: Path, onnx: Path, config: dict[str, object]) -> None:
    """Build in a temporary sibling and rename into place, so a crash or a parallel worker never sees half a dir."""
    import yaml

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        try:
            (staging / "inference.onnx").symlink_to(onnx)
        except OSError:  # filesystems without symlinks
            shutil.copyfile(onnx, staging / "inference.onnx")
        with open(staging / "inference.yml", "w", encoding="utf-8") as handle:
            yaml.safe_dump(config, handle, allow_unicode=True, sort_keys=False)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "inference.yml").exists():  # not a parallel build that won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fingerprint(onnx: Path) -> str:
    """Ties a built dir to the wheel file it links, so upgrading rapidocr rebuilds it."""
    stat = onnx.stat()
    return hashlib.sha256(f"{onnx.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def ensure_model_dirs(cache: Path | None = None) -> ModelDirs:
    """PaddleOCR model dirs for the wheel's PP-OCRv6 small models, built on first use."""
    cache = cache or default_cache()
    source = wheel_models()
    det_onnx, rec_onnx = source / DET_ONNX, source / REC_ONNX
    for onnx in (det_onnx, rec_onnx):
        if not onnx.exists():
            raise FileNotFoundError(f"{onnx} is missing: reinstall the rapidocr wheel (pip install rapidocr==3.10.0)")
    det_dir = cache / f"{DET_MODEL_NAME}-{_fingerprint(det_onnx)}"
    rec_dir = cache / f"{REC_MODEL_NAME}-{_fingerprint(rec_onnx)}"
    if not (det_dir / "inference.yml").exists():
        _write_dir(det_dir, det_onnx, DET_CONFIG)
    if not (rec_dir / "inference.yml").exists():
        config = {**REC_CONFIG, "PostProcess": {"name": "CTCLabelDecode", "character_dict": character_dict(rec_onnx)}}
        _write_dir(rec_dir, rec_onnx, config)
    return ModelDirs(DET_MODEL_NAME, det_dir, REC_MODEL_NAME, rec_dir)
