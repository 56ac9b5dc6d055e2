"""Paths of the recurrent network's state through 3D: what the Recurrent state panel draws (Qt-free).

    space = StateSpace(registry.open(registry.RNN))  # the GRU (core.inference.rnn), and a PCA of the
                                               # states at the ends of 2,000 corpus sentences (the background)
    paths = run_sync(paths_job(space, ("let's eat, Charles", "let's eat Charles")))
    paths.paths[0].coords                      # (n, 3): the state after each token, in the PCA's frame
    paths.parting                              # 3: the first step where the two paths differ

The background is projected once with the app's own PCA (core.projections.linear); each path's
states are then placed exactly by the same affine map, so typing only runs the network (one call
per text) and a (n, 256) x (256, 3) product.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import InputError
from ..progress import Job, Progress, run_sync
from .layout import Layout
from .linear import pca

MAX_TOKENS = 400  # a path longer than this is drawn up to here (the whole text is still read)


@dataclass(frozen=True)
class StatePath:
    """One text's path: its reading and the states placed in the background's 3D frame."""

    reading: Any  # core.inference.rnn.Reading (tokens, steps, states)
    coords: np.ndarray  # (n, 3) float32

    @property
    def tokens(self) -> list[str]:
        return self.reading.tokens


@dataclass(frozen=True)
class RecurrentPaths:
    texts: tuple[str, ...]
    paths: tuple[StatePath | None, ...]  # one per text; None for an empty text
    background: np.ndarray  # (m, 3) the states at the ends of corpus sentences
    sentences: list[str]
    axes: tuple[str, str, str]
    parting: int  # the first step where the first two paths' tokens differ (-1: one path, or identical)
    seconds: float = 0.0


class StateSpace:
    """The network (a core.inference.rnn.RecurrentLM: ``background()``, ``read_job(text)``) and the
    3D frame of its states (PCA of the background), made once per network."""

    def __init__(self, rnn: Any) -> None:
        self.rnn = rnn
        states, self.sentences = rnn.background()
        es = EmbeddingSet([f"s{i}" for i in range(len(states))], states, name="sentence ends")
        self.layout: Layout = run_sync(pca(es, np.arange(len(states)), normalize=False))
        self.background = self.layout.coords
        self.mean, self.comps = self.layout.linear

    def place(self, states: np.ndarray) -> np.ndarray:
        return ((states - self.mean) @ self.comps.T).astype(np.float32)


def parting(a: list[str], b: list[str]) -> int:
    """The first index where token lists differ (-1 when equal)."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return -1 if len(a) == len(b) else min(len(a), len(b))


def paths_job(space: StateSpace, texts: tuple[str, ...]) -> Job[RecurrentPaths]:
    """Read each non-empty text (a long one in chunks, stoppable between them) and place its states."""
    import time

    t0 = time.perf_counter()
    if not any(t.strip() for t in texts):
        raise InputError("the text is empty: type a few words for the recurrent network to read")
    out: list[StatePath | None] = []
    for i, text in enumerate(texts):
        if not text.strip():
            out.append(None)
            continue
        job = space.rnn.read_job(text)
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                reading = stop.value
                break
            yield Progress((i + p.fraction) / len(texts), f"text {i + 1}: {p.message}")
        out.append(StatePath(reading, space.place(reading.states[:MAX_TOKENS])))
    real = [p for p in out if p is not None]
    part = parting(real[0].tokens, real[1].tokens) if len(real) == 2 else -1
    return RecurrentPaths(tuple(texts), tuple(out), space.background, space.sentences, space.layout.axis_labels, part,
                          time.perf_counter() - t0)
