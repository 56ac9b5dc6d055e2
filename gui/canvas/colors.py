"""Colours of the cloud as float32 RGBA arrays (no Qt): frequency ramp, categories, highlight roles."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

ALPHA = 0.75
# viridis, sampled: frequent words are bright yellow-green, rare ones deep blue-purple
_VIRIDIS = np.array([[0.267, 0.005, 0.329], [0.283, 0.141, 0.458], [0.254, 0.265, 0.530],
                     [0.207, 0.372, 0.553], [0.164, 0.471, 0.558], [0.128, 0.567, 0.551],
                     [0.135, 0.659, 0.518], [0.267, 0.749, 0.441], [0.478, 0.821, 0.318],
                     [0.741, 0.873, 0.150], [0.993, 0.906, 0.144]], np.float32)
# Tableau-like qualitative palette, bright enough on a dark background
PALETTE = np.array([[0.35, 0.62, 0.95], [1.00, 0.60, 0.20], [0.40, 0.80, 0.40], [0.95, 0.35, 0.35],
                    [0.70, 0.55, 0.90], [0.75, 0.55, 0.45], [0.95, 0.55, 0.80], [0.70, 0.70, 0.70],
                    [0.80, 0.80, 0.30], [0.30, 0.85, 0.85], [0.55, 0.75, 1.00], [1.00, 0.75, 0.50],
                    [0.60, 0.90, 0.55], [1.00, 0.60, 0.60], [0.80, 0.70, 1.00], [0.85, 0.70, 0.60],
                    [1.00, 0.75, 0.90], [0.85, 0.85, 0.85], [0.90, 0.90, 0.55]], np.float32)
OTHER = np.array([0.45, 0.45, 0.45], np.float32)

# Highlight roles, weakest first: a word in several roles shows the last one.
ROLE_ORDER = ("marked", "placed", "neighbour", "selection", "expression", "result", "query", "hover")
UNLABELLED = ("marked",)  # roles drawn without a label (there may be many)
ROLE_COLORS = {
    "marked": (1.0, 0.2, 0.2, 1.0), "probe": (0.3, 1.0, 1.0, 1.0),
    "placed": (1.0, 1.0, 1.0, 0.9), "neighbour": (1.0, 0.78, 0.35, 1.0), "selection": (1.0, 1.0, 1.0, 1.0),
    "expression": (0.45, 1.0, 0.45, 1.0), "result": (1.0, 0.35, 0.9, 1.0),
    "query": (1.0, 0.55, 0.1, 1.0), "hover": (1.0, 1.0, 0.4, 1.0),
}
ROLE_SIZE = {"query": 1.4, "result": 1.4, "hover": 1.3, "placed": 1.0, "marked": 0.8, "probe": 1.8}
TOP_LABEL = (0.85, 0.87, 0.9, 0.85)
CLUSTER_NAME = (0.93, 0.95, 1.0, 0.7)  # names of clusters: larger, bold, the points show through
LINK = (1.0, 0.85, 0.4, 0.55)
ARROW = (0.45, 1.0, 0.45, 1.0)
ARROW_RESULT = (1.0, 0.35, 0.9, 1.0)
ARROW_HELPER = (0.7, 0.7, 0.7, 0.6)
MOVE = (1.0, 0.62, 0.25, 0.95)  # a compared word's move: from its place to its other vector's
TARGET_LABEL = (0.85, 0.87, 0.9, 0.95)


def _interpolate(t: np.ndarray) -> np.ndarray:
    t = np.clip(np.asarray(t, np.float32), 0, 1) * (len(_VIRIDIS) - 1)
    lo = np.floor(t).astype(int).clip(0, len(_VIRIDIS) - 2)
    f = (t - lo)[:, None]
    return (_VIRIDIS[lo] * (1 - f) + _VIRIDIS[lo + 1] * f).astype(np.float32)


_LUT = _interpolate(np.linspace(0, 1, 256))


def ramp(t: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Viridis colours for t in [0, 1] (a 256-entry RGBA table: one np.take per point, a third of the time
    of indexing the table with an array: 400,000 points are coloured on the GUI thread)."""
    i = (np.clip(np.asarray(t, np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
    table = np.empty((len(_LUT), 4), np.float32)
    table[:, :3] = _LUT
    table[:, 3] = alpha
    return np.take(table, i, axis=0)


def frequency(rows: np.ndarray, vocab: int | None = None) -> np.ndarray:
    """Colour by frequency rank (row order): log scale, most frequent brightest. In float32: a rank is exact
    up to 16.7 million, and the colour is one of 256."""
    rows = np.asarray(rows, np.float32)
    top = np.float32(np.log1p(max(float(vocab or (rows.max() + 1 if len(rows) else 1)), 2.0)))
    return ramp(1.0 - np.log1p(rows) / top)


def categories(values: Sequence[str], alpha: float = ALPHA) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """Colours by category, the most common first; beyond the palette, grey. Returns (colours, legend)."""
    counts = Counter(values)
    order = [v for v, _ in counts.most_common(len(PALETTE))]
    lookup = {v: i for i, v in enumerate(order)}
    idx = np.array([lookup.get(v, -1) for v in values], int)
    rgb = np.where((idx >= 0)[:, None], PALETTE[idx.clip(0)], OTHER)
    out = np.hstack([rgb, np.full((len(idx), 1), alpha, np.float32)]).astype(np.float32)
    legend = [(v, tuple(PALETTE[i])) for v, i in lookup.items()]
    if len(counts) > len(order):
        legend.append((f"{len(counts) - len(order)} more", tuple(OTHER)))
    return out, legend


def numeric_or_categories(values: Sequence[str]) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """A metadata column: a colour ramp if every value is a number, else categories."""
    try:
        x = np.array([float(v) for v in values], np.float64)
    except ValueError:
        return categories(values)
    if len(set(values)) <= len(PALETTE):
        return categories(values)
    lo, hi = np.nanpercentile(x, [1, 99]) if len(x) else (0.0, 1.0)
    t = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    return ramp(t), [(f"{lo:.3g}", tuple(_VIRIDIS[0])), (f"{hi:.3g}", tuple(_VIRIDIS[-1]))]


def clusters(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels, int)
    rgb = np.where((labels < len(PALETTE))[:, None], PALETTE[labels % len(PALETTE)], OTHER)
    return np.hstack([rgb, np.full((len(labels), 1), ALPHA, np.float32)]).astype(np.float32)
