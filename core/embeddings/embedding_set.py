"""An embedding set: a vocabulary and a float matrix, with precomputed norms.

Row order is frequency rank (word2vec, GloVe and fastText files are written
most-frequent first), so "the N most frequent words" is ``rows[:N]``.
"""
from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import UnknownWordError
from ..progress import Job, Progress

_ALPHABET = "abcdefghijklmnopqrstuvwxyz'-."


@dataclass(frozen=True)
class Resolved:
    """A looked-up word: its row, the vocabulary's spelling, and what was typed."""

    index: int
    word: str
    typed: str

    @property
    def case_folded(self) -> bool:
        return self.word != self.typed


# the start of ``EmbeddingSet.source`` for a set made in the app (a trained word2vec), not read from a file
MADE_IN_APP = "made in the app: "


@dataclass(eq=False)
class EmbeddingSet:
    words: list[str]
    vectors: np.ndarray  # (n, d) float32 or float16, possibly a read-only memmap
    name: str = "embeddings"
    source: str = ""
    metadata: dict[str, list[str]] = field(default_factory=dict)
    norms: np.ndarray | None = None  # (n,) float32; computed if not given
    word_index: dict[str, int] | None = field(default=None, repr=False)  # word -> row, if already built
    notes: list[str] = field(default_factory=list)  # what loading it did that the user should know
    sample_of: int = 0  # when this set is a sample of a larger collection (a Milvus collection): its size
    # one picture per row, (n, h, w) or (n, h, w, 3|4) uint8 (the digits, a Projector sprite sheet), or None
    images: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {self.vectors.shape}")
        if len(self.words) != self.vectors.shape[0]:
            raise ValueError(f"{len(self.words)} words but {self.vectors.shape[0]} vectors")
        if self.images is not None:
            self.set_images(self.images)
        if self.norms is None:
            self.norms = row_norms(self.vectors)
        if self.word_index is not None and len(self.word_index) == len(self.words):
            self.index: dict[str, int] = self.word_index
        else:
            self.index = self._build_index()
        self.word_index = None
        self._inv_norms: np.ndarray | None = None
        self._unit: np.ndarray | None = None
        self._lower: dict[str, int] | None = None
        self._sorted: tuple[list[str], np.ndarray] | None = None
        self._fingerprint: str | None = None
        self.is_lowercase = all(w == w.lower() for w in self.words[:2000])

    def _build_index(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for s in range(0, len(self.words), 50000):  # in chunks: one huge C call would hold the GIL
            index.update(zip(self.words[s : s + 50000], range(s, s + 50000)))
        if len(index) != len(self.words):  # duplicates: the first (most frequent) wins
            index = {}
            for i, w in enumerate(self.words):
                index.setdefault(w, i)
        return index

    def set_images(self, images: np.ndarray | None) -> None:
        """One picture per row (uint8, (n, h, w) grey or (n, h, w, 3|4) colour), or None."""
        if images is not None:
            images = np.asarray(images)
            if images.dtype != np.uint8 or images.ndim not in (3, 4) or len(images) != len(self.words) \
                    or (images.ndim == 4 and images.shape[3] not in (3, 4)):
                raise ValueError(f"images must be uint8 (n, h, w[, 3|4]) with one per word ({len(self.words)}), "
                                 f"got {images.dtype} {images.shape}")
        self.images = images

    # -- size -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.find(word) is not None

    @property
    def inv_norms(self) -> np.ndarray:
        """1/|v| per row (0 for a zero vector, so its cosine is 0)."""
        if self._inv_norms is None:
            n = np.asarray(self.norms, dtype=np.float32)
            with np.errstate(divide="ignore"):
                self._inv_norms = np.where(n > 0, 1.0 / n, 0.0).astype(np.float32)
        return self._inv_norms

    def unit_matrix(self, max_bytes: int = 2 << 30) -> np.ndarray | None:
        """Row-normalised float32 copy for batched cosine search (made once; None if too large)."""
        if self._unit is None and len(self.words) * self.dim * 4 <= max_bytes:
            unit = np.empty((len(self.words), self.dim), dtype=np.float32)
            inv = self.inv_norms
            for s in range(0, len(self.words), 65536):
                np.multiply(self.vectors[s : s + 65536], inv[s : s + 65536, None], out=unit[s : s + 65536])
            self._unit = unit
        return self._unit

    def fingerprint(self) -> str:
        """What the set holds, as 20 hex digits: its size and dtype, every word, every row's norm and a
        spread sample of rows (the first and last 64 and 256 between). Computed once per set (about
        16 ms for 400,000 words); the key of stored HNSW indexes, Milvus exports and projections."""
        if self._fingerprint is None:
            h = hashlib.sha1()
            n = len(self)
            h.update(f"{n}|{self.dim}|{self.vectors.dtype}".encode())
            for s in range(0, n, 100000):  # in chunks: one join of every word would hold the GIL longer
                h.update("\n".join(self.words[s : s + 100000]).encode("utf-8", "surrogatepass"))
            h.update(np.ascontiguousarray(self.norms, dtype=np.float32).tobytes())
            spread = np.linspace(0, max(n - 1, 0), 256).astype(np.int64)
            sample = np.unique(np.concatenate([np.arange(min(n, 64)), spread, np.arange(max(n - 64, 0), n)])) \
                if n else np.empty(0, np.int64)
            h.update(np.ascontiguousarray(self.vectors[sample], dtype=np.float32).tobytes())
            self._fingerprint = h.hexdigest()[:20]
        return self._fingerprint

    # -- lookup -----------------------------------------------------------
    def _lower_index(self) -> dict[str, int]:
        if self._lower is None:
            self._lower = self._case_index([w.lower() for w in self.words])
        return self._lower

    def _case_index(self, lows: list[str], chunk: int = 50000) -> dict[str, int]:
        """Lower-cased word -> row of its most frequent spelling (`lows`: the words lower-cased)."""
        n = len(lows)
        if all(lows[s : s + chunk] == self.words[s : s + chunk] for s in range(0, n, chunk)):
            return self.index  # all lower case already: the same map (first spelling wins)
        low: dict[str, int] = {}
        for i, w in enumerate(lows):
            low.setdefault(w, i)
        return low

    def find(self, word: str) -> Resolved | None:
        """Exact spelling first, then a case-insensitive match (most frequent spelling)."""
        i = self.index.get(word)
        if i is not None:
            return Resolved(i, word, word)
        j = self._lower_index().get(word.lower())
        if j is not None:
            return Resolved(j, self.words[j], word)
        return None

    def resolve(self, word: str, *, column: int | None = None) -> Resolved:
        r = self.find(word)
        if r is None:
            raise UnknownWordError(word, self.suggest(word), column=column)
        return r

    def id_of(self, word: str) -> int:
        return self.resolve(word).index

    def word_of(self, index: int) -> str:
        return self.words[index]

    def rank_of(self, word: str) -> int:
        """Frequency rank, 1 = most frequent (row order)."""
        return self.resolve(word).index + 1

    def vector(self, word: str) -> np.ndarray:
        return np.asarray(self.vectors[self.resolve(word).index], dtype=np.float32)

    def unit_vector(self, word_or_index: str | int) -> np.ndarray:
        i = word_or_index if isinstance(word_or_index, (int, np.integer)) else self.id_of(word_or_index)
        v = np.asarray(self.vectors[i], dtype=np.float32)
        n = float(self.norms[i])
        return v / n if n > 0 else v

    def ids(self, words: Iterable[str]) -> np.ndarray:
        return np.array([self.id_of(w) for w in words], dtype=np.int64)

    # -- spelling suggestions ----------------------------------------------
    def suggest(self, word: str, limit: int = 5) -> list[str]:
        """Close spellings in the vocabulary, most frequent first (edit distance 1, then 2)."""
        w = word.lower()
        if not w or len(w) > 40:
            return []
        low = self._lower_index()
        found = {c for c in _edits1(w) if c in low}
        if not found and len(w) <= 12:
            for e in _edits1(w):
                found.update(c for c in _edits1(e) if c in low)
                if len(found) > 50:
                    break
        if not found:  # a prefix match helps with typos at the end of long words
            found = {c for c in (w[:k] for k in range(len(w) - 1, 2, -1)) if c in low}
        ranked = sorted(found, key=lambda c: low[c])
        return [self.words[low[c]] for c in ranked[:limit]]

    # -- completion -----------------------------------------------------------
    def complete(self, prefix: str, limit: int = 20) -> list[str]:
        """Words starting with prefix (any case), most frequent first. O(log n + matches)."""
        p = prefix.lower()
        if not p:
            return []
        if self._sorted is None:  # the index is being built on a worker: scan in row order (tens of ms)
            found: list[str] = []
            for w in self.words:
                if w.lower().startswith(p):
                    found.append(w)
                    if len(found) == limit:
                        break
            return found
        keys, rows = self._sorted
        lo = bisect.bisect_left(keys, p)
        hi = bisect.bisect_left(keys, p + "\U0010ffff", lo)
        hits = rows[lo:hi]
        if len(hits) > limit:
            hits = np.partition(hits, limit)[:limit]
        return [self.words[i] for i in np.sort(hits)]

    def build_indexes(self, chunk: int = 50000) -> Job[None]:
        """Build the completion and case-folding indexes as a job, for a worker thread.

        The words are sorted by numpy on a fixed-width copy of their first KEY_CHARS
        characters (a sort that runs without the GIL, so the window keeps painting);
        only runs of equal prefixes that hold a longer word are sorted again in Python.
        Python work is cut into chunks: no step holds the GIL for more than a few ms.
        Ties keep row order (most frequent first), as complete() expects.
        """
        n = len(self.words)
        if self._sorted is None or self._lower is None:
            lows: list[str] = []
            for s in range(0, n, chunk):
                lows += [w.lower() for w in self.words[s : s + chunk]]
            yield Progress(0.1, "indexing words")
            if self._sorted is None:
                rows = yield from _sorted_rows(lows, chunk)
                keys: list[str] = []
                for s in range(0, n, chunk):
                    keys += [lows[i] for i in rows[s : s + chunk].tolist()]
                self._sorted = (keys, rows)
            yield Progress(0.8, "indexing words")
            if self._lower is None:
                self._lower = self._case_index(lows, chunk)
        yield Progress(1.0, "indexing words")

    # -- subsets ------------------------------------------------------------
    def subset(self, rows: Sequence[int] | np.ndarray, name: str | None = None) -> EmbeddingSet:
        rows = np.asarray(rows, dtype=np.int64)
        meta = {k: [v[i] for i in rows] for k, v in self.metadata.items()}
        return EmbeddingSet(
            [self.words[i] for i in rows],
            np.ascontiguousarray(self.vectors[rows], dtype=np.float32),
            name=name or self.name,
            source=self.source,
            metadata=meta,
            norms=np.asarray(self.norms[rows]),
        )


def row_norms(vectors: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """float32 L2 norm of each row, summed as np.linalg.norm(axis=1) sums (and so gensim): equal
    norms give equal cosine scores, to the last bit."""
    out = np.empty(vectors.shape[0], dtype=np.float32)
    for s in range(0, vectors.shape[0], chunk):
        block = np.ascontiguousarray(vectors[s : s + chunk], dtype=np.float32)  # row-major: the same sums
        with np.errstate(over="ignore"):  # a huge finite value squares to inf, as it did before
            out[s : s + chunk] = np.sqrt(np.add.reduce(block * block, axis=1))
    return out


KEY_CHARS = 16  # sort-key width: 99% of GloVe's words are at most this long


def _sorted_rows(lows: list[str], chunk: int) -> Job[np.ndarray]:
    """Row numbers ordered by `lows` (code point order, ties in row order), as int64."""
    n = len(lows)
    keys = np.empty(n, dtype=f"U{KEY_CHARS}")
    lengths = np.empty(n, dtype=np.int32)
    for s in range(0, n, chunk):
        part = lows[s : s + chunk]
        keys[s : s + len(part)] = part  # longer words are cut to KEY_CHARS
        lengths[s : s + len(part)] = [len(w) + (KEY_CHARS + 1) * ("\0" in w) for w in part]  # numpy drops trailing NULs
    yield Progress(0.3, "indexing words")
    rows = np.argsort(keys, kind="stable")  # releases the GIL
    yield Progress(0.6, "indexing words")
    sk = keys[rows]
    new_run = np.ones(n + 1, dtype=bool)
    new_run[1:n] = sk[1:] != sk[:-1]
    starts = np.flatnonzero(new_run)
    # runs of equal prefixes with a word longer than the prefix need the full comparison
    long_rows = lengths[rows] > KEY_CHARS
    has_long = np.add.reduceat(long_rows.astype(np.int32), starts[:-1]) > 0 if n else np.zeros(0, bool)
    for a, b in zip(starts[:-1][has_long].tolist(), starts[1:][has_long].tolist()):
        if b - a > 1:
            rows[a:b] = sorted(rows[a:b].tolist(), key=lows.__getitem__)  # stable: row order kept
    return rows.astype(np.int64, copy=False)


def _edits1(w: str) -> set[str]:
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _ALPHABET]
    inserts = [a + c + b for a, b in splits for c in _ALPHABET]
    return set(deletes + transposes + replaces + inserts)
