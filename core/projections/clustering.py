"""k-means clusters of a point set for colouring the cloud (Qt-free job).

MiniBatchKMeans on the unit vectors (so clusters follow cosine similarity),
fed in mini-batches by ``partial_fit`` so the job yields (and can be
cancelled) between batches. Fixed seed; labels are renumbered by cluster size,
largest first, so colours are stable between runs.
"""
from __future__ import annotations

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import ExplorerError
from ..progress import Job, Progress
from .layout import unit_rows

BATCH = 4096


def kmeans(es: EmbeddingSet, rows, k: int = 12, *, epochs: int = 5, seed: int = 0) -> Job[np.ndarray]:
    """Cluster labels (int32, 0 = largest cluster) for `rows`."""
    from sklearn.cluster import MiniBatchKMeans

    rows = np.asarray(rows, dtype=np.int64)
    if not 2 <= k <= 256:
        raise ExplorerError(f"k-means needs 2 to 256 clusters, got {k}")
    if len(rows) < k:
        raise ExplorerError(f"k-means with {k} clusters needs at least {k} points, got {len(rows)}")
    X = unit_rows(es, rows)
    rng = np.random.default_rng(seed)
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=min(BATCH, len(X)), n_init=1)
    steps = epochs * max(1, -(-len(X) // BATCH))
    done = 0
    first = X[rng.permutation(len(X))[: max(BATCH, 3 * k)]]
    km.partial_fit(first)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X), BATCH):
            km.partial_fit(X[order[s: s + BATCH]])
            done += 1
            yield Progress(0.9 * done / steps, f"k-means: epoch {epoch + 1} of {epochs}")
    labels = km.predict(X)
    sizes = np.bincount(labels, minlength=k)
    rank = np.empty(k, dtype=np.int32)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(k, dtype=np.int32)
    yield Progress(1.0, "k-means done")
    return rank[labels]
