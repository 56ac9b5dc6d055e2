"""Word arithmetic: 3CosAdd and 3CosMul (Levy & Goldberg 2014).

3CosAdd ranks every word x by cos(x, sum_i c_i * unit(w_i)); with +/-1
coefficients this is gensim's ``most_similar(positive, negative)``.
3CosMul ranks by prod_pos s(x, p)^c / (prod_neg s(x, n)^|c| + eps) with
s = (1 + cos) / 2, as gensim's ``most_similar_cosmul``.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import ExplorerError, ExpressionError, InputError, UnknownWordError
from .embedding_set import EmbeddingSet
from .expression import Expression, parse
from .neighbours import Neighbour, _top
from .search.base import Answer, SearchBackend

Method = Literal["add", "mul"]
EPS = 1e-6


@dataclass(frozen=True)
class ArithmeticResult:
    expression: Expression
    method: Method
    input_ids: tuple[int, ...]
    input_words: tuple[str, ...]  # vocabulary spellings of the terms
    target: np.ndarray  # the unnormalised sum of coef * unit vector (3CosAdd's query)
    results: list[Neighbour]
    answer: Answer | None = None  # who answered (exact, or a backend for 3CosAdd)

    @property
    def best(self) -> Neighbour | None:
        return self.results[0] if self.results else None


def resolve_terms(es: EmbeddingSet, expr: Expression) -> list[int]:
    ids = []
    for t in expr.terms:
        r = es.find(t.word)
        if r is None:
            hint = es.suggest(t.word)
            if "-" in t.word.strip("-") and all(p in es for p in t.word.split("-") if p):
                raise ExpressionError(
                    expr.text, t.column + t.word.index("-", 1),
                    f"unknown word {t.word!r}; put spaces around '-' to subtract")
            raise UnknownWordError(t.word, hint, column=t.column)
        ids.append(r.index)
    return ids


def evaluate(
    es: EmbeddingSet,
    expression: str | Expression,
    k: int = 10,
    *,
    method: Method = "add",
    exclude_inputs: bool = True,
    restrict: int | None = None,
    backend: SearchBackend | None = None,
    among: Sequence[int] | None = None,
) -> ArithmeticResult:
    """The k best words for the expression; with a backend, 3CosAdd asks it for candidates (scored
    exactly here), while 3CosMul, which needs every word's score, always scores every row.
    ``among``: only these rows are candidates (a selection in the cloud; exact search answers)."""
    t0 = time.perf_counter()
    expr = parse(expression) if isinstance(expression, str) else expression
    if not expr.terms:
        raise ExpressionError(expr.text, 1, "no words")
    ids = resolve_terms(es, expr)
    coefs = np.array([t.coef for t in expr.terms], dtype=np.float32)
    units = np.stack([es.unit_vector(i) for i in ids]).astype(np.float32)
    target = (coefs[:, None] * units).sum(axis=0)
    note = ""
    if among is not None and backend is not None and backend.name != "exact" and not backend.remote:
        backend, note = None, "exact search answered"
    if backend is not None and backend.name != "exact":
        why = backend.unsupported("cos", restrict) if method == "add" else "3CosMul needs every word's score"
        if why is None:
            results = _backend_add(es, backend, target, ids, k, restrict, exclude_inputs)
            answer = Answer(backend.name, backend.label, (time.perf_counter() - t0) * 1000, backend.recall)
            return ArithmeticResult(expr, method, tuple(ids), tuple(es.words[i] for i in ids), target, results, answer)
        if backend.remote:
            raise InputError(f"{why}; with a Milvus collection opened by itself only 3CosAdd runs (in Milvus)")
        note = f"{why}; exact search answered"
    limit = len(es) if restrict is None else max(1, min(int(restrict), len(es)))
    rows = None if among is None else candidate_rows(among, limit)
    pick = slice(0, limit) if rows is None else rows
    V = np.asarray(es.vectors[pick], dtype=np.float32)
    norms = np.where(es.norms[pick] > 0, es.norms[pick], 1.0).astype(np.float32)
    n = len(V)
    if method == "add":
        tn = float(np.linalg.norm(target))
        scores = (V @ (target / (tn if tn > 0 else 1.0))) / norms
    elif method == "mul":
        sims = (units @ V.T) / norms[None, :]  # (terms, limit) cosines
        sims = (1.0 + sims) / 2.0
        num = np.ones(n, dtype=np.float32)
        den = np.ones(n, dtype=np.float32)
        has_neg = False
        for c, row in zip(coefs, sims):
            if c > 0:
                num *= row ** c
            else:
                den *= row ** (-c)
                has_neg = True
        scores = num / ((den if has_neg else 1.0) + EPS)
    else:
        raise ValueError(f"unknown method {method!r}; expected 'add' or 'mul'")
    if exclude_inputs:
        at = np.asarray(ids, np.int64) if rows is None else np.searchsorted(rows, ids).clip(0, max(n - 1, 0))
        for i, j in zip(ids, at.tolist()):
            if (i < limit) if rows is None else (n and rows[j] == i):
                scores[j] = -np.inf
    top = _top(scores[None, :], min(k, n))[0] if n else np.empty(0, np.int64)
    row_of = (lambda j: int(j)) if rows is None else (lambda j: int(rows[j]))
    results = [Neighbour(row_of(j), es.words[row_of(j)], float(scores[j])) for j in top if np.isfinite(scores[j])]
    if rows is not None:
        note = "; ".join(x for x in (f"among the {n:,} selected words", note) if x)
    answer = Answer("exact", "exact", (time.perf_counter() - t0) * 1000, 1.0, note)
    return ArithmeticResult(expr, method, tuple(ids), tuple(es.words[i] for i in ids), target, results, answer)


def candidate_rows(among: Sequence[int], limit: int) -> np.ndarray:
    """The sorted distinct rows of ``among`` below ``limit``; InputError when none is left."""
    rows = np.unique(np.asarray(list(among), np.int64))
    rows = rows[(rows >= 0) & (rows < limit)]
    if not len(rows):
        raise InputError("the selection is empty: select words in the cloud to choose the answer among them")
    return rows


def _backend_add(es: EmbeddingSet, backend: SearchBackend, target: np.ndarray, ids: list[int], k: int,
                 restrict: int | None, exclude_inputs: bool) -> list[Neighbour]:
    """3CosAdd through a backend: its candidates for the target, scored as the exact path scores them
    (a collection opened by itself: its own scores and words)."""
    tn = float(np.linalg.norm(target))
    t = target / (tn if tn > 0 else 1.0)
    hits = backend.search(t[None, :].astype(np.float32), k + len(ids), metric="cos", restrict=restrict)
    rows = hits.rows[0]
    skip = set(ids) if exclude_inputs else set()
    if hits.labels is not None:
        words = {es.words[i] for i in skip}
        return [Neighbour(int(r), w, float(v)) for r, w, v in zip(rows, hits.labels[0], hits.scores[0])
                if not (r >= 0 and int(r) in skip) and w not in words][:k]
    rows = np.asarray([r for r in rows if int(r) not in skip], dtype=np.int64)
    norms = np.where(es.norms[rows] > 0, es.norms[rows], 1.0).astype(np.float32)
    scores = (np.asarray(es.vectors[rows], dtype=np.float32) @ t.astype(np.float32)) / norms
    order = np.lexsort((rows, -scores))[:k]
    return [Neighbour(int(rows[j]), es.words[int(rows[j])], float(scores[j])) for j in order]


@dataclass(frozen=True)
class Outcome:
    """What evaluating a typed expression gave: a result, or a problem at a column."""

    text: str
    result: ArithmeticResult | None = None
    error: str = ""
    column: int = 0  # 1-based column of the problem, 0 = none
    length: int = 1  # characters to underline at `column`


def evaluate_text(es: EmbeddingSet, text: str, k: int = 10, *, method: Method = "add", exclude_inputs: bool = True,
                  restrict: int | None = None, backend: SearchBackend | None = None,
                  among: Sequence[int] | None = None) -> Outcome:
    """:func:`evaluate`, with a parse error, an unknown word or a backend's problem turned into an
    Outcome's problem."""
    try:
        res = evaluate(es, text, k, method=method, exclude_inputs=exclude_inputs, restrict=restrict or None,
                       backend=backend, among=among)
    except ExpressionError as e:
        return Outcome(text, error=f"column {e.column}: {e.reason}", column=e.column)
    except UnknownWordError as e:
        return Outcome(text, error=str(e), column=e.column or 1, length=max(len(e.word), 1))
    except ExplorerError as e:
        return Outcome(text, error=str(e))
    return Outcome(text, res)
