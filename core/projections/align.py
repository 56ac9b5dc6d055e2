"""Keep a layout's orientation: rotate a new layout onto the previous one (orthogonal Procrustes).

A PCA of vectors that changed a little (the next epoch of training, the same words in another
set) can come out rotated, mirrored or with its axes swapped, and the cloud would jump. The
orthogonal matrix R that brings the new coordinates closest to the old ones over the words both
layouts show (min ||(A - a) R - (B - b)||, R orthogonal: reflections allowed, so a PCA sign flip is
undone) comes from one SVD of the 3 x 3 matrix (A - a)^T (B - b) = U S V^T: R = U V^T.
No scaling, so distances within the layout are unchanged.

    aligned = align_layout(new, new_words, previous, previous_words)   # a new Layout, or `new` itself
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .layout import Layout

MIN_SHARED = 0.5  # align only when at least half of the new layout's words were on show before
METHODS = ("pca", "umap")  # custom axes mean something; t-SNE shows its unaligned layouts as it runs


def procrustes(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R, source centre, target centre) minimising ||(source - cs) R - (target - ct)|| over orthogonal R."""
    a = np.asarray(source, np.float64)
    b = np.asarray(target, np.float64)
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    u, _s, vt = np.linalg.svd((a - ca).T @ (b - cb))
    return u @ vt, ca, cb


def shared_points(layout: Layout, words: Sequence[str], reference: Layout,
                  reference_words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `layout` and in `reference` of the words both show (matched by word)."""
    if words is reference_words:  # the same vocabulary (snapshots of one training run): rows match
        common, ia, ib = np.intersect1d(layout.rows, reference.rows, assume_unique=True, return_indices=True)
        return ia, ib
    where = {reference_words[r]: i for i, r in enumerate(reference.rows.tolist())}
    pairs = [(i, where[words[r]]) for i, r in enumerate(layout.rows.tolist()) if words[r] in where]
    arr = np.asarray(pairs, np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def align_layout(layout: Layout, words: Sequence[str], reference: Layout | None,
                 reference_words: Sequence[str] | None) -> Layout:
    """`layout` rotated (and shifted) onto `reference` over their shared words; `layout` itself when
    they share fewer than MIN_SHARED of its points (or 4). The linear map, if any, is rotated too,
    so words placed later land where they belong."""
    if reference is None or reference_words is None or len(layout.rows) < 4 or layout.method not in METHODS:
        return layout
    ia, ib = shared_points(layout, words, reference, reference_words)
    if len(ia) < max(4, MIN_SHARED * len(layout.rows)):
        return layout
    rot, ca, cb = procrustes(layout.coords[ia], reference.coords[ib])
    coords = ((layout.coords.astype(np.float64) - ca) @ rot + cb).astype(np.float32)
    linear = None
    if layout.linear is not None:  # coords = (x - mean) @ M.T  ->  ((x - mean) @ M.T - ca) @ R + cb
        mean, matrix = layout.linear
        m = np.asarray(matrix, np.float64)
        shift = np.linalg.lstsq(m, ca - cb @ rot.T, rcond=None)[0]  # (shift) @ M.T = ca - cb R^T
        linear = (np.asarray(mean, np.float64) + shift, rot.T @ m)
    moved = float(np.sqrt(np.mean(np.sum((coords[ia] - reference.coords[ib]) ** 2, axis=1))))
    info = {**layout.info, "aligned": {"shared": int(len(ia)), "rms_shift": moved}}
    labels = tuple(f"{label.split(' (')[0]} (aligned)" for label in layout.axis_labels)
    return dataclasses.replace(layout, coords=coords, info=info, axis_labels=labels, linear=linear)
