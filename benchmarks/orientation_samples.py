"""What each of orientation's densest samples says about a page's lines (issue #17, round 9): the rotation model's
verdict, and for each sample its line boxes, how many are elongated and how many of those tall, against the verdict
of all samples together (`orientation._tall_boxes`). It tells whether stopping after the densest sample, when that
one is plainly horizontal, would change a page's decision.

    python -m benchmarks.orientation_samples PAGE [PAGE ...]   # one JSON line a page (a fold: one a piece)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from broadsheet.config import Settings
from broadsheet.engines import ocr_engine, rotation_classifier
from broadsheet.engines.base import Quad, line_boxes
from broadsheet.ingest.files import ingest_file
from broadsheet.model.geometry import Polygon
from broadsheet.stages.orientation import _densest_samples, _tall_boxes
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.working_images import WorkingImages


def main() -> None:
    settings = Settings()
    engine = ocr_engine(settings.ocr.engine)
    classifier = rotation_classifier()
    with tempfile.TemporaryDirectory(prefix="broadsheet-orientation-") as folder:
        images = WorkingImages(Path(folder))
        preprocess = Preprocess(settings.preprocess, images)
        for path in map(Path, sys.argv[1:]):
            for page in ingest_file(path, settings.ingest):
                gray = images.read(preprocess(page))
                every: list[Quad] = []
                samples = []
                for sample in _densest_samples(gray):
                    quads = line_boxes(engine, sample)
                    every.extend(quads)
                    shapes = [Polygon.from_points(quad) for quad in quads]
                    lines = [p for p in shapes if max(p.width, p.height) >= 2 * min(p.width, p.height)]
                    samples.append({"boxes": len(quads), "elongated": len(lines),
                                    "tall": sum(p.height > 1.5 * p.width for p in lines),
                                    "tall_verdict": _tall_boxes(quads)})
                turns = classifier.quarter_turns(gray)
                print(json.dumps({"page": f"{path.name} {page.id}", "model_quarter_turns": turns,
                                  "all_samples_tall": _tall_boxes(every), "samples": samples}), flush=True)


if __name__ == "__main__":
    main()
