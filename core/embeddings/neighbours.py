"""Exact nearest-neighbour search by cosine, euclidean distance or dot product.

Scores: cosine similarity and dot product rank high-to-low; euclidean distance
ranks low-to-high. Cosine is computed as ``V @ q / (|V| |q|)`` with the set's
precomputed norms, so no normalised copy of the matrix is kept.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import UnknownWordError
from .embedding_set import EmbeddingSet, Resolved

Metric = Literal["cos", "euclid", "dot"]
METRICS: tuple[Metric, ...] = ("cos", "euclid", "dot")
METRIC_LABELS = {"cos": "cosine similarity", "euclid": "euclidean distance", "dot": "dot product"}


@dataclass(frozen=True)
class Neighbour:
    index: int
    word: str
    score: float


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Row-wise indices of the k highest scores, best first."""
    m, n = scores.shape
    k = min(k, n)
    if k <= 0:
        return np.empty((m, 0), dtype=np.int64)
    part = np.argpartition(scores, n - k, axis=1)[:, n - k :] if k < n else np.tile(np.arange(n), (m, 1))
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
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

    def tile_scores(lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        S = np.matmul(q, np.asarray(V[lo:hi], dtype=np.float32).T, out=out)
        if scale is not None:
            S *= scale[lo:hi]
        if bias is not None:
            S += bias[lo:hi]
        return S

    if m <= 4:  # one or a few queries: a single matrix-vector pass is cheapest
        return list(_top(tile_scores(0, limit), k))
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


def nearest_to_vectors(
    es: EmbeddingSet,
    queries: np.ndarray,
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Sequence[Iterable[int]] | None = None,
) -> list[list[Neighbour]]:
    """Top-k neighbours of each row of `queries` (m, d). `exclude[i]` holds rows to skip for query i.

    Exact: every row is scored. Scores: cosine similarity, dot product, or euclidean distance.
    """
    _check_metric(metric)
    q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    if q.shape[1] != es.dim:
        raise ValueError(f"query has dimension {q.shape[1]}, embeddings have {es.dim}")
    limit = len(es) if restrict is None else max(1, min(int(restrict), len(es)))
    skips = [set(e) for e in exclude] if exclude is not None else [set() for _ in range(len(q))]
    extra = max((len(e) for e in skips), default=0)
    qq = np.einsum("ij,ij->i", q, q)
    qn = np.sqrt(qq)
    out: list[list[Neighbour]] = []
    scaled = q * 2.0 if metric == "euclid" else q
    starts = list(range(0, q.shape[0], _QCHUNK))
    tops_all = _run_chunks(lambda s: _exact_top(es, scaled[s : s + _QCHUNK], k + extra, metric, limit), starts)
    for s, tops in zip(starts, tops_all):
        for j, idx in enumerate(tops):
            i = s + j
            idx = [int(x) for x in idx if int(x) not in skips[i]][:k]
            if not idx:
                out.append([])
                continue
            rowv = np.asarray(es.vectors[np.asarray(idx)], dtype=np.float32)
            dots = rowv @ q[i]
            if metric == "cos":
                sc = dots * es.inv_norms[idx] / (qn[i] if qn[i] > 0 else 1.0)
            elif metric == "euclid":
                sc = np.sqrt(np.maximum(qq[i] - 2.0 * dots + np.asarray(es.norms[idx]) ** 2, 0.0))
            else:
                sc = dots
            out.append([Neighbour(x, es.words[x], float(v)) for x, v in zip(idx, sc)])
    return out


def nearest(
    es: EmbeddingSet,
    words: str | Sequence[str],
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Iterable[str] = (),
    exclude_inputs: bool = True,
) -> list[Neighbour]:
    """Neighbours of a word, or of the mean of several words (unit vectors for cosine, as gensim)."""
    words = [words] if isinstance(words, str) else list(words)
    if not words:
        raise ValueError("no words given")
    ids = [es.id_of(w) for w in words]
    if metric == "cos":
        q = np.mean([es.unit_vector(i) for i in ids], axis=0)
    else:
        q = np.mean([np.asarray(es.vectors[i], dtype=np.float32) for i in ids], axis=0)
    skip = {es.id_of(w) for w in exclude}
    if exclude_inputs:
        skip.update(ids)
    return nearest_to_vectors(es, q[None, :], k, metric=metric, restrict=restrict, exclude=[skip])[0]


def nearest_batch(
    es: EmbeddingSet,
    words: Sequence[str],
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude_inputs: bool = True,
) -> list[list[Neighbour]]:
    """Neighbours of many words at once (one matrix product per batch)."""
    ids = [es.id_of(w) for w in words]
    q = np.asarray(es.vectors[np.asarray(ids)], dtype=np.float32)
    exclude = [[i] for i in ids] if exclude_inputs else None
    return nearest_to_vectors(es, q, k, metric=metric, restrict=restrict, exclude=exclude)


def similarity(es: EmbeddingSet, a: str, b: str) -> float:
    return float(np.dot(es.unit_vector(a), es.unit_vector(b)))


@dataclass(frozen=True)
class Lookup:
    """The neighbours of what the user typed: the word it resolved to (or why it did not), and its
    neighbours. What the window shows and highlights for a query."""

    query: str
    resolved: Resolved | None
    neighbours: tuple[Neighbour, ...]
    error: UnknownWordError | None = None

    @property
    def rows(self) -> tuple[int, ...]:
        """The query's row and its neighbours' rows (what the cloud highlights)."""
        return (self.resolved.index, *(n.index for n in self.neighbours)) if self.resolved is not None else ()

    @property
    def note(self) -> str:
        """"showing king for King", or the unknown-word message with its suggestions; "" otherwise."""
        if self.error is not None:
            return str(self.error)
        r = self.resolved
        return f"showing {r.word} for {r.typed}" if r is not None and r.case_folded else ""


def lookup(es: EmbeddingSet, query: str, k: int = 10, metric: Metric = "cos", restrict: int | None = None) -> Lookup:
    """Resolve ``query`` (exact spelling, else case-folded) and find its neighbours; an unknown word
    is a Lookup with an error that suggests close spellings, not an exception."""
    r = es.find(query)
    if r is None:
        return Lookup(query, None, (), UnknownWordError(query, es.suggest(query)))
    return Lookup(query, r, tuple(nearest(es, r.word, k, metric=metric, restrict=restrict or None)))
