"""Recall of an approximate backend against exact search, on words sampled from the set.

recall@k of one query is the share of the exact k nearest neighbours (the word itself left
out) that the backend also returns among its k; recall@k of a backend is the mean over the
sampled words. Queries are sampled uniformly over the whole vocabulary with a fixed seed, so
a measurement can be repeated.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...progress import Job, Progress
from ..embedding_set import EmbeddingSet
from .base import SearchBackend
from .exact import exact_top

QUERIES = 1000
K = 10
_BATCH = 250


@dataclass(frozen=True)
class Truth:
    """Sampled query rows, their unit vectors and their exact k nearest rows (themselves left out)."""

    rows: np.ndarray
    queries: np.ndarray
    neighbours: np.ndarray  # (m, k)


@dataclass(frozen=True)
class Measure:
    recall: float
    queries: int
    seconds: float  # one query at a time, in total

    @property
    def qps(self) -> float:
        return self.queries / self.seconds if self.seconds > 0 else float("inf")


def sample_rows(n: int, count: int = QUERIES, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, size=min(count, n), replace=False)).astype(np.int64)


def unit_queries(es: EmbeddingSet, rows: np.ndarray) -> np.ndarray:
    return np.stack([es.unit_vector(int(r)) for r in rows]).astype(np.float32) if len(rows) else \
        np.empty((0, es.dim), np.float32)


def exact_truth(es: EmbeddingSet, rows: np.ndarray, k: int = K) -> Job[Truth]:
    """Exact cosine neighbours of the sampled rows, in batches (progress between them)."""
    queries = unit_queries(es, rows)
    out = np.full((len(rows), k), -1, dtype=np.int64)
    for s in range(0, len(rows), _BATCH):
        tops = exact_top(es, queries[s : s + _BATCH], k + 1, "cos")
        for j, t in enumerate(tops):
            t = t[t != rows[s + j]][:k]
            out[s + j, : len(t)] = t
        yield Progress(min(s + _BATCH, len(rows)) / max(len(rows), 1), "exact neighbours of the sampled words")
    return Truth(rows, queries, out)


def recall_of(found: list[np.ndarray], truth: Truth, k: int = K) -> float:
    """Mean share of each query's exact k neighbours found among the backend's first k (itself dropped)."""
    shares = []
    for f, q, t in zip(found, truth.rows, truth.neighbours):
        f = np.asarray(f)
        f = f[f != q][:k]
        want = t[t >= 0]
        shares.append(len(np.intersect1d(f, want)) / max(len(want), 1))
    return float(np.mean(shares)) if shares else 0.0


def measure(backend: SearchBackend, truth: Truth, k: int = K, *, batch: bool = False) -> Job[Measure]:
    """Recall@k and the time of one query at a time (or of batches of 250, with ``batch``)."""
    found: list[np.ndarray] = []
    spent = 0.0
    step = _BATCH if batch else 1
    for s in range(0, len(truth.rows), step):
        t0 = time.perf_counter()
        hits = backend.search(truth.queries[s : s + step], k + 1, metric="cos")
        spent += time.perf_counter() - t0
        found.extend(hits.rows)
        if (s // step) % max(1, 100 // step) == 0:
            yield Progress(min(s + step, len(truth.rows)) / max(len(truth.rows), 1), f"recall of {backend.name}")
    return Measure(recall_of(found, truth, k), len(truth.rows), spent)
