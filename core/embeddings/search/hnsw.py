"""A local approximate index: HNSW (hierarchical navigable small-world graph) from faiss.

faiss-cpu was chosen over hnswlib after measuring both on GloVe 400k (benchmarks/bench_search.py):
at the same recall@10 faiss answered a single query faster, it ships wheels for every
platform (hnswlib 0.8.0 is a source package that needs a C++ compiler), Milvus Lite already
depends on it, and it maps a stored index's vectors from the file instead of reading them
into memory (what a 2-million-word set needs).

The index holds the unit vectors (inner product = cosine), so it answers cosine queries; the
rows it proposes are re-scored exactly by the caller. It is built in chunks (progress and
cancel between them), then its search breadth ``ef`` is set to the smallest value that
reaches the target recall@10 on sampled words.
"""
from __future__ import annotations

import os

import numpy as np

from ...progress import Job, Progress
from ..embedding_set import EmbeddingSet
from .base import Hits, SearchBackend

M = 32  # graph degree
EF_CONSTRUCTION = 40  # build breadth
EF_CHOICES = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
TARGET_RECALL = 0.95
RESTRICT_SHARE = 0.5  # a restriction to fewer rows than this share is answered exactly
_CHUNK = 10000


def faiss_module():
    import faiss

    return faiss


def threads() -> int:
    return max(1, os.cpu_count() or 1)


class HnswIndex(SearchBackend):
    """A built (or loaded) faiss HNSW index over a set's unit vectors."""

    name = "hnsw"

    def __init__(self, index, *, count: int, ef: int, recall: float | None = None, m: int = M,
                 info: object = None) -> None:
        self.index = index
        self.info = info  # the stored index's manifest (index_store.IndexInfo), None while building
        self.count = count
        self.m = m
        self.ef = int(ef)
        self.recall = recall
        index.hnsw.efSearch = self.ef

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"HNSW (faiss, M {self.m}, ef {self.ef})"

    def unsupported(self, metric: str, restrict: int | None) -> str | None:
        if metric != "cos":
            return "the HNSW index answers cosine similarity only"
        if restrict is not None and restrict < self.count * RESTRICT_SHARE:
            return "a search restricted to the most frequent words runs exactly"
        return None

    def search(self, queries: np.ndarray, k: int, *, metric: str = "cos", restrict: int | None = None) -> Hits:
        faiss = faiss_module()
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        norms = np.linalg.norm(q, axis=1, keepdims=True)
        q = np.ascontiguousarray(q / np.where(norms > 0, norms, 1.0), dtype=np.float32)
        k = max(1, min(k, self.count))
        ef = max(self.ef, k)
        sel = None  # kept alive by this name until the search returns
        if restrict is not None and restrict < self.count:  # most rows pass: filter while walking the graph
            sel = faiss.IDSelectorRange(0, int(restrict))
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=2 * ef)
        else:
            params = faiss.SearchParametersHNSW(efSearch=ef)  # per call: searches may run side by side
        scores, rows = self.index.search(q, k, params=params)
        return Hits([r[r >= 0] for r in rows], [s[r >= 0] for s, r in zip(scores, rows)])


def build(es: EmbeddingSet, *, m: int = M, ef_construction: int = EF_CONSTRUCTION) -> Job[object]:
    """A faiss HNSW index over the set's unit vectors, added in chunks (progress and cancel between them)."""
    faiss = faiss_module()
    faiss.omp_set_num_threads(threads())
    index = faiss.IndexHNSWFlat(es.dim, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    n = len(es)
    inv = es.inv_norms
    chunk = max(1000, min(_CHUNK, 2_000_000 // max(es.dim, 1)))
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        unit = np.ascontiguousarray(np.asarray(es.vectors[s:e], dtype=np.float32) * inv[s:e, None])
        index.add(unit)
        yield Progress(e / n, f"HNSW graph: {e:,} of {n:,} words")
    return index
