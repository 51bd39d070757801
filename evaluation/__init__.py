"""Evaluation: scoring runs against ground truth, and tools for measuring. Not part of the shipped product.

Nothing in `pipeline/` imports from here; benchmarks and tests do.
"""
