"""Probes: vectors that are no row of the set (``session.cloud.probes``, e.g. a drawn digit's
500-wide vector), placed live into the layout on screen and drawn as labelled highlights.

Placement is the layout's own (core.projections.placement.place_vectors: exact for PCA, the
fitted UMAP's transform, the neighbour mean for t-SNE). An exact placement is a small matrix
product and runs at once; the others run on the task runner (kind "cloud.probes"), where a newer
request supersedes an older one, so placement keeps up with a stream of probes.
"""
from __future__ import annotations

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.progress import Job, Progress, run_sync
from core.projections.layout import Layout
from core.projections.placement import method_for, place_vectors
from core.state.session import Session
from gui.canvas import colors
from gui.canvas.scene import HIGHLIGHT_SIZE, CloudScene, Label
from gui.task_runner import TaskRunner

KIND = "cloud.probes"


def probe_job(es: EmbeddingSet, layout: Layout, probes: tuple) -> Job[list[tuple[str, np.ndarray]]]:
    yield Progress(-1, "placing probes")
    fit = [(label, np.asarray(v, np.float32)) for label, v in probes if np.shape(v) == (es.dim,)]
    if not fit:
        return []
    coords = place_vectors(es, layout, np.stack([v for _, v in fit]))
    return [(label, c) for (label, _), c in zip(fit, coords)]


class Probes:
    """The placed probes of the layout on screen (layout coordinates)."""

    def __init__(self, session: Session, runner: TaskRunner, on_placed) -> None:
        self._session, self._runner, self._on_placed = session, runner, on_placed
        self.placed: list[tuple[str, np.ndarray]] = []

    def request(self, layout: Layout | None) -> None:
        es, probes = self._session.embeddings, self._session.cloud.probes
        if layout is None or es is None or not probes:
            self._runner.cancel(KIND, emit=False)
            self.placed = []
            self._on_placed()
            return
        if method_for(layout) == "exact":  # microseconds: no thread hop
            self._runner.cancel(KIND, emit=False)
            self._done(run_sync(probe_job(es, layout, probes)))
            return
        self._runner.run(KIND, lambda: probe_job(es, layout, probes), self._done, label="placing probes")

    def _done(self, placed: list[tuple[str, np.ndarray]]) -> None:
        self.placed = placed
        self._on_placed()

    def add_to(self, scene: CloudScene, pos: np.ndarray, col: np.ndarray, size: np.ndarray,
               labels: list[Label]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Highlight arrays with the probes appended; their labels go first in `labels`."""
        if not self.placed:
            return pos, col, size
        p = scene.frame.apply(np.stack([c for _, c in self.placed]))
        for (label, _), at in zip(self.placed, p):
            labels.insert(0, Label(at, label, colors.ROLE_COLORS["probe"], bold=True))
        n = len(p)
        return (np.vstack([pos, p]).astype(np.float32),
                np.vstack([col, np.tile(colors.ROLE_COLORS["probe"], (n, 1))]).astype(np.float32),
                np.concatenate([size, np.full(n, HIGHLIGHT_SIZE * colors.ROLE_SIZE["probe"], np.float32)]))
