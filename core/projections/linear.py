"""Linear projections: PCA and axes defined by words. Both keep their linear map, so
a word outside the layout is placed exactly (:meth:`Layout.transform`)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..embeddings.arithmetic import resolve_terms
from ..embeddings.directions import direction, parse_pairs
from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.expression import parse
from ..errors import ExplorerError
from ..progress import Job, Progress
from .layout import CHUNK, Layout, unit_rows


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
    ratio = np.zeros(3)  # three labels even for a set of fewer than three dimensions
    if evals.sum() > 0:
        ratio[: min(3, d)] = evals[:3] / evals.sum()
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
