"""Parser for word-arithmetic expressions.

Grammar (whitespace is free):
    expression := analogy | sum
    analogy    := word ':' word '::' word ':' '?'        (a:b::c:?  ->  b - a + c)
    sum        := ['+'|'-'] term (('+'|'-') term)*
    term       := [number ['*']] word
A '-' inside a word (``e-mail``) is part of the word; as an operator it needs
whitespace or an operator before it (``king -man``, ``king - man``).
Columns in errors are 1-based.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ExpressionError

_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?")
_WORD_STOP = set(" \t+*:?()")


@dataclass(frozen=True)
class Term:
    coef: float
    word: str
    column: int  # 1-based column of the word

    @property
    def sign(self) -> int:
        return 1 if self.coef >= 0 else -1


@dataclass(frozen=True)
class Expression:
    text: str
    terms: tuple[Term, ...]
    analogy: bool = False

    @property
    def words(self) -> list[str]:
        return [t.word for t in self.terms]

    @property
    def positive(self) -> list[str]:
        return [t.word for t in self.terms if t.coef > 0]

    @property
    def negative(self) -> list[str]:
        return [t.word for t in self.terms if t.coef < 0]

    @property
    def plain(self) -> bool:
        """Only +1/-1 coefficients (what 3CosMul and gensim's most_similar accept)."""
        return all(abs(abs(t.coef) - 1.0) < 1e-12 for t in self.terms)

    def __str__(self) -> str:
        parts = []
        for i, t in enumerate(self.terms):
            op = ("- " if t.coef < 0 else "+ ") if i else ("-" if t.coef < 0 else "")
            c = abs(t.coef)
            coef = "" if abs(c - 1) < 1e-12 else f"{c:g}*"
            parts.append(f"{op}{coef}{t.word}")
        return " ".join(parts)


def parse(text: str) -> Expression:
    if not text.strip():
        raise ExpressionError(text, 1, "empty expression; expected words joined by + and -, e.g. king - man + woman")
    if "::" in text:
        return _parse_analogy(text)
    if ":" in text:
        raise ExpressionError(text, text.index(":") + 1, "an analogy has the form a:b::c:?")
    return _parse_sum(text)


def _parse_analogy(text: str) -> Expression:
    left, _, right = text.partition("::")
    lparts = left.split(":")
    rparts = right.split(":")
    if len(lparts) != 2 or len(rparts) != 2:
        col = len(left) + 3 if len(lparts) == 2 else text.index(":") + 1
        raise ExpressionError(text, col, "an analogy has the form a:b::c:?")
    cols = []
    offset = 0
    words = []
    for piece, base in ((lparts[0], 0), (lparts[1], len(lparts[0]) + 1),
                        (rparts[0], len(left) + 2), (rparts[1], len(left) + 3 + len(rparts[0]))):
        stripped = piece.strip()
        col = base + (len(piece) - len(piece.lstrip())) + 1
        words.append(stripped)
        cols.append(col)
        offset += 1
    for w, c in zip(words[:3], cols[:3]):
        if not w:
            raise ExpressionError(text, c, "missing word in analogy a:b::c:?")
        if any(ch in _WORD_STOP for ch in w):
            raise ExpressionError(text, c, f"{w!r} is not a single word")
    if words[3] not in ("?", ""):
        raise ExpressionError(text, cols[3], "the fourth place of an analogy must be '?'")
    a, b, c = words[:3]
    terms = (Term(1.0, b, cols[1]), Term(-1.0, a, cols[0]), Term(1.0, c, cols[2]))
    return Expression(text, terms, analogy=True)


def _parse_sum(text: str) -> Expression:
    i, n = 0, len(text)
    terms: list[Term] = []
    expect_term = True
    sign = 1.0
    saw_sign = False
    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
            continue
        if ch in "+-" and _operator_here(text, i, expect_term):
            if expect_term and saw_sign:
                raise ExpressionError(text, i + 1, "two operators in a row; expected a word")
            sign = 1.0 if ch == "+" else -1.0
            saw_sign = True
            expect_term = True
            i += 1
            continue
        if not expect_term:
            if ch in "*?()":
                raise ExpressionError(text, i + 1, f"unexpected {ch!r}; expected '+' or '-'")
            raise ExpressionError(text, i + 1, f"expected '+' or '-' before {text[i:].split()[0]!r}")
        coef = 1.0
        m = _NUMBER.match(text, i)
        if m and (m.end() == n or not text[m.end()].isalpha() or text[m.end()] == "*"):
            j = m.end()
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "*":
                j += 1
            if j < n and text[j] not in "+-":  # a coefficient; otherwise the number is itself a word ("1 + 2")
                coef = float(m.group())
                i = j
                while i < n and text[i] in " \t":
                    i += 1
            elif text[j - 1] == "*":
                raise ExpressionError(text, j + 1 if j < n else n + 1, f"expected a word after '{m.group()}*'")
        if i >= n:
            raise ExpressionError(text, n + 1 if n else 1, "expected a word at the end")
        if text[i] in "*:?()+":
            raise ExpressionError(text, i + 1, f"unexpected {text[i]!r}; expected a word")
        start = i
        while i < n and text[i] not in _WORD_STOP:
            i += 1
        word = text[start:i]
        terms.append(Term(sign * coef, word, start + 1))
        expect_term = False
        saw_sign = False
        sign = 1.0
    if expect_term:
        if terms or saw_sign:
            raise ExpressionError(text, n + 1, "expected a word after the last operator")
    return Expression(text, tuple(terms))


def _operator_here(text: str, i: int, expect_term: bool) -> bool:
    """'+' is always an operator; '-' is one unless it sits inside a word."""
    if text[i] == "+":
        return True
    if not expect_term:
        # after a word: '-' must be preceded by whitespace ("king -man") to be an operator
        return i > 0 and text[i - 1] in " \t"
    return True
