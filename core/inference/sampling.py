"""Turning logits into the probabilities the user sees: softmax, temperature, top-k, top-p.

One :class:`Sampling` value holds the settings everywhere: the window's ``session.language.sampling``,
traces and generation (core.inference.trace, core.inference.generation) and the command line.

    s = Sampling(temperature=0.7, top_k=40, seed=3)
    probs = s.probs(logits)                    # what a draw picks from
    token = draw(probs, s.seed, position)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Sampling:
    """How the next token is drawn: temperature (0 = greedy), top-k and top-p (None = off), and the
    seed of the draws (with the step number: the same seed gives the same text)."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    seed: int = 0

    def probs(self, logits: np.ndarray) -> np.ndarray:
        """The distribution a draw picks from (see :func:`sampling_probs`)."""
        return sampling_probs(logits, temperature=self.temperature, top_k=self.top_k, top_p=self.top_p)


PLAIN = Sampling()  # temperature 1, nothing cut, seed 0: the default argument wherever a Sampling is taken


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
    x = logits / temperature if temperature != 1 else logits
    p = np.exp(x - x.max())  # one exp over the vocabulary (log_softmax takes two)
    p /= p.sum()
    count = len(p)
    if top_k is not None:
        count = min(count, int(top_k))
    if top_p is not None:
        cum = np.cumsum(np.sort(p)[::-1])
        # keep the smallest prefix whose mass reaches top_p (always at least one token)
        count = min(count, int(np.searchsorted(cum, top_p, side="left")) + 1)
    if count < len(p):
        p = np.where(_top_mask(p, count), p, 0.0)
        p /= p.sum()
    return p


def _top_mask(p: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` largest entries (ties: the lower ids first, as a stable sort orders them),
    without sorting the whole vocabulary."""
    value = np.partition(p, len(p) - count)[len(p) - count]  # the count-th largest value
    keep = p > value
    ties = np.flatnonzero(p == value)
    keep[ties[: count - int(keep.sum())]] = True
    return keep


def draw(probs: np.ndarray, seed: int, position: int) -> int:
    """One token id drawn from ``probs`` with a generator seeded by ``(seed, position)``.

    Seeding each position on its own makes a draw depend only on the seed, the step and the
    distribution: Generate N, N presses of Sample and ``main.py generate`` give the same text."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(position)])
    return int(rng.choice(len(probs), p=probs))
