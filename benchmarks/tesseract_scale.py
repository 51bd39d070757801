"""Issue #20: does Tesseract read the Fraktur pages better at a smaller scale (an x-height nearer the 20-30 px its LSTM
models were trained on)? Each Kant and NZZ page, whole, is read by `Fraktur+frk` (`--psm 3`, one thread, told the
scaled dpi) at every scale given, and scored with dinglehopper against the PAGE truth: CER in reading order, and
line-matched CER; with the CPU seconds of each read.

    python -m benchmarks.tesseract_scale                    # scales 1.0, 0.75, 0.6, 0.5

Results: benchmarks/results/tesseract_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from dinglehopper.extracted_text import ExtractedText
from PIL import Image

from evaluation.real_scores import line_matched_cer, page_truth_text, text_scores, truth_lines
from evaluation.real_sets import read_page_xml, real_pages

RESULTS = Path(__file__).parent / "results" / "tesseract_scale.json"
SCAN_DPI = {"nzz": 475, "kant": 300}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_scaled(image: np.ndarray, scale: float, dpi: int) -> tuple[str, float]:
    """Tesseract's text of the image scaled by `scale`, and the CPU seconds it took."""
    scaled = image if scale == 1 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.png"
        cv2.imwrite(str(path), scaled)
        before = children_cpu()
        text = subprocess.run(["tesseract", str(path), "-", "-l", "Fraktur+frk", "--psm", "3",
                               "--dpi", str(round(dpi * scale))], capture_output=True, text=True, check=True,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
        return text, children_cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 0.75, 0.6, 0.5])
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for page in real_pages(["kant", "nzz"]):
        if page.truth is None:
            continue
        truth = read_page_xml(page.truth)
        image = np.array(Image.open(page.source).convert("L"))  # OpenCV cannot read NZZ's 4-bit TIFFs
        for scale in args.scales:
            text, cpu = read_scaled(image, scale, SCAN_DPI[page.set])
            scores = text_scores(page_truth_text(truth), ExtractedText.from_str(text))
            lines = [line for line in text.splitlines() if line.strip()]
            rows.append({"page": page.name, "scale": scale, "cer": round(scores.cer, 4),
                         "cer_line_matched": round(line_matched_cer(truth_lines(truth), lines), 4),
                         "truth_characters": scores.characters, "cpu_s": round(cpu, 2)})
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
