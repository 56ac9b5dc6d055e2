"""Embedding Explorer engine: embedding sets, search, arithmetic, models.

Nothing in this package may import Qt (enforced by tests/core/test_layering.py).
"""
