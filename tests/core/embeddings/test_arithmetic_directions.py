import numpy as np
import pytest

from core.embeddings import directions
from core.embeddings.arithmetic import evaluate
from core.errors import ExplorerError, ExpressionError, UnknownWordError


def test_unknown_word_names_it_with_close_spellings(glove):
    with pytest.raises(UnknownWordError) as info:
        evaluate(glove, "king - man + womann")
    e = info.value
    assert e.word == "womann" and e.column == 14 and "woman" in e.suggestions
    assert "did you mean" in str(e)


def test_hyphen_without_spaces_gets_a_hint(glove):
    with pytest.raises(ExpressionError, match="spaces around '-'"):
        evaluate(glove, "king-man + woman")


def test_inputs_can_be_kept(glove):
    r = evaluate(glove, "king - man + woman", 3, exclude_inputs=False)
    assert "king" in [n.word for n in r.results]


def test_weighted_terms_and_case_folding(glove):
    r = evaluate(glove, "0.5*Paris + 0.5*Rome", 5)
    assert r.input_words == ("paris", "rome")
    assert {"milan", "italy", "france"} & {n.word for n in r.results}


def test_plural_direction_rises_with_number(glove):
    d = directions.direction(glove, directions.PRESETS["plural"], "plural")
    s = dict(directions.scores(glove, d, ["one", "two", "three", "four", "cat", "cats"]))
    assert s["one"] < s["two"] < s["three"] or s["one"] < min(s["two"], s["three"], s["four"])
    assert s["cats"] > s["cat"]
    assert all(c > 0 for c in d.pair_cosines)


def test_orthogonalisation(glove):
    g = directions.direction(glove, directions.PRESETS["gender"])
    p = directions.direction(glove, directions.PRESETS["plural"])
    o = directions.orthogonalize(p, g)
    assert abs(float(o.vector @ g.vector)) < 1e-5
    assert np.linalg.norm(o.vector) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ExplorerError):
        directions.orthogonalize(g, g)


def test_parse_pairs_accepts_arrows_and_differences():
    assert directions.parse_pairs("cat -> cats, dog->dogs") == [("cat", "cats"), ("dog", "dogs")]
    assert directions.parse_pairs("cats - cat; women - woman") == [("cat", "cats"), ("woman", "women")]
    with pytest.raises(ExplorerError):
        directions.parse_pairs("cat")
