"""Selecting points of the cloud (Qt-free): by a box or a lasso drawn on screen, by a regular expression,
by a metadata value, by the neighbours of a word; combining with the current selection; exporting it.

    inside = in_polygon(xy, lasso)                  # xy: (n, 2) screen positions; a bool per point
    rows = combine(session.selection, new_rows, "add")     # replace | add (Shift) | remove (Ctrl)

A lasso test is vectorised: the points outside the polygon's bounding box are dropped first, the rest
sorted into bands of height (a radix sort), and the even-odd rule counts crossings edge by edge over the
run of bands the edge spans (a binary search finds it), so the work is about the points times the edges
crossing a height, not times every edge.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.exporters import write_projector_tsv, write_word2vec_text
from ..embeddings.neighbours import nearest
from ..errors import InputError
from ..io import atomic_open
from ..progress import Job, Progress

MODES = ("replace", "add", "remove")
EXPORTS = ("words", "vectors", "tsv")
BANDS = 4096


def in_box(xy: np.ndarray, corner_a: Sequence[float], corner_b: Sequence[float]) -> np.ndarray:
    """A bool per point: inside the axis-aligned box between two corners."""
    (x0, x1), (y0, y1) = sorted((corner_a[0], corner_b[0])), sorted((corner_a[1], corner_b[1]))
    p = np.asarray(xy, np.float32)
    return (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)


def in_polygon(xy: np.ndarray, polygon: np.ndarray, visible: np.ndarray | None = None) -> np.ndarray:
    """A bool per point (n, 2): inside the closed polygon (m, 2) by the even-odd rule. Fewer than three
    vertices (a click, a line) enclose nothing."""
    p = np.asarray(xy, np.float32)
    poly = np.asarray(polygon, np.float32).reshape(-1, 2)
    out = np.zeros(len(p), bool)
    if len(poly) < 3 or not len(p):
        return out
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero((p[:, 0] >= lo[0]) & (p[:, 0] <= hi[0]) & (p[:, 1] >= lo[1]) & (p[:, 1] <= hi[1])
                          & (True if visible is None else visible))
    if not len(cand):
        return out
    # by height, in 4,096 bands (a radix sort of small integers): each edge spans one run of bands
    scale = (BANDS - 1) / max(float(hi[1] - lo[1]), 1e-9)
    band = ((p[cand, 1] - lo[1]) * scale).astype(np.uint16)
    order = np.argsort(band, kind="stable")
    cand, band = cand[order], band[order]
    x, y = p[cand, 0], p[cand, 1]
    inside = np.zeros(len(cand), bool)
    for (ax, ay), (bx, by) in zip(poly.tolist(), np.roll(poly, -1, axis=0).tolist()):
        if ay == by:
            continue
        ylo, yhi = (ay, by) if ay < by else (by, ay)
        i, j = np.searchsorted(band, (int((ylo - lo[1]) * scale), int((yhi - lo[1]) * scale) + 1))
        if j > i:
            ys = y[i:j]
            crosses = (ys >= ylo) & (ys < yhi) & (x[i:j] < ax + (ys - ay) * ((bx - ax) / (by - ay)))
            inside[i:j] ^= crosses  # the edge spans the point's height (half-open) and lies to its right
    out[cand] = inside
    return out


def combine(current: Iterable[int], rows: Iterable[int], mode: str = "replace") -> tuple[int, ...]:
    """The selection after adding, removing or replacing with `rows` (sorted, without repeats)."""
    if mode not in MODES:
        raise InputError(f"unknown selection mode {mode!r}; expected one of {', '.join(MODES)}")
    new = np.unique(np.fromiter((int(r) for r in rows), np.int64))
    if mode == "replace":
        return tuple(new.tolist())
    old = np.unique(np.fromiter((int(r) for r in current), np.int64))
    merged = np.union1d(old, new) if mode == "add" else np.setdiff1d(old, new, assume_unique=True)
    return tuple(merged.tolist())


def by_regex(es: EmbeddingSet, pattern: str, rows: Sequence[int] | None = None) -> list[int]:
    """Rows (of `rows`, default every row) whose word matches `pattern` anywhere (re.search)."""
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        col = f" at column {exc.pos + 1}" if exc.pos is not None else ""
        raise InputError(f"not a regular expression{col}: {exc.msg} (in {pattern!r})") from None
    pool = range(len(es)) if rows is None else (int(r) for r in rows)
    words = es.words
    return [r for r in pool if rx.search(words[r])]


def by_metadata(es: EmbeddingSet, column: str, value: str, rows: Sequence[int] | None = None) -> list[int]:
    """Rows whose metadata `column` equals `value` (the set's columns are listed when it has no such one)."""
    if column not in es.metadata:
        have = ", ".join(es.metadata) or "none"
        raise InputError(f"{es.name} has no metadata column {column!r} (its columns: {have})")
    values = es.metadata[column]
    pool = range(len(es)) if rows is None else (int(r) for r in rows)
    return [r for r in pool if values[r] == value]


def neighbours_of(es: EmbeddingSet, word: str, k: int = 20) -> list[int]:
    """The word itself and its k nearest neighbours (cosine, exact)."""
    found = es.resolve(word)
    return [found.index] + [n.index for n in nearest(es, found.word, k) if n.index >= 0]


def export(es: EmbeddingSet, rows: Sequence[int], path: str | Path, kind: str) -> Job[Path]:
    """The selected words one a line (``words``), as word2vec text (``vectors``) or as Projector TSV
    (``tsv``: vectors.tsv beside metadata.tsv)."""
    if kind not in EXPORTS:
        raise InputError(f"unknown export {kind!r}; expected one of {', '.join(EXPORTS)}")
    if not len(rows):
        raise InputError("nothing is selected: select points first (box, lasso, regex, metadata or neighbours)")
    path = Path(path)
    if kind == "words":
        with atomic_open(path, "wb") as f:
            f.write(("\n".join(es.words[int(r)] for r in rows) + "\n").encode("utf-8"))
        yield Progress(1.0, f"wrote {len(rows):,} words")
        return path
    if kind == "vectors":
        return (yield from write_word2vec_text(es, path, rows=rows))
    yield from write_projector_tsv(es, path, rows=rows)
    return path
