"""Screen-space picking for the 3D view (numpy only).

Points are projected with the view's projection x view matrix (the same
matrices pyqtgraph's GLViewWidget renders with) to widget pixels; a click or
hover picks the nearest projected point within a few pixels, the nearest to
the camera on a tie.
"""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

RADIUS = 6.0  # pixels


def mvp_of(view) -> np.ndarray:
    """projection x view matrix of a GLViewWidget (anything with width, height, projectionMatrix
    and viewMatrix) as a numpy (4, 4) array (row-major)."""
    w, h = max(view.width(), 1), max(view.height(), 1)
    m = view.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * view.viewMatrix()
    return np.array(m.data(), np.float32).reshape(4, 4).T


def project(
    points: np.ndarray, mvp: np.ndarray, width: float, height: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Widget pixel coordinates (n, 2), depth in NDC (n,) and a mask of points in front of the camera."""
    p = np.asarray(points, np.float32)
    if not len(p):
        return np.empty((0, 2), np.float32), np.empty(0, np.float32), np.empty(0, bool)
    m = np.asarray(mvp, np.float32)
    with threadpool_limits(1):  # BLAS threads only wait for each other on a product this thin
        h = p @ m[:, :3].T  # (n, 4) clip coordinates in one product
    h += m[:, 3]
    w = h[:, 3]
    front = w > 1e-6
    inv = 1.0 / np.where(front, w, np.float32(1.0))
    xy = np.empty((len(p), 2), np.float32)
    np.multiply(h[:, 0], inv, out=xy[:, 0])
    np.multiply(h[:, 1], inv, out=xy[:, 1])
    xy[:, 0] += 1.0
    xy[:, 0] *= 0.5 * width
    np.subtract(1.0, xy[:, 1], out=xy[:, 1])
    xy[:, 1] *= 0.5 * height
    depth = h[:, 2] * inv
    return xy, depth, front & (np.abs(depth) <= 1.0)


def nearest(xy: np.ndarray, depth: np.ndarray, visible: np.ndarray, x: float, y: float, radius: float = RADIUS) -> int:
    """Index of the point nearest to (x, y) within `radius` pixels, or -1."""
    if not len(xy):
        return -1
    d2 = (xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2
    d2 = np.where(visible, d2, np.inf)
    near = np.flatnonzero(d2 <= radius * radius)
    if not len(near):
        return -1
    best = d2[near].min()
    tie = near[d2[near] <= best + 1.0]  # within a pixel: take the one in front
    return int(tie[np.argmin(depth[tie])])


def pick(
    points: np.ndarray, mvp: np.ndarray, width: float, height: float, x: float, y: float, radius: float = RADIUS
) -> int:
    xy, depth, visible = project(points, mvp, width, height)
    return nearest(xy, depth, visible, x, y, radius)
