"""Exact search: every row is scored (the default backend and the reference for the others).

Scores: cosine similarity and dot product rank high-to-low; euclidean distance ranks
low-to-high. Cosine is computed as ``V @ q / (|V| |q|)`` with the set's precomputed norms,
so no normalised copy of the matrix is kept for single queries.

* Many queries at once: tiles of rows against the whole batch, with a per-query threshold
  (only scores above it are kept), on one thread per core.
* One or a few cosine queries: when the set has a compressed copy (core.embeddings.search.
  compressed: int8 rows, one scale each), it is scanned first and only the candidates a bound
  cannot rule out are scored in float32; the list equals the full float32 scan's.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from ..embedding_set import EmbeddingSet
from . import compressed
from .base import Hits, Metric, SearchBackend, check_metric


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Row-wise indices of the k highest scores, best first; equal scores in row order (the more
    frequent word first), also across the k-th place."""
    m, n = scores.shape
    k = min(k, n)
    if k <= 0:
        return np.empty((m, 0), dtype=np.int64)
    part = np.argpartition(scores, n - k, axis=1)[:, n - k :] if k < n else np.tile(np.arange(n), (m, 1))
    vals = np.take_along_axis(scores, part, axis=1)
    if k < n:
        kth = vals.min(axis=1)
        crossing = np.flatnonzero((scores == kth[:, None]).sum(axis=1) > (vals == kth[:, None]).sum(axis=1))
        for i in crossing:  # a tie across the k-th place: the lowest rows of it are kept
            above = np.flatnonzero(scores[i] > kth[i])
            part[i] = np.concatenate([above, np.flatnonzero(scores[i] == kth[i])[: k - len(above)]])
        vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1)


_HEAD = 16384  # rows whose scores set each query's first threshold (the most frequent words)
_TILE = 8192  # rows per tile: a (queries x tile) block stays in cache
_QCHUNK = 256


def _column_terms(es: EmbeddingSet, metric: Metric, limit: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """score_j = (x_j . q) * scale_j + bias_j, ranked high to low."""
    if metric == "cos":
        return es.inv_norms[:limit], None
    if metric == "euclid":  # -|x - q|^2 + |q|^2 = 2 x.q - |x|^2 (q is doubled by the caller)
        n = np.asarray(es.norms[:limit], dtype=np.float32)
        return None, -(n * n)
    return None, None


def _exact_top(es: EmbeddingSet, q: np.ndarray, k: int, metric: Metric, limit: int) -> list[np.ndarray]:
    """Exact top-k rows per query, by tiles: a threshold from the head rows, then only scores above it are kept."""
    V = es.vectors
    scale, bias = _column_terms(es, metric, limit)
    m = q.shape[0]
    k = min(k, limit)
    if metric == "cos" and m > 4:
        unit = es.unit_matrix()
        if unit is not None:  # normalised rows: one pass less per tile
            V, scale = unit, None

    def tile_scores(lo: int, hi: int, out: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
        S = np.matmul(q if rows is None else q[rows], np.asarray(V[lo:hi], dtype=np.float32).T, out=out)
        if scale is not None:
            S *= scale[lo:hi]
        if bias is not None:
            S += bias[lo:hi]
        return S

    if m <= 4:  # one or a few queries: a single matrix-vector pass is cheapest
        return _few_top(es, q, k, metric, limit, tile_scores)
    head = min(limit, max(_HEAD, k))
    S0 = tile_scores(0, head)
    part = np.argpartition(-S0, k - 1, axis=1)[:, :k] if k < head else np.tile(np.arange(head), (m, 1))
    thresh = np.take_along_axis(S0, part, axis=1).min(axis=1)[:, None]
    rows = [np.repeat(np.arange(m), part.shape[1])]
    cols = [part.ravel()]
    vals = [np.take_along_axis(S0, part, axis=1).ravel()]
    buf = np.empty((m, _TILE), dtype=np.float32)
    mask = np.empty((m, _TILE), dtype=bool)
    pending = 0
    for lo in range(head, limit, _TILE):
        hi = min(lo + _TILE, limit)
        S = tile_scores(lo, hi, buf[:, : hi - lo])
        M = np.greater_equal(S, thresh, out=mask[:, : hi - lo])
        hit = np.flatnonzero(M.any(axis=1))  # few queries have a score above their threshold in a tile
        if len(hit):
            rr, c = np.nonzero(M[hit])
            r = hit[rr]
            rows.append(r)
            cols.append(c + lo)
            vals.append(S[r, c])
            pending += len(r)
            if pending > 4 * k * m:  # raise each query's threshold to its k-th best so far
                rows, cols, vals = _keep_best(rows, cols, vals, m, k)
                thresh = _kth(rows[0], vals[0], m, k, thresh)
                pending = 0
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    order = np.lexsort((c, -v, r))  # by query, then score (best first), ties by row
    r, c = r[order], c[order]
    starts = np.searchsorted(r, np.arange(m + 1))
    return [c[starts[i] : min(starts[i] + k, starts[i + 1])] for i in range(m)]


def _keep_best(rows, cols, vals, m: int, k: int):
    """Keep only each query's k best candidates (sorted by query, then score)."""
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.lexsort((c, -v, r))
    r, c, v = r[order], c[order], v[order]
    starts = np.searchsorted(r, np.arange(m))
    rank = np.arange(len(r)) - starts[r]
    keep = rank < k
    return [r[keep]], [c[keep]], [v[keep]]


def _kth(r: np.ndarray, v: np.ndarray, m: int, k: int, thresh: np.ndarray) -> np.ndarray:
    """Per query, the k-th best candidate score (rows sorted by query then score); never lowered."""
    counts = np.bincount(r, minlength=m)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = thresh.copy()
    full = counts >= k
    out[full, 0] = np.maximum(thresh[full, 0], v[starts[full] + k - 1])
    return out


def _run_chunks(fn, starts: list[int]) -> list:
    """Query chunks on one thread per core, each with single-threaded BLAS: the matrix
    products then run side by side with the selection work, which numpy does on one core."""
    workers = min(len(starts), os.cpu_count() or 1, 8)
    if workers < 2:
        return [fn(s) for s in starts]
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, starts))




def _few_top(es: EmbeddingSet, q: np.ndarray, k: int, metric: Metric, limit: int,
             tile_scores) -> list[np.ndarray]:
    """One or a few queries. Cosine: ``V @ q / |V|`` in float32 as gensim computes it (so a near tie
    falls the same way), from the compressed copy's candidates when it can prove them complete, else
    over every row. Other metrics: one matrix pass over every row."""
    if metric != "cos":
        return list(_top(tile_scores(0, limit), k))
    copy = compressed.get(es)
    V, norms = es.vectors, es.norms
    out = []
    for qi in q:
        cand = copy.candidates(qi, k, limit) if copy is not None else None
        if cand is not None and cand.max() >= limit - limit % _ALIGN:
            cand = None  # the scan's last rows go through BLAS's remainder code: score them as it does
        if cand is None:
            s = _over_norms(np.dot(np.asarray(V[:limit], dtype=np.float32), qi), norms[:limit])
            out.append(_top(s[None, :], k)[0])
            continue
        cand = np.sort(cand)
        s = _over_norms(row_dots(es, cand, qi), norms[cand])
        out.append(cand[np.lexsort((cand, -s))[:k]])
    return out


def _over_norms(dots: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """dots / norms in float32 (a zero row scores 0)."""
    return np.divide(dots, norms, out=np.zeros_like(dots), where=np.asarray(norms) > 0)


_ALIGN = 16


def row_dots(es: EmbeddingSet, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``V[rows] @ q`` as a scan over every row computes it: BLAS scores rows in blocks and the rows
    of a last, partial block another way (their last bit can differ), so the rows are sent in whole
    blocks (padded with a repeated row)."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.empty(0, dtype=np.float32)
    padded = np.concatenate([rows, np.repeat(rows[-1:], (-len(rows)) % _ALIGN)])
    return np.dot(np.asarray(es.vectors[padded], dtype=np.float32), np.asarray(q, dtype=np.float32))[: len(rows)]


def cosine_query(es: EmbeddingSet, rows, weights=None) -> np.ndarray:
    """The unit mean of the rows' unit vectors, computed as gensim's ``get_mean_vector(pre_normalize=True,
    post_normalize=True)`` computes it (float32 sum, float64 mean and BLAS norm), bit for bit."""
    from scipy.linalg.blas import dnrm2  # the routine gensim's unitvec calls

    rows = [int(r) for r in rows]
    weights = [1.0] * len(rows) if weights is None else list(weights)
    mean = np.zeros(es.dim, dtype=np.float32)
    total = np.float64(0.0)
    for r, w in zip(rows, weights):
        mean += np.float64(w) * es.unit_vector(r)
        total += abs(np.float64(w))
    m64 = mean / total if total > 0 else mean.astype(np.float64)
    length = float(dnrm2(m64)) if m64.size else 0.0
    return (m64 * (1.0 / length)).astype(np.float32) if length > 0 else m64.astype(np.float32)


def exact_top(es: EmbeddingSet, queries: np.ndarray, k: int, metric: Metric = "cos",
              restrict: int | None = None) -> list[np.ndarray]:
    """Rows of the k best for each query (m, d) among the first ``restrict`` rows, best first.
    For euclidean distance pass the queries as they are (they are doubled here)."""
    check_metric(metric)
    q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    if q.shape[1] != es.dim:
        raise ValueError(f"query has dimension {q.shape[1]}, embeddings have {es.dim}")
    limit = len(es) if restrict is None else max(1, min(int(restrict), len(es)))
    scaled = q * 2.0 if metric == "euclid" else q
    starts = list(range(0, q.shape[0], _QCHUNK))
    tops = _run_chunks(lambda s: _exact_top(es, scaled[s : s + _QCHUNK], k, metric, limit), starts)
    return [t for chunk in tops for t in chunk]


def exact_scores(es: EmbeddingSet, rows, q: np.ndarray, metric: Metric) -> np.ndarray:
    """The scores of the given rows for one query, as every backend reports them: cosine
    similarity, dot product, or euclidean distance (float32 arithmetic, as the scan)."""
    idx = np.asarray(rows, dtype=np.int64)
    if len(idx) == 0:
        return np.empty(0, dtype=np.float32)
    q = np.asarray(q, dtype=np.float32)
    dots = row_dots(es, idx, q)
    if metric == "cos":
        qn = float(np.sqrt(q @ q))
        s = _over_norms(dots, np.asarray(es.norms[idx], dtype=np.float32))
        return s if abs(qn - 1.0) < 1e-6 or qn == 0 else s / qn
    if metric == "euclid":
        return np.sqrt(np.maximum(float(q @ q) - 2.0 * dots + np.asarray(es.norms[idx], dtype=np.float32) ** 2, 0.0))
    return dots


class ExactBackend(SearchBackend):
    """Every row scored: the reference every other backend is measured against."""

    name = "exact"
    label = "exact"
    recall = 1.0

    def __init__(self, es: EmbeddingSet) -> None:
        self.es = es

    def search(self, queries: np.ndarray, k: int, *, metric: str = "cos", restrict: int | None = None) -> Hits:
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        rows = exact_top(self.es, q, k, metric, restrict)  # type: ignore[arg-type]
        return Hits(rows, [exact_scores(self.es, r, qi, metric) for r, qi in zip(rows, q)])  # type: ignore[arg-type]

    @property
    def how(self) -> str:
        """How a single cosine query runs on this set right now."""
        return "int8 scan + exact re-rank" if compressed.get(self.es) is not None else "full float32 scan"
