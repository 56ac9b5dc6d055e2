"""Turning logits into the probabilities the user sees: softmax, temperature, top-k, top-p."""
from __future__ import annotations

import numpy as np

from ..errors import InputError


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def sampling_probs(
    logits: np.ndarray, *, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> np.ndarray:
    """Probabilities after temperature, then top-k, then nucleus (top-p) filtering, renormalised.

    ``temperature`` 0 means greedy (all mass on the arg-max).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if temperature < 0:
        raise InputError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise InputError(f"top-k must be >= 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise InputError(f"top-p must be in (0, 1], got {top_p}")
    if temperature == 0:
        p = np.zeros_like(logits)
        p[int(np.argmax(logits))] = 1.0
        return p
    p = np.exp(log_softmax(logits / temperature))
    order = np.argsort(-p, kind="stable")
    keep = np.ones(len(p), dtype=bool)
    if top_k is not None:
        keep[order[top_k:]] = False
    if top_p is not None:
        cum = np.cumsum(p[order])
        # keep the smallest prefix whose mass reaches top_p (always at least one token)
        cut = int(np.searchsorted(cum, top_p, side="left")) + 1
        keep[order[cut:]] = False
    p = np.where(keep, p, 0.0)
    return p / p.sum()
