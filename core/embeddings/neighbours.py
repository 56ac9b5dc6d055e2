"""Nearest neighbours of words and vectors, by cosine, euclidean distance or dot product.

Scores: cosine similarity and dot product rank high-to-low; euclidean distance ranks
low-to-high. Every call takes ``backend=``: None (or the exact backend) scores every row
(core.embeddings.search.exact, the reference); an HNSW index or a Milvus collection
(core.embeddings.search) proposes the rows, which are then scored here exactly as the
exact search scores them. A backend that cannot answer a request (another metric, a
restriction) hands it to exact search, and the :class:`~core.embeddings.search.base.Answer`
says so.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ExplorerError, UnknownWordError
from .embedding_set import EmbeddingSet, Resolved
from .search import compressed
from .search.base import METRIC_LABELS, METRICS, Answer, Metric, SearchBackend, check_metric, higher_is_better
from .search.exact import _top, cosine_query, exact_scores, exact_top

__all__ = ["METRICS", "METRIC_LABELS", "Metric", "Neighbour", "Lookup", "nearest", "nearest_batch",
           "nearest_to_vectors", "search_vectors", "search_words", "similarity", "lookup", "_top"]


@dataclass(frozen=True)
class Neighbour:
    index: int  # row in the open set; -1 for a word of a Milvus collection outside the fetched sample
    word: str
    score: float


def _exact_how(es: EmbeddingSet, m: int, metric: str) -> str:
    if metric == "cos" and m <= 4 and compressed.get(es) is not None:
        return "int8 scan + exact re-rank"
    return "every row scored"


def search_vectors(
    es: EmbeddingSet,
    queries: np.ndarray,
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Sequence[Iterable[int]] | None = None,
    backend: SearchBackend | None = None,
    exclude_words: Sequence[Iterable[str]] | None = None,
) -> tuple[list[list[Neighbour]], Answer]:
    """Top-k neighbours of each row of `queries` (m, d), and who answered. `exclude[i]` holds rows
    to skip for query i (`exclude_words[i]` words, for a collection's words outside the open set)."""
    check_metric(metric)
    q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    if q.shape[1] != es.dim:
        raise ValueError(f"query has dimension {q.shape[1]}, embeddings have {es.dim}")
    skips = [set(e) for e in exclude] if exclude is not None else [set() for _ in range(len(q))]
    skip_words = [set(e) for e in exclude_words] if exclude_words is not None else [set() for _ in range(len(q))]
    extra = max((len(e) + len(w) for e, w in zip(skips, skip_words)), default=0)
    note = ""
    if backend is not None and backend.name != "exact":
        why = backend.unsupported(metric, restrict)
        if why:
            if backend.remote:
                from ..errors import InputError

                raise InputError(why)
            note, backend = f"{why}; exact search answered", None
    t0 = time.perf_counter()
    if backend is None or backend.name == "exact":
        rows = exact_top(es, q, k + extra, metric, restrict)
        labels = None
    else:
        hits = backend.search(q, k + extra, metric=metric, restrict=restrict)
        rows, labels = hits.rows, hits.labels
        if labels is not None:  # a collection's words: its own scores
            out = []
            for i, (r, lab, sc) in enumerate(zip(rows, labels, hits.scores)):
                keep = [(int(x), w, float(v)) for x, w, v in zip(r, lab, sc)
                        if not (x >= 0 and int(x) in skips[i]) and w not in skip_words[i]][:k]
                out.append([Neighbour(x, w, v) for x, w, v in keep])
            return out, _answer(backend, t0, note)
    out = []
    best_first = higher_is_better(metric)
    for i, r in enumerate(rows):
        idx = [int(x) for x in r if 0 <= int(x) < len(es) and int(x) not in skips[i]]
        sc = exact_scores(es, idx, q[i], metric)
        if backend is not None and backend.name != "exact" and len(idx):  # proposed rows, ranked exactly
            order = np.lexsort((np.asarray(idx), -sc if best_first else sc))
            idx, sc = [idx[j] for j in order], sc[order]
        out.append([Neighbour(x, es.words[x], float(v)) for x, v in zip(idx[:k], sc[:k])])
    if backend is None or backend.name == "exact":
        how = _exact_how(es, len(q), metric)
        note = f"{note} ({how})" if note else how
    return out, _answer(backend, t0, note)


def _answer(backend: SearchBackend | None, t0: float, note: str) -> Answer:
    ms = (time.perf_counter() - t0) * 1000.0
    if backend is None or backend.name == "exact":
        return Answer("exact", "exact", ms, 1.0, note)
    return Answer(backend.name, backend.label, ms, backend.recall, note)


def nearest_to_vectors(
    es: EmbeddingSet,
    queries: np.ndarray,
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Sequence[Iterable[int]] | None = None,
    backend: SearchBackend | None = None,
) -> list[list[Neighbour]]:
    """Top-k neighbours of each row of `queries` (m, d). `exclude[i]` holds rows to skip for query i.

    Exact unless a backend is given. Scores: cosine similarity, dot product, or euclidean distance.
    """
    return search_vectors(es, queries, k, metric=metric, restrict=restrict, exclude=exclude, backend=backend)[0]


def search_words(
    es: EmbeddingSet,
    words: str | Sequence[str],
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Iterable[str] = (),
    exclude_inputs: bool = True,
    backend: SearchBackend | None = None,
) -> tuple[list[Neighbour], Answer]:
    """Neighbours of a word, or of the mean of several words (unit vectors for cosine, as gensim),
    and who answered."""
    words = [words] if isinstance(words, str) else list(words)
    if not words:
        raise ValueError("no words given")
    ids = [es.id_of(w) for w in words]
    if metric == "cos":
        q = cosine_query(es, ids)  # gensim's mean of unit vectors, to the last bit
    else:
        q = np.mean([np.asarray(es.vectors[i], dtype=np.float32) for i in ids], axis=0)
    skip = {es.id_of(w) for w in exclude}
    if exclude_inputs:
        skip.update(ids)
    found, answer = search_vectors(es, q[None, :], k, metric=metric, restrict=restrict, exclude=[skip],
                                   backend=backend)
    return found[0], answer


def nearest(
    es: EmbeddingSet,
    words: str | Sequence[str],
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude: Iterable[str] = (),
    exclude_inputs: bool = True,
    backend: SearchBackend | None = None,
) -> list[Neighbour]:
    """Neighbours of a word, or of the mean of several words (unit vectors for cosine, as gensim)."""
    return search_words(es, words, k, metric=metric, restrict=restrict, exclude=exclude,
                        exclude_inputs=exclude_inputs, backend=backend)[0]


def nearest_batch(
    es: EmbeddingSet,
    words: Sequence[str],
    k: int = 10,
    *,
    metric: Metric = "cos",
    restrict: int | None = None,
    exclude_inputs: bool = True,
    backend: SearchBackend | None = None,
) -> list[list[Neighbour]]:
    """Neighbours of many words at once (exact: one matrix product per batch)."""
    ids = [es.id_of(w) for w in words]
    q = np.asarray(es.vectors[np.asarray(ids)], dtype=np.float32)
    exclude = [[i] for i in ids] if exclude_inputs else None
    return nearest_to_vectors(es, q, k, metric=metric, restrict=restrict, exclude=exclude, backend=backend)


def similarity(es: EmbeddingSet, a: str, b: str) -> float:
    return float(np.dot(es.unit_vector(a), es.unit_vector(b)))


@dataclass(frozen=True)
class Lookup:
    """The neighbours of what the user typed: the word it resolved to (or why it did not), its
    neighbours, and who answered (backend, recall, latency). What the window shows and highlights."""

    query: str
    resolved: Resolved | None
    neighbours: tuple[Neighbour, ...]
    error: ExplorerError | None = None  # an unknown word (with suggestions), or a backend that failed
    answer: Answer | None = None

    @property
    def rows(self) -> tuple[int, ...]:
        """The query's row and its neighbours' rows in the open set (what the cloud highlights)."""
        if self.resolved is None:
            return ()
        return tuple(r for r in (self.resolved.index, *(n.index for n in self.neighbours)) if r >= 0)

    @property
    def note(self) -> str:
        """"showing king for King", or the unknown-word message with its suggestions; "" otherwise."""
        if self.error is not None:
            return str(self.error)
        r = self.resolved
        return f"showing {r.word} for {r.typed}" if r is not None and r.case_folded else ""


def lookup(es: EmbeddingSet, query: str, k: int = 10, metric: Metric = "cos", restrict: int | None = None,
           backend: SearchBackend | None = None) -> Lookup:
    """Resolve ``query`` (exact spelling, else case-folded) and find its neighbours; an unknown word,
    or a backend that cannot answer, is a Lookup with an error (suggesting close spellings for a word),
    not an exception. With a Milvus collection opened by itself (``backend.remote``) a word outside the
    fetched sample is looked up in the collection."""
    r = es.find(query)
    try:
        if r is None and backend is not None and backend.remote:
            found = backend.find(query)
            if found is not None:
                word, vector = found
                rr = Resolved(-1, word, query)
                q = _query_vector([vector], metric)
                res, answer = search_vectors(es, q[None, :], k, metric=metric, restrict=restrict or None,
                                             backend=backend, exclude_words=[[word]])
                return Lookup(query, rr, tuple(res[0]), answer=answer)
        if r is None:
            return Lookup(query, None, (), UnknownWordError(query, es.suggest(query)))
        vec = cosine_query(es, [r.index]) if metric == "cos" else np.asarray(es.vectors[r.index], dtype=np.float32)
        res, answer = search_vectors(es, vec[None, :], k, metric=metric,
                                     restrict=restrict or None, exclude=[[r.index]], backend=backend,
                                     exclude_words=[[r.word]] if backend is not None and backend.remote else None)
    except ExplorerError as e:
        return Lookup(query, r, (), e)
    return Lookup(query, r, tuple(res[0]), answer=answer)


def _query_vector(vectors: list[np.ndarray], metric: str) -> np.ndarray:
    """The mean of the words' vectors (of their unit vectors for cosine, as gensim)."""
    vs = [np.asarray(v, dtype=np.float32) for v in vectors]
    if metric == "cos":
        vs = [v / n if (n := float(np.linalg.norm(v))) > 0 else v for v in vs]
    return np.mean(vs, axis=0).astype(np.float32)
