"""The density view, for clouds whose points are too many to tell apart (numpy; the views draw it).

* 2D: a smoothed histogram of the points (a Gaussian kernel density estimate on a grid) drawn as a
  shaded image with contour lines at fixed shares of its peak (View2D: an ImageItem and IsocurveItems).
* 3D: each point's local density (the same estimate on a 3D grid) lowers its opacity, so where points
  pile up their overlap builds a smooth shade instead of a solid blob, and sparse points stay clear.
"""
from __future__ import annotations

import numpy as np

BINS_2D, BINS_3D = 128, 48
SIGMA = 2.0  # the kernel's width in grid cells
CONTOURS = (0.1, 0.3, 0.6)  # contour levels as shares of the peak density
FLOOR = 0.12  # the opacity left to a point in the densest place (3D)


def _smooth(grid: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    """A separable Gaussian blur along every axis (zero outside)."""
    r = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in range(grid.ndim):
        grid = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, grid)
    return grid


def grid_density(points: np.ndarray, bins: int, span: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The smoothed point count on a grid of `bins` cells a side over `span` (lo, hi; default the points'
    range with a margin): (grid, lo, cell size)."""
    p = np.asarray(points, np.float64)
    if span is None:
        lo, hi = np.percentile(p, 0.5, axis=0), np.percentile(p, 99.5, axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-6)
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = (np.asarray(v, np.float64) for v in span)
    step = np.maximum(hi - lo, 1e-9) / bins
    counts, _ = np.histogramdd(p, bins=bins, range=list(zip(lo, hi)))
    return _smooth(counts), lo, step


def point_density(pos: np.ndarray, bins: int = BINS_3D) -> np.ndarray:
    """Each point's local density, 0..1 (1 at the 99th percentile of the points' densities and above)."""
    if not len(pos):
        return np.zeros(0, np.float32)
    grid, lo, step = grid_density(pos, bins)
    cell = np.clip(((np.asarray(pos, np.float64) - lo) / step).astype(int), 0, bins - 1)
    d = grid[tuple(cell.T)]
    top = float(np.percentile(d, 99)) or 1.0
    return np.clip(d / top, 0.0, 1.0).astype(np.float32)


def shaded(colors: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The points' colours with their opacity lowered by their local density (3D shading)."""
    out = np.array(colors, np.float32, copy=True)
    if len(out) != len(pos) or not len(out):
        return out
    d = point_density(pos)
    out[:, 3] *= FLOOR + (1.0 - FLOOR) * (1.0 - d) ** 2
    return out


def density_image(xy: np.ndarray, bins: int = BINS_2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 2D estimate scaled to 0..1 of its peak: (grid [x, y], lo, cell size)."""
    grid, lo, step = grid_density(np.asarray(xy)[:, :2], bins)
    peak = float(grid.max()) or 1.0
    return (grid / peak).astype(np.float32), lo, step


def shade_rgba(grid: np.ndarray, upsample: int = 4) -> np.ndarray:
    """A shaded picture of a 0..1 density grid, `upsample` times finer (bilinear: no blocks when zoomed in):
    transparent where empty, a warm glow where dense."""
    from scipy.ndimage import zoom

    g = np.sqrt(np.clip(zoom(grid, upsample, order=1), 0.0, 1.0))
    rgba = np.empty((*g.shape, 4), np.uint8)
    rgba[..., 0] = 255 * np.clip(0.35 + 0.65 * g, 0, 1)
    rgba[..., 1] = 255 * np.clip(0.25 + 0.55 * g, 0, 1)
    rgba[..., 2] = 255 * np.clip(0.55 - 0.35 * g, 0, 1)
    rgba[..., 3] = 255 * np.clip(0.75 * g, 0, 1)
    return rgba
