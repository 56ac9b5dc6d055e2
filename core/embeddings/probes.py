"""How far a set of word vectors has learned, measured the same way after every epoch.

    probe = ProbeSet.build(words)          # once per vocabulary: which test items it can answer
    probe.scores(es)                       # -> ProbeScores (cheap: a few ms for thousands of words)
    probe_neighbours(es, ["fire"], k=5)    # -> (("fire", (("blaze", 0.81), ...)),)

Scores use only test items whose words are all in the vocabulary (a small corpus knows few):
the Google analogy questions (3CosAdd, the question words excluded, as gensim does) and the
WordSim-353 pairs, as Spearman's correlation of cosine with the human ratings and as the gap
between the mean cosine of related pairs (rated 7 or more of 10) and unrelated ones (3 or less).
Words are matched case-insensitively (the corpora are lower-cased).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .embedding_set import EmbeddingSet
from .evaluation import _best_answers, _pearson, _rank, data_file, read_analogies
from .neighbours import nearest_batch

RELATED, UNRELATED = 7.0, 3.0  # WordSim-353 ratings (0-10) that count as related / unrelated

Neighbours = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


@dataclass(frozen=True)
class ProbeScores:
    analogy_correct: int
    analogy_total: int  # questions with all four words in the vocabulary
    ws353: float  # Spearman over the pairs in the vocabulary (nan with fewer than 3)
    ws353_pairs: int
    related_gap: float  # mean cosine of related pairs minus that of unrelated ones (nan if a group is empty)

    @property
    def analogy_accuracy(self) -> float:
        return self.analogy_correct / self.analogy_total if self.analogy_total else float("nan")

    def to_json(self) -> dict:
        def num(x: float) -> float | None:
            return None if x != x else round(float(x), 6)

        return {"analogy_accuracy": num(self.analogy_accuracy), "analogy_correct": self.analogy_correct,
                "analogy_questions": self.analogy_total, "ws353_spearman": num(self.ws353),
                "ws353_pairs": self.ws353_pairs, "related_minus_unrelated_cosine": num(self.related_gap)}


@functools.lru_cache(maxsize=2)
def _analogy_questions(path: str) -> tuple[tuple[str, str, str, str], ...]:
    return tuple(tuple(w.lower() for w in q) for _name, qs, _lines in read_analogies(path) for q in qs)


@functools.lru_cache(maxsize=2)
def _ws353_pairs(path: str) -> tuple[tuple[str, str, float], ...]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(parts) != 3:
                continue
            try:
                out.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
            except ValueError:
                continue
    return tuple(out)


@dataclass(frozen=True)
class ProbeSet:
    analogies: np.ndarray  # (m, 4) rows of a, b, c, d
    pairs: np.ndarray  # (p, 2) rows
    ratings: np.ndarray  # (p,) human ratings

    @classmethod
    def build(cls, words: list[str]) -> ProbeSet:
        index: dict[str, int] = {}
        for i, w in enumerate(words):
            index.setdefault(w.lower(), i)
        qs = [[index[w] for w in q] for q in _analogy_questions(str(data_file("analogies")))
              if all(w in index for w in q)]
        ps = [(index[a], index[b], r) for a, b, r in _ws353_pairs(str(data_file("ws353")))
              if a in index and b in index]
        return cls(np.asarray(qs, np.int64).reshape(-1, 4), np.asarray([p[:2] for p in ps], np.int64).reshape(-1, 2),
                   np.asarray([p[2] for p in ps], np.float64))

    def scores(self, es: EmbeddingSet) -> ProbeScores:
        U = np.asarray(es.vectors, dtype=np.float32) * es.inv_norms[:, None]
        correct = 0
        if len(self.analogies):
            q = self.analogies
            ex_r = np.repeat(np.arange(len(q)), 3)
            ex_c = q[:, :3].reshape(-1)
            correct = int((_best_answers(U, q[:, :3], ex_r, ex_c, "add") == q[:, 3]).sum())
        cos = np.einsum("ij,ij->i", U[self.pairs[:, 0]], U[self.pairs[:, 1]]).astype(np.float64)
        spearman = _pearson(_rank(self.ratings), _rank(cos)) if len(cos) >= 3 else float("nan")
        related, unrelated = cos[self.ratings >= RELATED], cos[self.ratings <= UNRELATED]
        gap = float(related.mean() - unrelated.mean()) if len(related) and len(unrelated) else float("nan")
        return ProbeScores(correct, len(self.analogies), spearman, len(cos), gap)


def probe_neighbours(es: EmbeddingSet, probes: list[str] | tuple[str, ...], k: int = 5) -> Neighbours:
    """The k nearest words (cosine) of each probe word that is in the vocabulary."""
    known = [w for w in probes if w in es.index]
    if not known:
        return ()
    found = nearest_batch(es, known, k)
    return tuple((w, tuple((n.word, round(n.score, 4)) for n in ns)) for w, ns in zip(known, found))
