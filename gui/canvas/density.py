"""The density view, for clouds whose points are too many to tell apart (numpy; the views draw it).

* 2D: a smoothed histogram of the points (a Gaussian kernel density estimate on a grid) drawn as a
  shaded image with contour lines at fixed shares of its peak (View2D: an ImageItem and IsocurveItems).
* 3D: each point's local density (the same estimate on a 3D grid) lowers its opacity, so where points
  pile up their overlap builds a smooth shade instead of a solid blob, and sparse points stay clear.
  Above THIN_ABOVE points (all 400,000 GloVe words) the dense places are also thinned (`thinned`): one
  point in k drawn with the opacity of k, the same shade for a fraction of the renderer's work.
"""
from __future__ import annotations

import functools

import numpy as np

BINS_2D, BINS_3D = 128, 48
SIGMA = 2.0  # the kernel's width in grid cells
CONTOURS = (0.1, 0.3, 0.6)  # contour levels as shares of the peak density
FLOOR = 0.12  # the opacity left to a point in the densest place (3D)
SAMPLE = 50_000  # the grid's span and the densities' scale are read from an evenly spaced sample of this many


def _smooth(grid: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    """A separable Gaussian blur along every axis (zero outside): a sum of shifted copies (numpy alone: importing
    scipy.ndimage on the GUI thread costs a quarter of a second)."""
    r = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in range(grid.ndim):
        pad = [(0, 0)] * grid.ndim
        pad[axis] = (r, r)
        padded = np.pad(grid, pad)
        n = grid.shape[axis]
        out = np.zeros_like(grid, dtype=np.float64)
        for j, w in enumerate(kernel):
            out += w * padded[(slice(None),) * axis + (slice(j, j + n),)]
        grid = out
    return grid


def _sample(p: np.ndarray, n: int = SAMPLE) -> np.ndarray:
    return p[:: max(1, len(p) // n)]


def grid_density(points: np.ndarray, bins: int, span: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The smoothed point count on a grid of `bins` cells a side over `span` (lo, hi; default the points'
    range with a margin): (grid, lo, cell size)."""
    grid, lo, step, _ = _grid_and_cells(points, bins, span)
    return grid, lo, step


def _grid_and_cells(points: np.ndarray, bins: int, span=None):
    """The smoothed counts, the grid's corner and cell size, and each point's flat cell (-1 outside)."""
    p = np.asarray(points, np.float32)
    if span is None:
        few = _sample(p)
        lo, hi = np.percentile(few, 0.5, axis=0), np.percentile(few, 99.5, axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-6)
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = (np.asarray(v, np.float64) for v in span)
    step = np.maximum(hi - lo, 1e-9) / bins
    t = (p - lo.astype(np.float32)) * (1.0 / step).astype(np.float32)  # in cells
    inside = ((t >= 0) & (t < bins)).all(axis=1)
    cell = np.clip(t, 0, bins - 1).astype(np.int32)
    flat = cell[:, 0].astype(np.int64)
    for axis in range(1, p.shape[1]):
        flat = flat * bins + cell[:, axis]
    counts = np.bincount(flat[inside], minlength=bins ** p.shape[1]).astype(np.float64)
    return _smooth(counts.reshape((bins,) * p.shape[1])), lo, step, flat


def point_density(pos: np.ndarray, bins: int = BINS_3D) -> np.ndarray:
    """Each point's local density, 0..1 (1 at the 99th percentile of the points' densities and above)."""
    if not len(pos):
        return np.zeros(0, np.float32)
    grid, _, _, flat = _grid_and_cells(pos, bins)
    d = grid.ravel()[flat]  # a point outside the grid takes its nearest edge cell's density
    top = float(np.percentile(_sample(d), 99)) or 1.0
    return np.clip(d / top, 0.0, 1.0).astype(np.float32)


def shaded(colors: np.ndarray, pos: np.ndarray, d: np.ndarray | None = None) -> np.ndarray:
    """The points' colours with their opacity lowered by their local density `d` (3D shading)."""
    out = np.array(colors, np.float32, copy=True)
    if len(out) != len(pos) or not len(out):
        return out
    d = point_density(pos) if d is None else d
    out[:, 3] *= FLOOR + (1.0 - FLOOR) * (1.0 - d) ** 2
    return out


def density_image(xy: np.ndarray, bins: int = BINS_2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 2D estimate scaled to 0..1 of its peak: (grid [x, y], lo, cell size)."""
    grid, lo, step = grid_density(np.asarray(xy)[:, :2], bins)
    peak = float(grid.max()) or 1.0
    return (grid / peak).astype(np.float32), lo, step


def _stretch(n: int, factor: int) -> np.ndarray:
    """The (n * factor, n) matrix of linear interpolation along one axis, the first and last samples kept at
    the ends (as scipy.ndimage.zoom with order=1 places them)."""
    m = n * factor
    x = np.arange(m) * ((n - 1) / max(m - 1, 1))
    i = np.minimum(x.astype(np.int64), max(n - 2, 0))
    w = (x - i) if n > 1 else np.zeros(m)
    out = np.zeros((m, n))
    out[np.arange(m), i] = 1.0 - w
    if n > 1:
        out[np.arange(m), i + 1] += w
    return out


def _bilinear(grid: np.ndarray, factor: int) -> np.ndarray:
    """A 2D grid `factor` times finer by bilinear interpolation: two small matrix products (importing
    scipy.ndimage for its zoom cost a quarter of a second on the GUI thread the first time)."""
    rows, cols = _stretch(grid.shape[0], factor), _stretch(grid.shape[1], factor)
    return rows @ np.asarray(grid, np.float64) @ cols.T


def shade_rgba(grid: np.ndarray, upsample: int = 4) -> np.ndarray:
    """A shaded picture of a 0..1 density grid, `upsample` times finer (bilinear: no blocks when zoomed in):
    transparent where empty, a warm glow where dense."""
    g = np.sqrt(np.clip(_bilinear(grid, upsample), 0.0, 1.0))
    rgba = np.empty((*g.shape, 4), np.uint8)
    rgba[..., 0] = 255 * np.clip(0.35 + 0.65 * g, 0, 1)
    rgba[..., 1] = 255 * np.clip(0.25 + 0.55 * g, 0, 1)
    rgba[..., 2] = 255 * np.clip(0.55 - 0.35 * g, 0, 1)
    rgba[..., 3] = 255 * np.clip(0.75 * g, 0, 1)
    return rgba


THIN_ABOVE = 50_000  # a denser cloud drawn with its density view on is thinned where points pile up
THIN_MAX = 8  # at most one point in this many is drawn in the densest places


@functools.lru_cache(maxsize=2)
def _draws(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(n, dtype=np.float32)


def thinned(colors: np.ndarray, pos: np.ndarray, most: int = THIN_MAX, seed: int = 0,
            d: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Level of detail for the 3D density view: the indices of the points to draw and their colours.

    Where points pile up, only one in k is drawn (k grows with the local density, up to `most`), each with
    the opacity that k overlapping copies of it would build (1 - (1 - a)^k), so the shade looks the same and
    the renderer draws a fraction of the points; sparse points are all drawn as `shaded` colours them.
    Which points stay is fixed (a seeded draw), so the cloud does not flicker between frames. `d`: the points'
    densities when known (point_density)."""
    if len(colors) != len(pos) or not len(pos):
        return np.arange(len(colors)), np.asarray(colors, np.float32)
    d = point_density(pos) if d is None else d
    k = 1.0 + (most - 1) * d * d
    keep = np.flatnonzero(_draws(len(pos), seed) * k < 1.0)
    out = np.asarray(colors, np.float32)[keep]
    dk = d[keep]
    alpha = out[:, 3] * (FLOOR + (1.0 - FLOOR) * (1.0 - dk) ** 2)  # as `shaded` fades it
    out[:, 3] = 1.0 - (1.0 - alpha) ** k[keep]
    return keep, out
