"""The recurrent network's state as a sentence embedding for semantic search (Qt-free).

    found = run_sync(passage_vectors(rnn, open_source("")))            # the Lee news passages
    recall = paraphrase_recall(rnn, found, [(query, phrase), ...])      # ranks of the passages

Each passage is read from the zero state; its vector is the last state h ("final": the issue's
sentence embedding) or the mean of its states ("mean", centred on the passages' mean, which
removes what every sentence shares). A query is read the same way and the passages are ranked by
cosine (passage_index.search, the exact search MiniLM's vectors use). Measured on the search test's
three paraphrases of Lee passages (2,680): final state ranks 21, 1,155 and 1,602; centred mean
1, 3 and 467; MiniLM 1, 1, 1. The final state remembers the last words more than the meaning.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embeddings.passages import PassageSource, read_passages
from ..progress import Job, Progress
from .passage_index import Hit, Hits, search
from .rnn import RecurrentLM


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@dataclass(frozen=True)
class RnnPassages:
    texts: list[str]
    vectors: np.ndarray  # (n, hidden) unit rows
    pooling: str  # "final" | "mean"
    centre: np.ndarray  # subtracted before the unit scaling (zeros for "final")

    def query(self, rnn: RecurrentLM, text: str) -> np.ndarray:
        """A query's unit vector, made as the passages' were."""
        return unit(rnn.sentence_vector(text, self.pooling) - self.centre)

    def find(self, rnn: RecurrentLM, text: str, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        return search(self.vectors, self.query(rnn, text), k)


def passage_vectors(rnn: RecurrentLM, source: PassageSource, pooling: str = "final") -> Job[RnnPassages]:
    """Every passage of ``source`` and its vector; a job."""
    texts = [t for t, _ in read_passages(source)]
    yield Progress(0.05, f"{len(texts):,} passages")
    return (yield from encode_passages(rnn, texts, pooling))


def encode_passages(rnn: RecurrentLM, texts: list[str], pooling: str = "final") -> Job[RnnPassages]:
    """The vectors of these passages (the texts of a MiniLM passage index, say); a job."""
    raw = yield from rnn.sentence_vectors(texts, pooling)
    centre = raw.mean(axis=0) if pooling == "mean" and len(raw) else np.zeros(rnn.hidden_size, np.float32)
    return RnnPassages(texts, unit(raw - centre), pooling, centre.astype(np.float32))


def find_hits(rnn: RecurrentLM, found: RnnPassages, query: str, k: int = 10) -> Hits:
    """The ``k`` passages nearest to ``query`` by the GRU's vectors, as MiniLM's hits are given."""
    import time

    q = found.query(rnn, query)
    t0 = time.perf_counter()
    rows, scores = search(found.vectors, q, k)
    return Hits(query, tuple(Hit(int(r), float(s), found.texts[int(r)]) for r, s in zip(rows, scores)),
                time.perf_counter() - t0)


@dataclass(frozen=True)
class Recall:
    ranks: tuple[int, ...]  # per query: the rank (1 = first) of the first passage holding its phrase; 0 = none

    def at(self, k: int) -> int:
        """How many queries found their passage within the top k."""
        return sum(1 for r in self.ranks if 0 < r <= k)


def paraphrase_recall(rnn: RecurrentLM, found: RnnPassages, pairs: list[tuple[str, str]]) -> Recall:
    """For each (query, phrase): where the first passage containing ``phrase`` ranks for ``query``."""
    ranks = []
    for query, phrase in pairs:
        rows, _ = found.find(rnn, query, k=len(found.texts))
        ranks.append(next((i + 1 for i, r in enumerate(rows) if phrase in found.texts[int(r)]), 0))
    return Recall(tuple(ranks))
