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


def test_selected_rows_placed_along_a_direction(glove):
    """The selection's words along the gender direction, lowest first: the same cosines as typed words;
    a large selection shows its two ends; an empty one is an error that says what to do."""
    pairs = "man -> woman, king -> queen, he -> she"
    words = ["king", "queen", "actor", "actress", "he", "she"]
    rows = [glove.find(w).index for w in words]
    typed = directions.score_words(glove, pairs, ", ".join(words))
    placed = directions.score_words(glove, pairs, "", rows=rows)
    assert placed.error == "" and "6 selected words" in placed.note
    assert [w for w, _ in placed.scores] == [w for w, _ in sorted(typed.scores, key=lambda p: p[1])]
    np.testing.assert_allclose(sorted(v for _, v in placed.scores), sorted(v for _, v in typed.scores), atol=1e-5)
    assert {w for w, _ in placed.scores[:3]} == {"king", "actor", "he"}  # the male end first

    many = directions.score_words(glove, pairs, "", rows=range(5000))
    assert len(many.scores) == directions.SELECTION_SHOWN and "5,000 selected words" in many.note
    every = directions.score_rows(glove, many.direction, range(5000))
    assert many.scores[0][1] == pytest.approx(float(every.min()), abs=1e-6)
    assert many.scores[-1][1] == pytest.approx(float(every.max()), abs=1e-6)

    empty = directions.score_words(glove, pairs, "", rows=())
    assert empty.scores == () and "selection is empty" in empty.error
