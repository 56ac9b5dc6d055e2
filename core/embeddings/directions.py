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
    note: str = ""  # how the selected words were placed (how many, which are shown)

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


SELECTION_SHOWN = 40  # a selection placed along a direction: at most this many bars (its two ends)


def score_rows(es: EmbeddingSet, d: Direction, rows: Sequence[int]) -> np.ndarray:
    """Cosine of each row's vector with the direction (a zero vector scores 0)."""
    idx = np.asarray(rows, dtype=np.int64)
    V = np.asarray(es.vectors[idx], dtype=np.float32)
    norms = np.asarray(es.norms[idx], dtype=np.float32)
    return (V @ d.vector) / np.where(norms > 0, norms, 1.0)


def place_rows(es: EmbeddingSet, d: Direction, rows: Sequence[int], shown: int = SELECTION_SHOWN
               ) -> tuple[tuple[tuple[str, float], ...], str]:
    """The selected rows along ``d``, lowest cosine first: all of them when at most ``shown``, else the
    ``shown // 2`` at each end; and a note saying how many were placed."""
    uniq = np.unique(np.asarray(list(rows), dtype=np.int64))
    uniq = uniq[(uniq >= 0) & (uniq < len(es))]
    cos = score_rows(es, d, uniq)
    order = np.argsort(cos, kind="stable")
    n = len(order)
    if n > shown:
        half = shown // 2
        order = np.concatenate([order[:half], order[-half:]])
        note = (f"the {n:,} selected words along the direction: the {half} lowest and the {half} highest shown "
                f"(median {float(np.median(cos)):+.3f})")
    else:
        note = f"the {n:,} selected word{'s' if n != 1 else ''} along the direction, lowest first"
    return tuple((es.words[int(uniq[i])], float(cos[i])) for i in order), note


def score_words(es: EmbeddingSet, pairs_text: str, probes_text: str, orthogonal: str = "",
                rows: Sequence[int] | None = None) -> DirectionScores:
    """The direction of ``pairs_text`` (minus the ``orthogonal`` preset's, if named) and the cosine of
    each known word of ``probes_text`` with it, or, given ``rows`` (the selection), of those rows
    (:func:`place_rows`). Problems become the result's ``error``."""
    try:
        d = direction(es, parse_pairs(pairs_text))
        if orthogonal in PRESETS:
            d = orthogonalize(d, direction(es, PRESETS[orthogonal], orthogonal))
    except (ExplorerError, KeyError) as e:
        return DirectionScores(None, error=str(e))
    if rows is not None:
        if not rows:
            return DirectionScores(d, error="the selection is empty: select words in the cloud (box, lasso, "
                                            "regex: the Selection panel) to place them along the direction")
        placed, note = place_rows(es, d, rows)
        return DirectionScores(d, placed, note=note)
    probes = split_words(probes_text)
    known = [w for w in probes if w in es]
    return DirectionScores(d, tuple(scores(es, d, known)), tuple(w for w in probes if w not in es))
