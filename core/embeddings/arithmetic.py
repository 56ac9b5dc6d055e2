"""Word arithmetic: 3CosAdd and 3CosMul (Levy & Goldberg 2014).

3CosAdd ranks every word x by cos(x, sum_i c_i * unit(w_i)); with +/-1
coefficients this is gensim's ``most_similar(positive, negative)``.
3CosMul ranks by prod_pos s(x, p)^c / (prod_neg s(x, n)^|c| + eps) with
s = (1 + cos) / 2, as gensim's ``most_similar_cosmul``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .embedding_set import EmbeddingSet
from ..errors import ExpressionError, UnknownWordError
from .expression import Expression, parse
from .neighbours import Neighbour, _top

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
) -> ArithmeticResult:
    expr = parse(expression) if isinstance(expression, str) else expression
    if not expr.terms:
        raise ExpressionError(expr.text, 1, "no words")
    ids = resolve_terms(es, expr)
    coefs = np.array([t.coef for t in expr.terms], dtype=np.float32)
    units = np.stack([es.unit_vector(i) for i in ids]).astype(np.float32)
    target = (coefs[:, None] * units).sum(axis=0)
    limit = len(es) if restrict is None else max(1, min(int(restrict), len(es)))
    V = np.asarray(es.vectors[:limit], dtype=np.float32)
    norms = np.where(es.norms[:limit] > 0, es.norms[:limit], 1.0).astype(np.float32)
    if method == "add":
        tn = float(np.linalg.norm(target))
        scores = (V @ (target / (tn if tn > 0 else 1.0))) / norms
    elif method == "mul":
        sims = (units @ V.T) / norms[None, :]  # (terms, limit) cosines
        sims = (1.0 + sims) / 2.0
        num = np.ones(limit, dtype=np.float32)
        den = np.ones(limit, dtype=np.float32)
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
        for i in ids:
            if i < limit:
                scores[i] = -np.inf
    top = _top(scores[None, :], k)[0]
    results = [Neighbour(int(i), es.words[i], float(scores[i])) for i in top if np.isfinite(scores[i])]
    return ArithmeticResult(expr, method, tuple(ids), tuple(es.words[i] for i in ids), target, results)


@dataclass(frozen=True)
class Outcome:
    """What evaluating a typed expression gave: a result, or a problem at a column."""

    text: str
    result: ArithmeticResult | None = None
    error: str = ""
    column: int = 0  # 1-based column of the problem, 0 = none
    length: int = 1  # characters to underline at `column`


def evaluate_text(es: EmbeddingSet, text: str, k: int = 10, *, method: Method = "add", exclude_inputs: bool = True,
                  restrict: int | None = None) -> Outcome:
    """:func:`evaluate`, with a parse error or an unknown word turned into an Outcome's problem."""
    try:
        res = evaluate(es, text, k, method=method, exclude_inputs=exclude_inputs, restrict=restrict or None)
    except ExpressionError as e:
        return Outcome(text, error=f"column {e.column}: {e.reason}", column=e.column)
    except UnknownWordError as e:
        return Outcome(text, error=str(e), column=e.column or 1, length=max(len(e.word), 1))
    return Outcome(text, res)
