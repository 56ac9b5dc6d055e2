"""Probes: vectors that are no row of the set (``session.cloud.probes``, e.g. a drawn digit's
500-wide vector), placed live into the layout on screen by the CloudController
(``session.cloud.placed_probes``) and drawn here as labelled highlights."""
from __future__ import annotations

import numpy as np

from gui.canvas import colors
from gui.canvas.scene import HIGHLIGHT_SIZE, CloudScene, Label


def with_probes(placed: tuple[tuple[str, np.ndarray], ...], scene: CloudScene, pos: np.ndarray, col: np.ndarray,
                size: np.ndarray, labels: list[Label]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Highlight arrays with the placed probes (layout coordinates) appended; their labels go first in `labels`."""
    if not placed:
        return pos, col, size
    p = scene.frame.apply(np.stack([c for _, c in placed]))
    for (label, _), at in zip(placed, p):
        labels.insert(0, Label(at, label, colors.ROLE_COLORS["probe"], bold=True))
    n = len(p)
    return (np.vstack([pos, p]).astype(np.float32),
            np.vstack([col, np.tile(colors.ROLE_COLORS["probe"], (n, 1))]).astype(np.float32),
            np.concatenate([size, np.full(n, HIGHLIGHT_SIZE * colors.ROLE_SIZE["probe"], np.float32)]))
