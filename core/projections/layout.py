"""What every projection shares: the :class:`Layout` it returns, the methods and their
parameters, and the point set (which rows of an embedding set are projected).

Vectors are unit-normalised before projecting (``normalize=True``, the default), so
distances in every method agree with the cosine similarity the neighbour lists use.
The methods themselves live in linear (PCA, custom axes), tsne and umap; project.py
runs one of them as a job, through the cache.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import ExplorerError

METHODS = ("pca", "tsne", "umap", "axes")
METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", "axes": "Custom axes"}
# Largest point sets a method accepts; PCA and custom axes take the whole vocabulary.
MAX_POINTS = {"pca": None, "axes": None, "tsne": 100_000, "umap": 100_000}
DEFAULTS: dict[str, dict[str, Any]] = {
    "pca": {"normalize": True},
    "tsne": {"normalize": True, "perplexity": 30.0, "learning_rate": "auto", "iterations": 500,
             "early_iterations": 125, "theta": 0.8, "seed": 42},
    "umap": {"normalize": True, "n_neighbors": 15, "min_dist": 0.1, "seed": 42},
    "axes": {"normalize": True, "x": "man -> woman", "y": "king -> queen", "z": ""},
}
CHUNK = 65536


@dataclass(eq=False)
class Layout:
    """A finished projection: ``coords[i]`` places row ``rows[i]`` of the embedding set."""

    method: str
    params: tuple[tuple[str, Any], ...]
    rows: np.ndarray  # (n,) int64 rows of the embedding set
    coords: np.ndarray  # (n, 3) float32
    axis_labels: tuple[str, str, str] = ("x", "y", "z")
    info: dict[str, Any] = field(default_factory=dict)
    # An affine map of (unit) vectors: coords = (X - mean) @ matrix.T (PCA, custom axes).
    linear: tuple[np.ndarray, np.ndarray] | None = None
    model: Any = None  # the fitted UMAP, kept in memory only (its transform places new words)

    @property
    def normalize(self) -> bool:
        return bool(dict(self.params).get("normalize", True))

    def index_of(self) -> dict[int, int]:
        """Row of the embedding set -> position in coords (a dict, built once; see `positions` for speed)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = dict(zip(self.rows.tolist(), range(len(self.rows))))
        return index

    def positions(self, rows) -> np.ndarray:
        """Positions in coords of the given rows, -1 where a row is not in the layout (O(log n) each)."""
        return positions_in(self.rows, rows)

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """Exact coordinates of new vectors for linear layouts (already unit-normalised if `normalize`)."""
        if self.linear is None:
            raise ExplorerError(f"{METHOD_LABELS[self.method]} has no linear map")
        mean, matrix = self.linear
        return ((np.asarray(vectors, dtype=np.float64) - mean) @ matrix.T).astype(np.float32)


def positions_in(sorted_rows: np.ndarray, rows) -> np.ndarray:
    """Positions of `rows` in the sorted unique array `sorted_rows`, -1 where absent."""
    q = np.atleast_1d(np.asarray(rows, dtype=np.int64))
    if not len(sorted_rows):
        return np.full(len(q), -1, np.int64)
    i = np.searchsorted(sorted_rows, q).clip(0, len(sorted_rows) - 1)
    return np.where(sorted_rows[i] == q, i, -1)


# -- parameters -------------------------------------------------------------------
def resolve_params(method: str, params: Iterable[tuple[str, Any]] | dict | None = ()) -> tuple[tuple[str, Any], ...]:
    """The method's defaults overridden by `params`, checked, as a sorted tuple (a cache key)."""
    if method not in METHODS:
        raise ExplorerError(f"unknown projection {method!r}; expected one of {', '.join(METHODS)}")
    given = dict(params or ())
    unknown = set(given) - set(DEFAULTS[method])
    if unknown:
        raise ExplorerError(f"{METHOD_LABELS[method]} has no parameter {sorted(unknown)[0]!r}; "
                            f"expected {', '.join(DEFAULTS[method])}")
    merged = {**DEFAULTS[method], **given}
    checks = {"perplexity": (1.0, 500.0), "iterations": (1, 100_000), "early_iterations": (0, 10_000),
              "theta": (0.0, 1.0), "n_neighbors": (2, 500), "min_dist": (0.0, 10.0)}
    for name, (lo, hi) in checks.items():
        if name in merged and not lo <= float(merged[name]) <= hi:
            raise ExplorerError(f"{name} must be between {lo} and {hi}, got {merged[name]}")
    lr = merged.get("learning_rate")
    if lr is not None and lr != "auto" and not float(lr) > 0:
        raise ExplorerError(f"learning_rate must be 'auto' or positive, got {lr}")
    return tuple(sorted(merged.items()))


def point_rows(es: EmbeddingSet, n: int, extra: Iterable[int] = ()) -> np.ndarray:
    """The n most frequent rows (row order is frequency rank) plus `extra` rows, sorted, unique."""
    n = max(0, min(int(n), len(es)))
    more = np.fromiter((int(r) for r in extra if n <= int(r) < len(es)), dtype=np.int64)
    if not more.size:
        return np.arange(n, dtype=np.int64)
    more = np.sort(more)  # not np.unique: its first call imports numpy.ma (25 ms on the GUI thread)
    more = more[np.concatenate(([True], more[1:] != more[:-1]))]
    return np.concatenate((np.arange(n, dtype=np.int64), more))


def subset_note(method: str, n_rows: int, vocab: int, sample_of: int = 0, noun: str = "words") -> str:
    """What the view says about the point set (no silent sampling); ``noun``: what a row is ("pictures")."""
    label = METHOD_LABELS[method]
    if sample_of > vocab:
        return f"{label} of {n_rows:,} of {sample_of:,} {noun} (a sample; the others stay in the collection)"
    if n_rows >= vocab:
        return f"{label} of all {vocab:,} {noun}"
    first = "the most frequent, plus words in use" if noun == "words" else "the first ones, plus those in use"
    return f"{label} of {n_rows:,} of {vocab:,} {noun} ({first}); others are placed"


def unit_rows(es: EmbeddingSet, rows: np.ndarray, normalize: bool = True) -> np.ndarray:
    """float32 copy of the rows' vectors, unit length if `normalize` (zero vectors stay zero)."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((len(rows), es.dim), dtype=np.float32)
    contiguous = len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1)
    for s in range(0, len(rows), CHUNK):
        sel = rows[s: s + CHUNK]
        block = (es.vectors[int(sel[0]): int(sel[-1]) + 1] if contiguous else es.vectors[sel])
        out[s: s + len(sel)] = block
        if normalize:
            out[s: s + len(sel)] *= es.inv_norms[sel][:, None]
    return out


def unit_vectors(vectors: np.ndarray, normalize: bool = True) -> np.ndarray:
    v = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if not normalize:
        return v
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)
