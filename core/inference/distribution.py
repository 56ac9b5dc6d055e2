"""The next token's distribution, the one type the bars, the command line and generation show: the
top tokens of one position's logits under a :class:`Sampling`, with the mass of everything else and
the entropy. Computed from logits already at hand (no model call), so temperature, top-k and top-p
re-render at once.

    view = render(trace.logits, tokenizer.readable, Sampling(temperature=0.3), n=10)
    view.bars[0].text, view.bars[0].prob      # "␣time", 0.97 (the highest logits, cut ones too)
    view.top[0]                               # the likeliest token the sampling keeps
    view.rest, view.entropy                   # the mass not shown, in bits the spread
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .sampling import PLAIN, Sampling

if TYPE_CHECKING:
    from .tokenizer import Token


@dataclass(frozen=True)
class Bar:
    id: int
    text: str  # as the label shows it: "␣time" (tokenizer.readable) or " time" (tokenizer.text)
    logit: float  # raw, before the softmax
    prob: float  # after temperature, top-k and top-p, renormalised; 0 when cut
    kept: bool  # False: cut by top-k / top-p (shown greyed)
    raw_prob: float  # plain softmax (temperature 1, nothing cut)


@dataclass(frozen=True, eq=False)
class Distribution:
    """What the model expects after a text, under one :class:`Sampling`."""

    bars: tuple[Bar, ...]  # the highest logits first
    rest: float  # probability (after the sampling) of every token not among the bars
    entropy: float  # bits, of the distribution after the sampling
    kept: int  # tokens left after top-k / top-p
    vocab: int
    sampling: Sampling
    probs: np.ndarray  # (vocab,) the whole distribution after the sampling (what a draw picks from)
    logits: np.ndarray  # (vocab,) float32, raw
    tokens: tuple[Token, ...] = ()  # the text as the model read it (start token first), when known
    precision: str = "fp32"  # which files computed the logits: "fp32" or "q4"
    hidden_states: np.ndarray | None = None  # (layers + 1, seq, width) when asked for

    @property
    def top(self) -> tuple[Bar, ...]:
        """The bars the sampling keeps, the likeliest first."""
        return tuple(b for b in self.bars if b.kept)


def entropy_bits(p: np.ndarray) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def render(logits: np.ndarray, label: Callable[[int], str], sampling: Sampling = PLAIN, *, n: int = 10,
           tokens: tuple[Token, ...] = (), precision: str = "fp32",
           hidden_states: np.ndarray | None = None) -> Distribution:
    """The ``n`` highest-logit tokens as bars, under ``sampling``."""
    logits = np.asarray(logits, dtype=np.float32)
    probs = sampling.probs(logits)
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
                        sampling, probs, logits, tuple(tokens), precision, hidden_states)


def _logsumexp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    m = float(x.max())
    return m + float(np.log(np.exp(x - m).sum()))
