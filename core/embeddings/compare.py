"""Compare two embedding sets word by word (Qt-free): how far each shared word moved, and how much its
nearest neighbours changed.

    cmp = run_sync(compare(glove, trained, k=10))
    cmp.ranking()[:5]        # [(word, moved, overlap), ...], the words that moved most first

* The sets are aligned on their shared vocabulary: both sides' unit vectors are centred (the shared
  words' mean) and the first is turned onto the second by orthogonal Procrustes (one SVD of the d x d
  matrix X^T Y; reflections allowed, no scaling), as the training view aligns its epochs.
* ``moved`` is the cosine distance between a word's two vectors after alignment (0 = same direction).
* ``overlap`` is the Jaccard index of the word's k nearest neighbours (cosine, itself left out) in
  either set, both searched among the same shared words. The search is exact, in blocks of rows
  (a matrix product and a partition per block); it is done among the ``pool`` most frequent shared
  words (the first set's order), which bounds its cost: words beyond the pool have no overlap (NaN).
* Fewer than 2 x dim shared words is refused (the rotation would be fitted to too few points).
  Sets of different widths are mapped by least squares instead, with a notice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import InputError
from ..progress import Job, Progress
from .embedding_set import EmbeddingSet

POOL = 10_000  # neighbours (and overlaps) among this many of the most frequent shared words; 0 = all
BLOCK = 2048  # rows per block of the neighbour search


@dataclass(eq=False)
class Comparison:
    """Per shared word (in the first set's row order): its rows in both sets, moved and overlap."""

    words: list[str]
    rows_a: np.ndarray  # (n,) int64
    rows_b: np.ndarray  # (n,) int64
    moved: np.ndarray  # (n,) float32 cosine distance after alignment
    overlap: np.ndarray  # (n,) float32 Jaccard of the k nearest neighbours; NaN beyond the pool
    k: int
    pool: int  # how many shared words the neighbour search covered
    notice: str = ""  # how the sets were aligned when not by a rotation
    names: tuple[str, str] = ("A", "B")
    # centred unit vectors of `a` onto `b`'s space and back: (a -> b, b -> a); a rotation and its transpose,
    # or two least-squares maps when the widths differ
    maps: tuple[np.ndarray, np.ndarray] | None = None
    means: tuple[np.ndarray, np.ndarray] | None = None  # the shared words' mean unit vector in `a` and in `b`

    @property
    def shared(self) -> int:
        return len(self.words)

    def order(self, by: str = "moved") -> np.ndarray:
        """Indices by ``moved``, largest first, or by ``overlap``, smallest first (words without one last);
        ties: the more frequent word first."""
        if by == "overlap":
            key = np.where(np.isnan(self.overlap), np.inf, self.overlap.astype(np.float64))
        else:
            key = -self.moved.astype(np.float64)
        return np.lexsort((np.arange(len(key)), key))

    def ranking(self, top: int | None = None) -> list[tuple[str, float, float | None]]:
        idx = self.order()[:top]
        return [(self.words[i], float(self.moved[i]), None if np.isnan(self.overlap[i]) else float(self.overlap[i]))
                for i in idx]

    def as_json(self, top: int | None = None) -> dict:
        words = [{"word": w, "moved": round(m, 6), "overlap": None if o is None else round(o, 6)}
                 for w, m, o in self.ranking(top)]
        out = {"shared": self.shared, "k": self.k, "pool": self.pool, "words": words}
        if self.notice:
            out["notice"] = self.notice
        return out


    def b_in_a(self, b_unit: np.ndarray) -> np.ndarray | None:
        """Unit vectors of the second set turned into the first set's space (where the word's own vector
        in `a` sits): uncentred, unrotated, recentred on `a`'s mean. None when the maps are not kept."""
        if self.maps is None or self.means is None:
            return None
        return (np.asarray(b_unit, np.float32) - self.means[1]) @ self.maps[1] + self.means[0]

    def a_in_b(self, a_unit: np.ndarray) -> np.ndarray | None:
        """Unit vectors of the first set turned into the second set's space."""
        if self.maps is None or self.means is None:
            return None
        return (np.asarray(a_unit, np.float32) - self.means[0]) @ self.maps[0] + self.means[1]


def shared_rows(a: EmbeddingSet, b: EmbeddingSet) -> tuple[np.ndarray, np.ndarray]:
    """Rows in `a` and in `b` of the words both hold, in `a`'s order."""
    if a.words is b.words or (len(a) == len(b) and a.words == b.words):
        rows = np.arange(len(a), dtype=np.int64)
        return rows, rows
    index = b.word_index if b.word_index is not None else {w: i for i, w in enumerate(b.words)}
    found = [(i, index.get(w, -1)) for i, w in enumerate(a.words)]
    arr = np.asarray(found, np.int64).reshape(-1, 2)
    arr = arr[arr[:, 1] >= 0]
    return arr[:, 0], arr[:, 1]


def _unit(es: EmbeddingSet, rows: np.ndarray) -> np.ndarray:
    v = np.asarray(es.vectors[rows], np.float32)
    inv = np.asarray(es.inv_norms[rows], np.float32)
    return v * inv[:, None]


def align(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """(x centred and mapped onto y's space, y centred, notice): a rotation when the widths agree,
    else a least-squares linear map."""
    xa, yc, notice, _rotation = _align(x, y)
    return xa, yc, notice


def _align(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, np.ndarray]:
    """align()'s result and the map of centred x onto y (a rotation, or a least-squares map)."""
    xc = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)
    yc = y - y.mean(axis=0, dtype=np.float64).astype(np.float32)
    if x.shape[1] == y.shape[1]:
        u, _s, vt = np.linalg.svd(cross(xc, yc))
        r = (u @ vt).astype(np.float32)
        return xc @ r, yc, "", r
    w = np.linalg.lstsq(xc.astype(np.float64), yc.astype(np.float64), rcond=None)[0].astype(np.float32)
    notice = (f"the sets have different widths ({x.shape[1]} and {y.shape[1]}): aligned by a least-squares "
              f"linear map, not a rotation, so distances in the first set are not kept")
    return xc @ w, yc, notice, w


def cross(x: np.ndarray, y: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """x^T y (d x d, float64) summed over chunks of rows: OpenBLAS is ten times slower on one product
    with 400,000-long inner sums than on these."""
    out = np.zeros((x.shape[1], y.shape[1]), np.float64)
    with threadpool_limits(1):  # threads of small products only wait for each other on a busy machine
        for s in range(0, len(x), chunk):
            out += x[s:s + chunk].T @ y[s:s + chunk]
    return out


def cosine_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    num = np.einsum("ij,ij->i", x, y)
    den = np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1)
    return (1.0 - num / np.where(den > 0, den, 1.0)).astype(np.float32)


def knn(unit: np.ndarray, k: int, block: int = BLOCK) -> Job[np.ndarray]:
    """(n, k) indices of each row's k nearest other rows by cosine (unit rows), exact, in blocks."""
    n = len(unit)
    k = min(k, n - 1)
    out = np.empty((n, k), np.int32)
    for s in range(0, n, block):
        e = min(n, s + block)
        with threadpool_limits(1):
            scores = unit[s:e] @ unit.T
        scores[np.arange(e - s), np.arange(s, e)] = -np.inf  # not its own neighbour
        out[s:e] = top_k(scores, k)
        yield Progress(e / n, f"nearest neighbours: {e:,} of {n:,}")
    return out


def top_k(scores: np.ndarray, k: int, group: int = 16) -> np.ndarray:
    """(b, k) column indices of each row's k highest scores (in no order), exact.

    A partition of every row is slow (tens of ns an element). Instead: the maxima of groups of
    ``group`` columns; the k-th best of them is a lower bound of the row's k-th best score (k groups
    hold a score at least that high), and only scores at or above it can be among the k best: those
    few are gathered (np.nonzero) and sorted. Rows whose bound lets more than ``8 * k`` through are
    partitioned whole."""
    b, n = scores.shape
    g = n // group
    if g <= k:
        return np.argpartition(scores, n - k, axis=1)[:, n - k:]
    maxima = scores[:, : g * group].reshape(b, g, group).max(axis=2)
    bound = np.partition(maxima, g - k, axis=1)[:, g - k]
    r, c = np.nonzero(scores >= bound[:, None])
    counts = np.bincount(r, minlength=b)
    ok = counts <= 8 * k
    out = np.empty((b, k), np.int64)
    if not ok.all():
        keep = ok[r]
        r, c = r[keep], c[keep]
        out[~ok] = np.argpartition(scores[~ok], n - k, axis=1)[:, n - k:]
    if len(r):
        c = c[np.lexsort((-scores[r, c], r))]
        starts = np.concatenate([[0], np.cumsum(counts * ok)[:-1]])[ok]
        out[ok] = c[starts[:, None] + np.arange(k)]
    return out


def jaccard(na: np.ndarray, nb: np.ndarray, block: int = 8192) -> np.ndarray:
    """Row-wise Jaccard index of two (n, k) neighbour lists (each row's entries distinct)."""
    k = na.shape[1]
    out = np.empty(len(na), np.float32)
    for s in range(0, len(na), block):
        a, b = na[s:s + block], nb[s:s + block]
        inter = (a[:, :, None] == b[:, None, :]).any(axis=2).sum(axis=1)
        out[s:s + block] = inter / (2 * k - inter) if k else 1.0
    return out


def compare(a: EmbeddingSet, b: EmbeddingSet, k: int = 10, pool: int = POOL) -> Job[Comparison]:
    """Align `b` with `a` on their shared words and rank the words (see the module's docstring)."""
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    yield Progress(0.0, "matching the vocabularies")
    ra, rb = shared_rows(a, b)
    need = 2 * max(a.dim, b.dim)
    if len(ra) < need:
        raise InputError(f"{a.name} and {b.name} share {len(ra):,} words; comparing {max(a.dim, b.dim)}-wide "
                         f"vectors needs at least {need:,} (2 x dim)")
    yield Progress(0.05, f"aligning {len(ra):,} shared words")
    x, y = _unit(a, ra), _unit(b, rb)
    means = (x.mean(axis=0, dtype=np.float64).astype(np.float32), y.mean(axis=0, dtype=np.float64).astype(np.float32))
    xa, yc, notice, forward = _align(x, y)
    moved = cosine_distance(xa, yc)
    if notice:  # least squares does not invert by a transpose: fit the way back too
        back = np.linalg.lstsq(yc.astype(np.float64), (x - means[0]).astype(np.float64), rcond=None)[0]
        maps = (forward, back.astype(np.float32))
    else:
        maps = (forward, forward.T.copy())
    del xa, yc
    m = len(ra) if pool <= 0 else min(pool, len(ra))
    overlap = np.full(len(ra), np.nan, np.float32)
    if m > k:
        na = yield from _scaled(knn(x[:m], k), 0.1, 0.5)
        nb = yield from _scaled(knn(y[:m], k), 0.5, 0.95)
        overlap[:m] = jaccard(np.sort(na, axis=1), np.sort(nb, axis=1))
    yield Progress(1.0, "compared")
    return Comparison([a.words[i] for i in ra.tolist()], ra, rb, moved, overlap, min(k, max(m - 1, 0)), m,
                      notice, (a.name, b.name), maps, means)


def _scaled(job: Job, lo: float, hi: float) -> Job:
    """Run `job`, its progress mapped into [lo, hi]."""
    try:
        while True:
            p = next(job)
            yield Progress(lo + (hi - lo) * max(p.fraction, 0.0), p.message)
    except StopIteration as stop:
        return stop.value
