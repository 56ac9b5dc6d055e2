"""How faithful is a layout? Trustworthiness on a sample, and true neighbours for overlays (Qt-free).

Trustworthiness (Venna & Kaski 2001; the measure of sklearn.manifold.trustworthiness)
is 1 when the k nearest neighbours of every point in the layout were also near in
the full space, and falls towards 0 as the layout invents neighbours. It is O(n^2),
so it is computed on a fixed random sample (2,000 points by default) and reported
with that sample size. It is written with numpy here: importing sklearn.manifold
takes a second of Python on a worker thread, which the window would feel.
"""
from __future__ import annotations

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..progress import Job, Progress
from .layout import Layout, unit_rows

SAMPLE = 2000


def trustworthiness(es: EmbeddingSet, layout: Layout, *, sample: int = SAMPLE, k: int = 10,
                    seed: int = 0) -> Job[tuple[float, int]]:
    """(trustworthiness, sample size) of the layout, on unit vectors with euclidean distance."""
    n = len(layout.rows)
    m = min(sample, n)
    pick = np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False)) if m < n else np.arange(n)
    yield Progress(0.1, f"trustworthiness on {m:,} points")
    X = unit_rows(es, layout.rows[pick], layout.normalize)
    Y = np.asarray(layout.coords[pick], dtype=np.float64)
    k = min(k, max(1, m // 2 - 1))
    value = trustworthiness_of(X, Y, k)
    yield Progress(1.0, "trustworthiness done")
    return value, m


def _squared_distances(A: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    sq = np.einsum("ij,ij->i", A, A)
    D = sq[:, None] + sq[None, :] - 2.0 * (A @ A.T)
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, np.inf)  # a point is not its own neighbour
    return D


def trustworthiness_of(X: np.ndarray, Y: np.ndarray, k: int) -> float:
    """T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum over points i of sum over j in the layout's k nearest
    to i but not among the original k nearest, of (rank of j among i's original neighbours - k)."""
    n = len(X)
    if not 0 < k < n / 2:
        raise ValueError(f"k must be between 1 and n/2 = {n / 2:g}, got {k}")
    order = np.argsort(_squared_distances(X), axis=1)  # original neighbours, nearest first
    rank = np.empty((n, n), dtype=np.int64)  # rank[i, j]: 1 = nearest to i; i itself comes last
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(1, n + 1), (n, n)), axis=1)
    near = np.argpartition(_squared_distances(Y), k - 1, axis=1)[:, :k]  # the layout's k nearest
    excess = np.take_along_axis(rank, near, axis=1) - k
    penalty = float(excess[excess > 0].sum())
    return 1.0 - penalty * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))


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
