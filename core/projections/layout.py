"""Projections of an embedding set to 3D: PCA, t-SNE, UMAP and custom axes (Qt-free).

Every projection is a job (a generator yielding :class:`~core.progress.Progress`
and returning a :class:`Layout`), cancellable between yields by closing it:

    layout = run_sync(project(es, point_rows(es, 10000), "pca"))
    layout.coords            # (n, 3) float32, row i places es.words[layout.rows[i]]
    layout.info["explained_variance_ratio"]

Vectors are unit-normalised before projecting (``normalize=True``, the
default), so distances in every method agree with the cosine similarity the
neighbour lists use. Seeds are fixed; results are cached per (embedding set,
point set, method, parameters), in memory and on disk (see projection_cache).
Long methods live in projection_tsne / projection_umap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ..embeddings.arithmetic import resolve_terms
from ..embeddings.directions import direction, parse_pairs
from ..embeddings.embedding_set import EmbeddingSet
from ..errors import ExplorerError
from ..embeddings.expression import parse
from ..progress import Job, Progress

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


def subset_note(method: str, n_rows: int, vocab: int) -> str:
    """What the view says about the point set (no silent sampling)."""
    label = METHOD_LABELS[method]
    if n_rows >= vocab:
        return f"{label} of all {vocab:,} words"
    return f"{label} of {n_rows:,} of {vocab:,} words (the most frequent, plus words in use); others are placed"


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


# -- the job -------------------------------------------------------------------------
def project(es: EmbeddingSet, rows: Sequence[int] | np.ndarray, method: str,
            params: Iterable[tuple[str, Any]] | dict | None = (), *, cache: bool = True) -> Job[Layout]:
    """Project `rows` of `es` to 3D. Yields Progress (t-SNE/UMAP with intermediate layouts)."""
    from . import cache as projection_cache

    key_params = resolve_params(method, params)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) < 4:
        raise ExplorerError(f"{METHOD_LABELS[method]} needs at least 4 points, got {len(rows)}")
    cap = MAX_POINTS[method]
    if cap is not None and len(rows) > cap:
        raise ExplorerError(f"{METHOD_LABELS[method]} takes at most {cap:,} points here, got {len(rows):,}; "
                            f"lower the point count or use PCA")
    if cache:
        hit = projection_cache.lookup(es, rows, method, key_params)
        if hit is not None:
            yield Progress(1.0, f"{METHOD_LABELS[method]}: cached")
            return hit
    p = dict(key_params)
    if method == "pca":
        layout = yield from pca(es, rows, normalize=p["normalize"])
    elif method == "axes":
        layout = yield from custom_axes(es, rows, [p["x"], p["y"], p["z"]], normalize=p["normalize"])
    elif method == "tsne":
        from .tsne import tsne

        layout = yield from tsne(es, rows, p)
    else:
        from .umap import umap

        layout = yield from umap(es, rows, p)
    layout.params = key_params
    layout.info.setdefault("note", subset_note(method, len(rows), len(es)))
    if cache:
        projection_cache.store(es, rows, method, key_params, layout)
    return layout


# -- PCA ----------------------------------------------------------------------------
def pca(es: EmbeddingSet, rows: np.ndarray, *, normalize: bool = True) -> Job[Layout]:
    """Exact PCA to 3 components by the covariance matrix, accumulated in chunks (float64).

    Signs are fixed so each component's largest loading is positive (deterministic).
    """
    n, d = len(rows), es.dim
    total = np.zeros(d, dtype=np.float64)
    gram = np.zeros((d, d), dtype=np.float64)
    for s in range(0, n, CHUNK):
        X = unit_rows(es, rows[s: s + CHUNK], normalize).astype(np.float64)
        total += X.sum(axis=0)
        gram += X.T @ X
        yield Progress(0.8 * min(1.0, (s + CHUNK) / n), f"PCA: {min(s + CHUNK, n):,} of {n:,} rows")
    mean = total / n
    cov = (gram - n * np.outer(mean, mean)) / max(n - 1, 1)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals = np.clip(evals[order], 0.0, None)
    comps = evecs[:, order[:3]].T  # (3, d)
    k = comps.shape[0]
    if k < 3:
        comps = np.vstack([comps, np.zeros((3 - k, d))])
    signs = np.sign(comps[np.arange(3), np.argmax(np.abs(comps), axis=1)])
    comps *= np.where(signs == 0, 1.0, signs)[:, None]
    coords = np.empty((n, 3), dtype=np.float32)
    for s in range(0, n, CHUNK):
        coords[s: s + CHUNK] = (unit_rows(es, rows[s: s + CHUNK], normalize) - mean) @ comps.T
    yield Progress(1.0, "PCA done")
    ratio = evals[:3] / evals.sum() if evals.sum() > 0 else np.zeros(3)
    labels = tuple(f"PC{i + 1} ({100 * r:.1f}%)" for i, r in enumerate(ratio))
    info = {"explained_variance_ratio": ratio.astype(float).tolist(), "explained_variance": evals[:3].tolist()}
    return Layout("pca", (("normalize", normalize),), rows, coords, labels, info, linear=(mean, comps))


# -- custom axes ------------------------------------------------------------------------
def axis_vector(es: EmbeddingSet, spec: str) -> tuple[np.ndarray, str]:
    """A unit direction from 'man -> woman, king -> queen' (mean pair difference),
    or from an expression / word ('king - man + woman', 'good'): sum of coef * unit vectors."""
    text = spec.strip()
    if not text:
        raise ExplorerError("empty axis")
    if "->" in text or "→" in text:
        d = direction(es, parse_pairs(text), name=text)
        return d.vector.astype(np.float64), text
    expr = parse(text)
    ids = resolve_terms(es, expr)
    v = sum(t.coef * es.unit_vector(i).astype(np.float64) for t, i in zip(expr.terms, ids))
    n = float(np.linalg.norm(v))
    if n == 0:
        raise ExplorerError(f"axis {text!r} has zero length")
    return v / n, text


def custom_axes(es: EmbeddingSet, rows: np.ndarray, specs: Sequence[str], *, normalize: bool = True) -> Job[Layout]:
    """Coordinates are dot products of each (unit) word vector with up to three unit directions.

    An empty spec gives a zero axis. The directions are not orthogonalised: x and y show
    exactly each word's cosine with each direction (3Blue1Brown's "slice").
    """
    dirs = np.zeros((3, es.dim), dtype=np.float64)
    labels = []
    for i, spec in enumerate(list(specs)[:3] + [""] * (3 - len(list(specs)[:3]))):
        if spec and spec.strip():
            dirs[i], label = axis_vector(es, spec)
        else:
            label = "(none)"
        labels.append(label)
    if not np.any(dirs):
        raise ExplorerError("custom axes need at least one direction, e.g. x = man -> woman")
    n = len(rows)
    coords = np.empty((n, 3), dtype=np.float32)
    for s in range(0, n, CHUNK):
        coords[s: s + CHUNK] = unit_rows(es, rows[s: s + CHUNK], normalize) @ dirs.T
        yield Progress(min(1.0, (s + CHUNK) / n), f"axes: {min(s + CHUNK, n):,} of {n:,} rows")
    cos = dirs @ dirs.T
    info = {"axis_cosines": cos.tolist()}
    return Layout("axes", (), rows, coords, tuple(labels), info, linear=(np.zeros(es.dim), dirs))
