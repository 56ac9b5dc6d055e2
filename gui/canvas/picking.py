"""Screen-space picking for the 3D view (numpy only).

Points are projected with the view's projection x view matrix (the same
matrices pyqtgraph's GLViewWidget renders with) to widget pixels; a click or
hover picks the nearest projected point within a few pixels, the nearest to
the camera on a tie.
"""
from __future__ import annotations

import numpy as np

RADIUS = 6.0  # pixels


def project(
    points: np.ndarray, mvp: np.ndarray, width: float, height: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Widget pixel coordinates (n, 2), depth in NDC (n,) and a mask of points in front of the camera."""
    p = np.asarray(points, np.float32)
    if not len(p):
        return np.empty((0, 2), np.float32), np.empty(0, np.float32), np.empty(0, bool)
    m = np.asarray(mvp, np.float32)
    clip = p @ m[:3, :3].T + m[:3, 3]
    w = p @ m[3, :3] + m[3, 3]
    front = w > 1e-6
    w = np.where(front, w, 1.0)
    ndc = clip / w[:, None]
    xy = np.empty((len(p), 2), np.float32)
    xy[:, 0] = (ndc[:, 0] + 1.0) * 0.5 * width
    xy[:, 1] = (1.0 - ndc[:, 1]) * 0.5 * height
    return xy, ndc[:, 2], front & (np.abs(ndc[:, 2]) <= 1.0)


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
