"""Evaluation: scoring runs against ground truth, and tools for measuring. Not part of the shipped product.

Nothing in `broadsheet/` imports from here; benchmarks and tests do.
"""
