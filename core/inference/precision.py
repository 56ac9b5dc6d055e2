"""Which numbers the language model computes with: the one declaration of its precisions.

``"auto"`` (the fast graph for reading and stepping when it is built; else the 4-bit files for cached steps
when they are built and faithful; fp32 elsewhere), ``"fp32"`` (the exact model), ``"q4"`` (the 4-bit files
wherever they can answer) and ``"fast"`` (the fused graph on the GGUF's own weights, models/build_fast_lm.py);
see core.inference.language_model. Qt-free and import-free, so the engine, the command line and the
window read the same keys and labels.
"""
from __future__ import annotations

# key -> the short label a choice shows (the window's precision buttons)
PRECISION_LABELS: dict[str, str] = {"auto": "auto", "fp32": "fp32", "q4": "4-bit", "fast": "fast"}
PRECISIONS: tuple[str, ...] = tuple(PRECISION_LABELS)

# The 4-bit copy (models/quantize_lm.py): the record beside the fp32 files that lists its files, their
# sha256 and its parity, and the fp32 roles it stands in for (the registry's ModelSpec.quantized).
QUANTIZED_RECORD = "quantized.json"
Q4_ROLES: tuple[str, ...] = ("model",)

__all__ = ["PRECISIONS", "PRECISION_LABELS", "Q4_ROLES", "QUANTIZED_RECORD"]
