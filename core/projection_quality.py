"""How faithful is a layout? Trustworthiness on a sample, and true neighbours for overlays (Qt-free).

Trustworthiness (Venna & Kaski; sklearn.manifold.trustworthiness) is 1 when the
k nearest neighbours of every point in the layout were also near in the full
space, and falls towards 0 as the layout invents neighbours. It is O(n^2), so it
is computed on a fixed random sample (2,000 points by default) and reported
with that sample size.
"""
from __future__ import annotations

import numpy as np

from .embedding_set import EmbeddingSet
from .progress import Job, Progress
from .projection import Layout, unit_rows

SAMPLE = 2000


def trustworthiness(es: EmbeddingSet, layout: Layout, *, sample: int = SAMPLE, k: int = 10,
                    seed: int = 0) -> Job[tuple[float, int]]:
    """(trustworthiness, sample size) of the layout, on unit vectors with euclidean distance."""
    from sklearn.manifold import trustworthiness as tw

    n = len(layout.rows)
    m = min(sample, n)
    pick = np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False)) if m < n else np.arange(n)
    yield Progress(0.1, f"trustworthiness on {m:,} points")
    X = unit_rows(es, layout.rows[pick], layout.normalize)
    Y = np.asarray(layout.coords[pick], dtype=np.float64)
    k = min(k, max(1, m // 2 - 1))
    value = float(tw(X, Y, n_neighbors=k))
    yield Progress(1.0, "trustworthiness done")
    return value, m


def true_neighbours(es: EmbeddingSet, rows, candidates, k: int = 8) -> dict[int, list[int]]:
    """For each row, its k nearest `candidates` by cosine in the full space (itself excluded)."""
    rows = [int(r) for r in rows]
    cand = np.asarray(candidates, dtype=np.int64)
    if not rows or not len(cand):
        return {}
    C = unit_rows(es, cand)
    Q = unit_rows(es, np.asarray(rows, dtype=np.int64))
    S = Q @ C.T
    out = {}
    for i, r in enumerate(rows):
        s = S[i]
        own = cand == r
        s[own] = -np.inf
        kk = min(k, len(cand) - int(own.sum()))
        if kk <= 0:
            out[r] = []
            continue
        top = np.argpartition(-s, kk - 1)[:kk]
        top = top[np.argsort(-s[top], kind="stable")]
        out[r] = [int(cand[j]) for j in top]
    return out
