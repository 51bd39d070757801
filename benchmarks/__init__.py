"""Speed, memory and accuracy measurements; each writes its results under benchmarks/results/."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(name: str, results: dict[str, Any]) -> Path:
    """results/NAME.json: the results with the date and the machine's core count in front."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores", **results}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return path
