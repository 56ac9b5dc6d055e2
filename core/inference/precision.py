"""Which numbers the language model computes with: the one declaration of its precisions.

``"auto"`` (the 4-bit files for cached steps when they are built and faithful, fp32 elsewhere),
``"fp32"`` (the exact model) and ``"q4"`` (the 4-bit files wherever they can answer); see
core.inference.language_model. Qt-free and import-free, so the engine, the command line and the
window read the same keys and labels.
"""
from __future__ import annotations

# key -> the short label a choice shows (the window's precision buttons)
PRECISION_LABELS: dict[str, str] = {"auto": "auto", "fp32": "fp32", "q4": "4-bit"}
PRECISIONS: tuple[str, ...] = tuple(PRECISION_LABELS)

__all__ = ["PRECISIONS", "PRECISION_LABELS"]
