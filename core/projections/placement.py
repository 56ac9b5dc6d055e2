"""Live placement: put words (or any vector) into an existing layout without recomputing it.

- PCA and custom axes: exact. The layout is an affine map of the unit vectors,
  so a new word lands exactly where a re-run projection would put it.
- UMAP: umap-learn's ``transform`` of the fitted model (optimises the new point
  against the fixed layout), run in the UMAP worker process. When the model is
  not at hand (a layout read from the disk cache, a stopped or busy worker) it
  falls back to the neighbour mean below.
- t-SNE: an approximation, the neighbour mean. The new point is the weighted
  mean of the layout positions of its k nearest projected points (cosine in the
  full space), with weights softmax(cos / 0.05): the closest neighbours dominate,
  as t-SNE's own placement of a point between its neighbours would. openTSNE's
  ``transform`` would need the affinity index and seconds per call; this takes
  milliseconds and never moves the existing points.

Each placed word also gets its true nearest neighbours in the whole vocabulary
(exact cosine), and any of those not in the layout is placed the same way, so
the view can draw lines from the word to them.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.neighbours import nearest_to_vectors
from ..errors import ExplorerError
from ..progress import Job, Progress
from .layout import Layout, unit_rows, unit_vectors

TEMPERATURE = 0.05
_unit_cache: weakref.WeakKeyDictionary[Layout, np.ndarray] = weakref.WeakKeyDictionary()


@dataclass
class Placement:
    rows: np.ndarray  # (m,) rows of the embedding set placed (requested words and their neighbours)
    coords: np.ndarray  # (m, 3) float32
    method: str  # "exact" | "umap transform" | "neighbour mean"
    links: list[tuple[int, int]] = field(default_factory=list)  # (placed row, true neighbour row)

    def as_dict(self) -> dict[int, np.ndarray]:
        return {int(r): c for r, c in zip(self.rows, self.coords)}


def method_for(layout: Layout) -> str:
    if layout.linear is not None:
        return "exact"
    if layout.method == "umap" and layout.model is not None and getattr(layout.model, "alive", True):
        return "umap transform"
    return "neighbour mean"


def layout_units(es: EmbeddingSet, layout: Layout) -> np.ndarray:
    """The layout's points as (unit) vectors, computed once per layout."""
    X = _unit_cache.get(layout)
    if X is None:
        X = unit_rows(es, layout.rows, layout.normalize)
        _unit_cache[layout] = X
    return X


def neighbour_mean(es: EmbeddingSet, layout: Layout, vectors: np.ndarray, k: int = 10,
                   exclude: list[set[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of the positions of each vector's k nearest layout points (cosine).

    Returns (coords (m,3) float32, anchor positions (m,k) int64 into layout.coords).
    `exclude[i]` holds layout positions vector i must not use (e.g. the word itself).
    """
    X = layout_units(es, layout)
    Q = unit_vectors(vectors, True)
    Xn = X if layout.normalize else unit_vectors(X, True)
    k = min(k, len(X))
    out = np.empty((len(Q), 3), dtype=np.float32)
    anchors = np.empty((len(Q), k), dtype=np.int64)
    for i, q in enumerate(Q):
        cos = Xn @ q
        if exclude is not None and exclude[i]:
            cos[list(exclude[i])] = -np.inf
        top = np.argpartition(-cos, k - 1)[:k]
        top = top[np.argsort(-cos[top], kind="stable")]
        w = np.exp((cos[top] - cos[top[0]]) / TEMPERATURE)
        w /= w.sum()
        out[i] = w @ layout.coords[top]
        anchors[i] = top
    return out, anchors


def place_vectors(es: EmbeddingSet, layout: Layout, vectors: np.ndarray, *, k: int = 10,
                  method: str | None = None, combination: bool = False) -> np.ndarray:
    """Coordinates of raw vectors (m, d) in the layout, by `method` (default: the layout's best).

    With ``combination=True`` the vectors are already sums of unit vectors (an arithmetic
    target, king - man + woman) and are not renormalised, so for linear layouts the target
    lands exactly on p(king) - p(man) + p(woman).
    """
    method = method or method_for(layout)
    V = unit_vectors(vectors, layout.normalize and not combination)
    if method == "exact":
        return layout.transform(V)
    if method == "umap transform":
        try:
            return np.asarray(layout.model.transform(V), dtype=np.float32)
        except ExplorerError:  # the worker is busy with another fit, or was stopped
            pass
    return neighbour_mean(es, layout, V, k)[0]


def place(es: EmbeddingSet, layout: Layout, rows, *, k: int = 10, neighbours: int = 10,
          link_rows=None) -> Job[Placement]:
    """Place the given rows that are not in the layout, plus their true neighbours that are not either.

    Neighbour links are computed for the placed rows in `link_rows` (default: all placed rows).
    """
    want = [int(r) for r in dict.fromkeys(int(r) for r in rows)]
    inside = set(np.asarray(want)[layout.positions(want) >= 0].tolist()) if want else set()
    links: list[tuple[int, int]] = []
    todo = [r for r in want if r not in inside]
    linked = todo if link_rows is None else [r for r in todo if r in set(int(x) for x in link_rows)]
    if neighbours and linked:
        yield Progress(0.1, f"neighbours of {len(linked)} word(s)")
        vecs = np.asarray(es.vectors[np.asarray(linked)], dtype=np.float32)
        found = nearest_to_vectors(es, vecs, neighbours, metric="cos", exclude=[[r] for r in linked])
        for r, ns in zip(linked, found):
            links.extend((r, n.index) for n in ns)
        linked_rows = [n for _, n in links]
        outside = set(np.asarray(linked_rows)[layout.positions(linked_rows) < 0].tolist())
        todo += [n for n in linked_rows if n in outside]
        todo = list(dict.fromkeys(todo))
    method = method_for(layout)
    if not todo:
        return Placement(np.empty(0, np.int64), np.empty((0, 3), np.float32), method, links)
    yield Progress(0.5, f"placing {len(todo)} word(s) ({method})")
    coords = place_vectors(es, layout, np.asarray(es.vectors[np.asarray(todo)], dtype=np.float32), k=k,
                           method=method)
    yield Progress(1.0, "placed")
    return Placement(np.asarray(todo, dtype=np.int64), coords.astype(np.float32), method, links)
