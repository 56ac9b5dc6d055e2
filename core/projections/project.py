"""Project an embedding set to 3D as a job: PCA, t-SNE, UMAP or custom axes (Qt-free).

Every projection is a job (a generator yielding :class:`~core.progress.Progress`
and returning a :class:`~core.projections.layout.Layout`), cancellable between
yields by closing it:

    layout = run_sync(project(es, point_rows(es, 10000), "pca"))
    layout.coords            # (n, 3) float32, row i places es.words[layout.rows[i]]
    layout.info["explained_variance_ratio"]

Seeds are fixed; results are cached per (embedding set, point set, method,
parameters), in memory and on disk (see cache).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import ExplorerError
from ..progress import Job, Progress
from . import cache as projection_cache
from .layout import MAX_POINTS, METHOD_LABELS, Layout, resolve_params, subset_note
from .linear import custom_axes, pca


# -- the job -------------------------------------------------------------------------
def project(es: EmbeddingSet, rows: Sequence[int] | np.ndarray, method: str,
            params: Iterable[tuple[str, Any]] | dict | None = (), *, cache: bool = True) -> Job[Layout]:
    """Project `rows` of `es` to 3D. Yields Progress (t-SNE/UMAP with intermediate layouts)."""
    key_params = resolve_params(method, params)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) < 4:
        raise ExplorerError(f"{METHOD_LABELS[method]} needs at least 4 points, got {len(rows)}")
    cap = MAX_POINTS[method]
    if cap is not None and len(rows) > cap:
        raise ExplorerError(f"{METHOD_LABELS[method]} takes at most {cap:,} points here, got {len(rows):,}; "
                            f"lower the point count or use PCA")
    if cache:
        hit = projection_cache.lookup(es, rows, method, key_params)
        if hit is not None:
            yield Progress(1.0, f"{METHOD_LABELS[method]}: cached")
            hit.info["note"] = _note(es, rows, method)  # a layout cached before the note changed says it anew
            return hit
    p = dict(key_params)
    if method == "pca":
        layout = yield from pca(es, rows, normalize=p["normalize"])
    elif method == "axes":
        layout = yield from custom_axes(es, rows, [p["x"], p["y"], p["z"]], normalize=p["normalize"])
    elif method == "tsne":
        from .tsne import tsne  # openTSNE is imported only when used

        layout = yield from tsne(es, rows, p)
    else:
        from .umap import umap  # so is umap-learn

        layout = yield from umap(es, rows, p)
    layout.params = key_params
    layout.info.setdefault("note", _note(es, rows, method))
    if cache:
        projection_cache.store(es, rows, method, key_params, layout)
    return layout


def _note(es: EmbeddingSet, rows: np.ndarray, method: str) -> str:
    """What the view says about the point set: which rows, of how many words (or pictures)."""
    noun = "pictures" if es.images is not None else "words"
    return subset_note(method, len(rows), len(es), es.sample_of, noun)
