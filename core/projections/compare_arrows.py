"""The moves of a comparison drawn in the cloud (Qt-free): for the words that moved most, an arrow from
the word's place in the layout to where its vector in the other set lands once turned into this set's
space (core.embeddings.compare: ``b_in_a`` / ``a_in_b``), placed with core/projections/placement.py.

    arrows = run_sync(move_arrows(es, layout, cmp, other, es_is_a=True, top=25))
    # [(word, start xyz, end xyz), ...] in the layout's coordinates
"""
from __future__ import annotations

import numpy as np

from ..embeddings.compare import Comparison
from ..embeddings.embedding_set import EmbeddingSet
from ..progress import Job, Progress
from .layout import Layout
from .placement import place_vectors


def _unit(es: EmbeddingSet, rows: np.ndarray) -> np.ndarray:
    v = np.asarray(es.vectors[rows], np.float32)
    return v * np.asarray(es.inv_norms[rows], np.float32)[:, None]


def move_arrows(es: EmbeddingSet, layout: Layout, cmp: Comparison, other: EmbeddingSet, *, es_is_a: bool,
                top: int = 25, order: np.ndarray | None = None) -> Job[list[tuple[str, np.ndarray, np.ndarray]]]:
    """Arrows of the first ``top`` words of ``order`` (default: moved most first); ``es`` is the set on show
    (the comparison's first set when ``es_is_a``), ``other`` the one it was compared with."""
    idx = (cmp.order() if order is None else np.asarray(order, np.int64))[:max(top, 0)]
    if not len(idx):
        return []
    own, far = (cmp.rows_a, cmp.rows_b) if es_is_a else (cmp.rows_b, cmp.rows_a)
    rows, other_rows = own[idx], far[idx]
    turned = cmp.b_in_a(_unit(other, other_rows)) if es_is_a else cmp.a_in_b(_unit(other, other_rows))
    if turned is None:
        return []
    yield Progress(0.2, f"placing {len(idx)} moved words")
    pos = layout.positions(rows.tolist())
    start = np.empty((len(rows), 3), np.float32)
    inside = pos >= 0
    start[inside] = layout.coords[pos[inside]]
    if (~inside).any():
        start[~inside] = place_vectors(es, layout, np.asarray(es.vectors[rows[~inside]], np.float32))
    yield Progress(0.6, f"placing where {len(idx)} words moved to")
    end = place_vectors(es, layout, turned.astype(np.float32))
    yield Progress(1.0, "placed")
    return [(cmp.words[i], start[j], np.asarray(end[j], np.float32)) for j, i in enumerate(idx.tolist())]
