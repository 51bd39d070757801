"""The GPU benchmark's CPU-side logic: without onnxruntime-gpu it stops with the reason, before any page."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_gpu_benchmark_names_what_it_needs_where_there_is_no_cuda_provider() -> None:
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this machine has ONNX Runtime's CUDA provider: run benchmarks/gpu_throughput.py itself")
    done = subprocess.run([sys.executable, "-m", "benchmarks.gpu_throughput", "--pages", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "no CUDA execution provider" in done.stderr and "broadsheet[gpu]" in done.stderr
