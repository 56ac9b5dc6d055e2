"""Write a layout as CSV: word, x, y, z, then metadata and extra columns (Qt-free)."""
from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..io import atomic_open


def write_layout_csv(es: EmbeddingSet, rows: Sequence[int], coords: np.ndarray, path: str | Path, *,
                     axis_names: Sequence[str] = ("x", "y", "z"),
                     extra_columns: dict[str, Sequence[str]] | None = None) -> Path:
    """One row per point, written atomically. Coordinates keep 6 significant digits."""
    path = Path(path)
    rows = np.asarray(rows, dtype=np.int64)
    coords = np.asarray(coords, dtype=np.float64)
    if coords.shape != (len(rows), 3):
        raise ValueError(f"coords must be ({len(rows)}, 3), got {coords.shape}")
    meta = {k: v for k, v in es.metadata.items() if k.lower() not in ("word", "label")}
    extra = dict(extra_columns or {})
    with atomic_open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["word", *axis_names, *meta, *extra])
        for i, r in enumerate(rows.tolist()):
            w.writerow([es.words[r], *(f"{c:.6g}" for c in coords[i]), *(meta[k][r] for k in meta),
                        *(extra[k][i] for k in extra)])
    return path
