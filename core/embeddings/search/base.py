"""What every search backend offers, and what a search answers.

A backend finds the k best rows for each query vector of an open set:

    hits = backend.search(queries, k, metric="cos", restrict=None)   # Hits: rows and scores per query

Backends: ``exact`` (every row scored; the default and the reference), ``hnsw`` (a local
approximate index, faiss) and ``milvus`` (a Milvus collection: an embedded Milvus Lite
database or a server). A backend that cannot answer a request (another metric than the one
it was built for, a restriction it cannot apply) says why in :meth:`SearchBackend.unsupported`,
and the caller asks the exact backend instead, and says so.

The word-level calls (core.embeddings.neighbours: ``nearest``, ``nearest_batch``,
``nearest_to_vectors``, ``lookup``; arithmetic; evaluation) take ``backend=`` and report who
answered in an :class:`Answer`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

Metric = Literal["cos", "euclid", "dot"]
METRICS: tuple[Metric, ...] = ("cos", "euclid", "dot")
METRIC_LABELS = {"cos": "cosine similarity", "euclid": "euclidean distance", "dot": "dot product"}
BACKENDS = ("exact", "hnsw", "milvus")
BACKEND_LABELS = {"exact": "Exact", "hnsw": "HNSW index", "milvus": "Milvus"}


def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")


def higher_is_better(metric: str) -> bool:
    return metric != "euclid"


@dataclass(frozen=True)
class Hits:
    """Per query: rows of the set (best first) and their scores in the metric's own terms (cosine
    similarity, dot product, or euclidean distance). ``labels`` are the words, for backends whose
    results are not all rows of the open set (a Milvus collection opened by itself: a row is -1
    when the word is not in the fetched sample)."""

    rows: list[np.ndarray]
    scores: list[np.ndarray]
    labels: list[list[str]] | None = None


@dataclass(frozen=True)
class Answer:
    """Who answered a search, how well and how fast (what the neighbours panel shows)."""

    backend: str  # exact | hnsw | milvus
    label: str  # e.g. "HNSW (faiss, M 32, ef 96)"
    latency_ms: float
    recall: float | None = None  # recall@10 against exact, measured when the index was built; exact: 1.0
    note: str = ""  # why another backend than the chosen one answered, or how exact search ran

    @property
    def summary(self) -> str:
        parts = [self.label]
        if self.recall is not None:
            parts.append(f"recall@10 {self.recall:.3f}")
        parts.append(f"{self.latency_ms:.2f} ms" if self.latency_ms < 100 else f"{self.latency_ms / 1000:.2f} s")
        return " · ".join(parts)


class SearchBackend(ABC):
    """One way to find nearest rows. Subclasses set ``name`` and ``label``; ``recall`` is
    recall@10 against exact search, measured when the backend's index was built (None: unknown)."""

    name: str = ""
    label: str = ""
    recall: float | None = None
    remote: bool = False  # results are words of a collection, not (all) rows of the open set

    def unsupported(self, metric: str, restrict: int | None) -> str | None:
        """None when this backend can answer; else why not (the exact backend answers instead)."""
        return None

    @abstractmethod
    def search(self, queries: np.ndarray, k: int, *, metric: str = "cos", restrict: int | None = None) -> Hits:
        """The k best rows for each query (m, d), best first."""

    def close(self) -> None:  # noqa: B027 - an optional hook: most backends hold nothing to release
        """Release files and connections (a no-op for most backends)."""


@dataclass(frozen=True)
class Engines:
    """The search backends at hand for the open set, and the last thing that happened to them:
    a notice (an index rebuilt, an export finished) or a problem (a server that does not answer)."""

    hnsw: SearchBackend | None = None
    milvus: SearchBackend | None = None
    milvus_stored: tuple[str, str] | None = None  # (URI, collection) this set was exported to, not attached yet
    remote: bool = False  # the open set is a sample of a Milvus collection: every query goes to Milvus
    message: str = ""
    problem: bool = False

    def get(self, name: str) -> SearchBackend | None:
        if self.remote:
            return self.milvus
        return {"hnsw": self.hnsw, "milvus": self.milvus}.get(name)

    def but(self, **changes) -> Engines:
        return replace(self, **changes)
