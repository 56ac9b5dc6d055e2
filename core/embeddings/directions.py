"""Semantic directions: the average difference of word pairs (cats - cat, dogs - dog).

A word's score along a direction is the dot product of its unit vector with the
unit direction, i.e. the cosine between the word and the direction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ExplorerError
from .embedding_set import EmbeddingSet

PRESETS: dict[str, list[tuple[str, str]]] = {
    "plural": [("cat", "cats"), ("dog", "dogs"), ("car", "cars"), ("house", "houses"), ("tree", "trees"),
               ("book", "books"), ("bird", "birds"), ("apple", "apples")],
    "gender": [("man", "woman"), ("king", "queen"), ("he", "she"), ("boy", "girl"), ("father", "mother"),
               ("brother", "sister"), ("husband", "wife")],
    "comparative": [("big", "bigger"), ("small", "smaller"), ("fast", "faster"), ("tall", "taller"),
                    ("old", "older"), ("strong", "stronger")],
    "past tense": [("walk", "walked"), ("play", "played"), ("jump", "jumped"), ("talk", "talked"),
                   ("look", "looked"), ("open", "opened")],
}
PRESET_PROBES: dict[str, list[str]] = {
    "plural": ["one", "two", "three", "four", "five", "cat", "cats", "dog", "dogs", "many", "few"],
    "gender": ["he", "she", "king", "queen", "actor", "actress", "nurse", "engineer"],
    "comparative": ["good", "better", "best", "big", "bigger", "biggest"],
    "past tense": ["go", "went", "see", "saw", "run", "ran"],
}


@dataclass(frozen=True)
class Direction:
    name: str
    pairs: tuple[tuple[str, str], ...]
    vector: np.ndarray  # unit length
    pair_cosines: tuple[float, ...]  # how well each pair's difference agrees with the mean


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """'cat-cats, dog-dogs' or 'cats - cat' style -> [(from, to), ...]. Accepts ',', ';' or newlines."""
    pairs = []
    for chunk in text.replace(";", ",").replace("\n", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        for sep in ("->", "→", ">", " - ", "-", ":"):
            if sep in chunk:
                a, b = (s.strip() for s in chunk.split(sep, 1))
                break
        else:
            raise ExplorerError(f"pair {chunk!r}: expected 'from -> to', e.g. cat -> cats")
        if not a or not b:
            raise ExplorerError(f"pair {chunk!r}: expected two words")
        if sep in (" - ", "-"):  # "cats - cat" reads as to - from
            a, b = b, a
        pairs.append((a, b))
    return pairs


def direction(es: EmbeddingSet, pairs: Sequence[tuple[str, str]], name: str = "") -> Direction:
    """Mean of unit(to) - unit(from) over the pairs, normalised."""
    if not pairs:
        raise ExplorerError("a direction needs at least one word pair")
    diffs = np.stack([es.unit_vector(b) - es.unit_vector(a) for a, b in pairs]).astype(np.float32)
    mean = diffs.mean(axis=0)
    n = float(np.linalg.norm(mean))
    if n == 0:
        raise ExplorerError("the pairs cancel out: the direction has zero length")
    unit = mean / n
    dn = np.linalg.norm(diffs, axis=1)
    cos = (diffs @ unit) / np.where(dn > 0, dn, 1)
    label = name or ", ".join(f"{b}-{a}" for a, b in pairs[:2]) + ("…" if len(pairs) > 2 else "")
    return Direction(label, tuple((a, b) for a, b in pairs), unit, tuple(float(c) for c in cos))


def from_vector(name: str, vector: np.ndarray) -> Direction:
    v = np.asarray(vector, dtype=np.float32)
    n = float(np.linalg.norm(v))
    if n == 0:
        raise ExplorerError(f"direction {name!r} has zero length")
    return Direction(name, (), v / n, ())


def orthogonalize(d: Direction, against: Direction) -> Direction:
    """Remove from d its component along `against` (Gram-Schmidt)."""
    v = d.vector - float(d.vector @ against.vector) * against.vector
    n = float(np.linalg.norm(v))
    if n < 1e-6:
        raise ExplorerError(f"{d.name!r} lies along {against.name!r}: nothing is left after orthogonalising")
    return Direction(f"{d.name} ⟂ {against.name}", d.pairs, (v / n).astype(np.float32), d.pair_cosines)


def scores(es: EmbeddingSet, d: Direction, words: Sequence[str]) -> list[tuple[str, float]]:
    """Cosine of each word with the direction (its position along it)."""
    return [(es.resolve(w).word, float(es.unit_vector(w) @ d.vector)) for w in words]


def project_all(es: EmbeddingSet, d: Direction, limit: int | None = None) -> np.ndarray:
    """Scores of the first `limit` words along d (cosines)."""
    V = np.asarray(es.vectors[:limit], dtype=np.float32)
    norms = np.where(es.norms[: V.shape[0]] > 0, es.norms[: V.shape[0]], 1.0)
    return (V @ d.vector) / norms


@dataclass(frozen=True)
class DirectionScores:
    """A direction built from typed pairs and the typed words placed along it, or why not."""

    direction: Direction | None
    scores: tuple[tuple[str, float], ...] = ()  # (vocabulary spelling, cosine), in the order typed
    unknown: tuple[str, ...] = ()  # typed words that are not in the vocabulary
    error: str = ""

    @property
    def info(self) -> str:
        d = self.direction
        if d is None:
            return ""
        if not d.pair_cosines:
            return f"direction: {d.name}"
        return f"direction: {d.name}; pairs agree with it at cosine {np.mean(d.pair_cosines):.2f} on average"


def split_words(text: str) -> list[str]:
    """'one, two; three' (commas, semicolons or new lines) -> ['one', 'two', 'three']."""
    return [w for w in (p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",")) if w]


def score_words(es: EmbeddingSet, pairs_text: str, probes_text: str, orthogonal: str = "") -> DirectionScores:
    """The direction of ``pairs_text`` (minus the ``orthogonal`` preset's, if named) and the cosine of
    each known word of ``probes_text`` with it. Problems become the result's ``error``."""
    try:
        d = direction(es, parse_pairs(pairs_text))
        if orthogonal in PRESETS:
            d = orthogonalize(d, direction(es, PRESETS[orthogonal], orthogonal))
    except (ExplorerError, KeyError) as e:
        return DirectionScores(None, error=str(e))
    probes = split_words(probes_text)
    known = [w for w in probes if w in es]
    return DirectionScores(d, tuple(scores(es, d, known)), tuple(w for w in probes if w not in es))
