"""What the next-word bars show: the top tokens of one position's logits under the sampling
settings, with the mass of everything else and the entropy. Computed from logits already at
hand (no model call), so temperature, top-k and top-p re-render at once.

    view = render(trace.logits, tokenizer.readable, temperature=0.3, top_k=None, top_p=None, n=10)
    view.bars[0].text, view.bars[0].prob      # "␣time", 0.97
    view.rest, view.entropy                   # the mass not shown, in bits the spread
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .sampling import sampling_probs


@dataclass(frozen=True)
class Bar:
    id: int
    text: str  # visible form, e.g. "␣time"
    logit: float  # raw, before the softmax
    prob: float  # after temperature, top-k and top-p, renormalised; 0 when cut
    kept: bool  # False: cut by top-k / top-p (shown greyed)
    raw_prob: float  # plain softmax (temperature 1, nothing cut)


@dataclass(frozen=True)
class Distribution:
    bars: tuple[Bar, ...]  # the highest logits first
    rest: float  # probability (after the settings) of every token not among the bars
    entropy: float  # bits, of the distribution after the settings
    kept: int  # tokens left after top-k / top-p
    vocab: int
    temperature: float
    top_k: int | None
    top_p: float | None
    probs: np.ndarray  # (vocab,) the whole distribution after the settings (what sampling draws from)

    @property
    def top(self) -> Bar | None:
        return self.bars[0] if self.bars else None


def entropy_bits(p: np.ndarray) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def render(
    logits: np.ndarray,
    label: Callable[[int], str],
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    n: int = 10,
) -> Distribution:
    """The ``n`` highest-logit tokens as bars, under the sampling settings."""
    logits = np.asarray(logits, dtype=np.float32)
    probs = sampling_probs(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    n = max(0, min(int(n), len(logits)))
    head = np.argpartition(-logits, n - 1)[:n] if 0 < n < len(logits) else np.arange(len(logits))[:n]
    head = head[np.lexsort((head, -logits[head]))]  # highest logit first; ties by id
    raw = np.exp(logits[head].astype(np.float64) - _logsumexp(logits))
    bars = tuple(
        Bar(int(i), label(int(i)), float(logits[i]), float(probs[i]), bool(probs[i] > 0), float(r))
        for i, r in zip(head, raw)
    )
    shown = float(sum(b.prob for b in bars))
    return Distribution(bars, max(0.0, 1.0 - shown), entropy_bits(probs), int((probs > 0).sum()), len(logits),
                        float(temperature), top_k, top_p, probs)


def _logsumexp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    m = float(x.max())
    return m + float(np.log(np.exp(x - m).sum()))
