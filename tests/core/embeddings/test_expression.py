import pytest

from core.embeddings.expression import parse
from core.errors import ExpressionError


def terms(text):
    return [(t.coef, t.word) for t in parse(text).terms]


def test_sum_with_spaces_and_without():
    assert terms("king - man + woman") == [(1, "king"), (-1, "man"), (1, "woman")]
    assert terms("king -man +woman") == [(1, "king"), (-1, "man"), (1, "woman")]
    assert terms("king+queen") == [(1, "king"), (1, "queen")]


def test_coefficients():
    assert terms("0.5*paris + 0.5*rome") == [(0.5, "paris"), (0.5, "rome")]
    assert terms("2 king - 1.5 * man") == [(2, "king"), (-1.5, "man")]
    assert terms("-king") == [(-1, "king")]
    assert not parse("0.5*paris").plain and parse("a - b").plain


def test_hyphenated_word_and_numbers_as_words():
    assert terms("e-mail + letter") == [(1, "e-mail"), (1, "letter")]
    assert terms("1 + 2") == [(1, "1"), (1, "2")]


def test_analogy_maps_to_b_minus_a_plus_c():
    e = parse("man:king::woman:?")
    assert e.analogy
    assert [(t.coef, t.word) for t in e.terms] == [(1, "king"), (-1, "man"), (1, "woman")]
    assert [t.column for t in e.terms] == [5, 1, 11]
    assert terms(" man : king :: woman : ? ") == [(1, "king"), (-1, "man"), (1, "woman")]


@pytest.mark.parametrize("text,column,words", [
    ("", 1, "empty"),
    ("king +", 7, "after the last operator"),
    ("king - - man", 8, "two operators"),
    ("king man", 6, "expected '+' or '-'"),
    ("king * man", 6, "unexpected '*'"),
    ("2*", 3, "expected a word after '2*'"),
    ("a:b::c:d", 8, "must be '?'"),
    ("a:b:c", 2, "a:b::c:?"),
    ("a:::c:?", 2, "a:b::c:?"),
    ("a:b:: :?", 7, "missing word"),
])
def test_errors_point_at_the_column(text, column, words):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == column, str(info.value)
    assert words in str(info.value)
    assert "^" in str(info.value)
