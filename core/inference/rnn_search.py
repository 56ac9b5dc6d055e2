"""The recurrent network's final state as a sentence embedding for semantic search (Qt-free).

    texts, vectors = run_sync(passage_vectors(rnn, open_source("")))   # the Lee news passages
    recall = paraphrase_recall(rnn, texts, vectors, [(query, phrase), ...], ks=(1, 5, 10, 50))

Each passage is read from the zero state and its last state h, scaled to unit length, is its
vector; a query is read the same way and the passages are ranked by cosine (passage_index.search,
the same exact search MiniLM's vectors use). The final state weighs the last words most, so expect
it to find passages that end alike more than passages that mean alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embeddings.passages import PassageSource, read_passages
from ..progress import Job, Progress
from .passage_index import search
from .rnn import RecurrentLM


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def passage_vectors(rnn: RecurrentLM, source: PassageSource) -> Job[tuple[list[str], np.ndarray]]:
    """Every passage of ``source`` and its unit final state (n, hidden); a job."""
    texts = [t for t, _ in read_passages(source)]
    yield Progress(0.05, f"{len(texts):,} passages")
    vectors = yield from rnn.sentence_vectors(texts)
    return texts, unit(vectors)


@dataclass(frozen=True)
class Recall:
    ranks: tuple[int, ...]  # per query: the rank (1 = first) of the first passage holding its phrase; 0 = none
    ks: tuple[int, ...]

    def at(self, k: int) -> int:
        """How many queries found their passage within the top k."""
        return sum(1 for r in self.ranks if 0 < r <= k)


def paraphrase_recall(rnn: RecurrentLM, texts: list[str], vectors: np.ndarray,
                      pairs: list[tuple[str, str]], ks: tuple[int, ...] = (1, 5, 10, 50)) -> Recall:
    """For each (query, phrase): where the first passage containing ``phrase`` ranks for ``query``."""
    ranks = []
    for query, phrase in pairs:
        rows, _ = search(vectors, unit(rnn.sentence_vector(query)), k=len(texts))
        ranks.append(next((i + 1 for i, r in enumerate(rows) if phrase in texts[int(r)]), 0))
    return Recall(tuple(ranks), tuple(ks))
