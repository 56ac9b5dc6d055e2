"""How a tensor is drawn, by its rank (Qt-free): a grid of heatmaps for feature maps (C, H, W),
one heatmap for a matrix (tokens x features), bars for a short vector, a histogram for a long
one, a number for a scalar. A leading batch axis of 1 is dropped; higher ranks show their first
slice, and the note says what was left out.

    form = form_of("relu1", activations)      # TensorForm(kind="grid", data=(20, 24, 24), ...)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_MAPS = 64  # feature maps shown in a grid
MAX_BARS = 64  # longer vectors become a histogram
BINS = 40


@dataclass(frozen=True, eq=False)
class TensorForm:
    name: str
    kind: str  # "grid" | "matrix" | "bars" | "histogram" | "scalar"
    data: np.ndarray  # grid (C, H, W) | matrix (R, C) | bars (n,) | histogram counts (BINS,) | scalar ()
    shape: tuple[int, ...]  # the tensor's own shape
    low: float
    high: float
    mean: float
    note: str = ""
    edges: np.ndarray | None = None  # histogram bin edges (BINS + 1,)

    def describe(self) -> str:
        text = (f"{'×'.join(map(str, self.shape)) or 'scalar'} · min {self.low:.3g} · max {self.high:.3g} · "
                f"mean {self.mean:.3g}")
        return text + (f" · {self.note}" if self.note else "")


def form_of(name: str, value: np.ndarray) -> TensorForm:
    a = np.asarray(value)
    shape = tuple(int(d) for d in a.shape)
    notes = []
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: a tensor of {a.dtype} cannot be drawn")
    a = a.astype(np.float32, copy=False)
    if not np.isfinite(a).all():
        notes.append(f"{int((~np.isfinite(a)).sum()):,} values not finite (drawn as 0)")
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    while a.ndim > 1 and a.shape[0] == 1:
        a = a[0]
    if a.ndim > 3:
        lead = a.ndim - 3
        notes.insert(0, f"showing [{', '.join(['0'] * lead)}, …] of {shape}")
        a = a[(0,) * lead]
    low, high, mean = (float(a.min()), float(a.max()), float(a.mean())) if a.size else (0.0, 0.0, 0.0)
    edges = None
    if a.ndim == 3:
        kind = "grid"
        if a.shape[0] > MAX_MAPS:
            notes.append(f"first {MAX_MAPS} of {a.shape[0]} maps")
            a = a[:MAX_MAPS]
    elif a.ndim == 2:
        kind = "matrix"
    elif a.ndim == 1 and len(a) <= MAX_BARS:
        kind = "bars"
    elif a.ndim == 1:
        kind = "histogram"
        counts, edges = np.histogram(a, bins=BINS, range=(low, high) if high > low else (low - 0.5, low + 0.5))
        a = counts.astype(np.float32)
        notes.append(f"histogram of {int(np.size(value)):,} values")
    else:
        kind = "scalar"
    return TensorForm(name, kind, np.ascontiguousarray(a), shape, low, high, mean, "; ".join(notes), edges)
