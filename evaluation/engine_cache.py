"""An OCR engine's readings kept on disk, keyed by the pixels it was given: for benchmarks that iterate on the stages
around OCR (the OCR stage's own line handling included) without reading a page again. Evaluation only: a run never
caches this way, since a changed model would read the same pixels differently (the key names the engine's model)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from broadsheet.engines.base import EngineLine, EngineWord, OcrEngine


def _line(data: dict[str, Any]) -> EngineLine:
    quad = tuple(tuple(p) for p in data["quad"])
    words = tuple(EngineWord(text=w["text"], confidence=w["confidence"], quad=tuple(tuple(p) for p in w["quad"]))
                  for w in data["words"])
    return EngineLine(text=data["text"], confidence=data["confidence"], quad=quad, words=words,  # type: ignore[arg-type]
                      block=data["block"])


def _record(line: EngineLine) -> dict[str, Any]:
    return {"text": line.text, "confidence": line.confidence, "quad": line.quad, "block": line.block,
            "words": [{"text": w.text, "confidence": w.confidence, "quad": w.quad} for w in line.words]}


class CachedEngine:
    """Wraps an engine: `read` answers from `folder` when it has read these pixels before; everything else is the
    wrapped engine's."""

    def __init__(self, engine: OcrEngine, folder: Path) -> None:
        self._engine = engine
        self.folder = folder
        self.name, self.version, self.model = engine.name, engine.version, engine.model
        self.hits = 0
        self.misses = 0
        folder.mkdir(parents=True, exist_ok=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def read(self, image: np.ndarray) -> list[EngineLine]:
        digest = hashlib.sha256(f"{self.model}|{image.shape}|".encode() + np.ascontiguousarray(image).tobytes())
        path = self.folder / f"{digest.hexdigest()[:32]}.json"
        if path.is_file():
            self.hits += 1
            return [_line(data) for data in json.loads(path.read_text(encoding="utf-8"))]
        self.misses += 1
        lines = self._engine.read(image)
        path.write_text(json.dumps([_record(line) for line in lines], ensure_ascii=False), encoding="utf-8")
        return lines
