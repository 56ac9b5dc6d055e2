"""k-means clusters of a point set for colouring the cloud (Qt-free job).

MiniBatchKMeans on the unit vectors (so clusters follow cosine similarity),
fed in mini-batches by ``partial_fit`` so the job yields (and can be
cancelled) between batches. Fixed seed; labels are renumbered by cluster size,
largest first, so colours are stable between runs.

With ``sample``, a large point set (all 400,000 GloVe words) is fitted on an even random sample of that
many points, and every point is then given its nearest centre in blocks (yielding between them): the
centres of 50,000 of GloVe's 400,000 words describe the map as well, in a fraction of the time.
"""
from __future__ import annotations

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import ExplorerError
from ..progress import Job, Progress
from .layout import unit_rows

BATCH = 4096
ASSIGN_BLOCK = 32_768  # points given their nearest centre between two yields


def kmeans(es: EmbeddingSet, rows, k: int = 12, *, epochs: int = 5, seed: int = 0,
           sample: int | None = None) -> Job[np.ndarray]:
    """Cluster labels (int32, 0 = largest cluster) for `rows`; with `sample`, fitted on at most that many of
    them (an even random sample) and the others assigned to their nearest centre."""
    from sklearn.cluster import MiniBatchKMeans

    rows = np.asarray(rows, dtype=np.int64)
    if not 2 <= k <= 256:
        raise ExplorerError(f"k-means needs 2 to 256 clusters, got {k}")
    if len(rows) < k:
        raise ExplorerError(f"k-means with {k} clusters needs at least {k} points, got {len(rows)}")
    sampled = sample is not None and len(rows) > max(sample, k)
    fit_rows = np.sort(np.random.default_rng(seed).choice(rows, sample, replace=False)) if sampled else rows
    fit_share = 0.6 if sampled else 0.9
    X = unit_rows(es, fit_rows)
    rng = np.random.default_rng(seed)
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=min(BATCH, len(X)), n_init=1)
    steps = epochs * max(1, -(-len(X) // BATCH))
    done = 0
    first = X[rng.permutation(len(X))[: max(BATCH, 3 * k)]]
    km.partial_fit(first)
    what = f"k-means of a sample of {len(fit_rows):,}" if sampled else "k-means"
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X), BATCH):
            km.partial_fit(X[order[s: s + BATCH]])
            done += 1
            yield Progress(fit_share * done / steps, f"{what}: epoch {epoch + 1} of {epochs}")
    if sampled:
        labels = yield from nearest_centre(es, rows, km.cluster_centers_, fit_share, 0.9)
    else:
        labels = km.predict(X)
    sizes = np.bincount(labels, minlength=k)
    rank = np.empty(k, dtype=np.int32)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(k, dtype=np.int32)
    yield Progress(1.0, "k-means done")
    return rank[labels]


def nearest_centre(es: EmbeddingSet, rows: np.ndarray, centres: np.ndarray, start: float = 0.0,
                   end: float = 1.0) -> Job[np.ndarray]:
    """The index of each row's nearest centre (Euclidean, unit vectors), ASSIGN_BLOCK rows between yields."""
    C = np.asarray(centres, np.float32)
    c2 = (C * C).sum(axis=1)
    labels = np.empty(len(rows), np.int32)
    for s in range(0, len(rows), ASSIGN_BLOCK):
        block = unit_rows(es, rows[s: s + ASSIGN_BLOCK])
        labels[s: s + len(block)] = np.argmin(c2 - 2.0 * (block @ C.T), axis=1)
        done = min(s + ASSIGN_BLOCK, len(rows))
        yield Progress(start + (end - start) * done / len(rows), f"k-means: {done:,} of {len(rows):,} points assigned")
    return labels
