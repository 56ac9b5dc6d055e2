"""Selecting points (no Qt): lasso and box tests against a plain even-odd reference, combine modes,
regex / metadata / neighbours, exports, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.errors import InputError
from core.progress import run_sync
from core.projections.selection import by_metadata, by_regex, combine, export, in_box, in_polygon, neighbours_of


def _reference(xy, poly):
    out = []
    for x, y in xy:
        inside = False
        for (ax, ay), (bx, by) in zip(poly, np.roll(poly, -1, axis=0)):
            if (ay <= y < by or by <= y < ay) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                inside = not inside
        out.append(inside)
    return np.array(out)


def test_lasso_matches_the_even_odd_rule_on_a_concave_star():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, size=(3000, 2)).astype(np.float32)
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    r = np.where(np.arange(40) % 2, 15, 45)
    star = np.c_[50 + r * np.cos(t), 50 + r * np.sin(t)].astype(np.float32)
    np.testing.assert_array_equal(in_polygon(xy, star), _reference(xy, star))
    assert in_box(xy, (10, 10), (0, 0)).sum() == ((xy[:, 0] <= 10) & (xy[:, 1] <= 10)).sum()


def test_a_lasso_over_nothing_or_too_few_vertices_selects_nothing():
    xy = np.array([[1, 1], [2, 2]], np.float32)
    assert not in_polygon(xy, np.array([[50, 50], [60, 50], [60, 60]])).any()
    assert not in_polygon(xy, np.array([[0, 0], [3, 3]])).any()
    assert not in_polygon(np.empty((0, 2)), np.array([[0, 0], [3, 0], [3, 3]])).any()


def test_combine_modes():
    assert combine((5, 1), [3, 1], "replace") == (1, 3)
    assert combine((5, 1), [3, 1], "add") == (1, 3, 5)
    assert combine((5, 1), [3, 1], "remove") == (5,)
    with pytest.raises(InputError, match="unknown selection mode"):
        combine((), [], "xor")


def test_text_selections_and_their_errors(glove_small):
    es = glove_small
    assert all(es.words[r].endswith("ing") for r in by_regex(es, "ing$"))
    with pytest.raises(InputError, match="not a regular expression at column 1"):
        by_regex(es, "(")
    with pytest.raises(InputError, match="has no metadata column 'pos'"):
        by_metadata(es, "pos", "noun")
    tagged = EmbeddingSet(["a", "b", "c"], np.eye(3, dtype=np.float32), metadata={"pos": ["n", "v", "n"]})
    assert by_metadata(tagged, "pos", "n") == [0, 2]
    near = neighbours_of(es, "king", 5)
    assert near[0] == es.find("king").index and len(near) == 6


def test_exports_and_an_empty_selection(glove_small, tmp_path):
    rows = [0, 5, 9]
    run_sync(export(glove_small, rows, tmp_path / "w.txt", "words"))
    assert (tmp_path / "w.txt").read_text().split() == [glove_small.words[r] for r in rows]
    run_sync(export(glove_small, rows, tmp_path / "v.tsv", "tsv"))
    assert len((tmp_path / "v.tsv").read_text().splitlines()) == 3
    with pytest.raises(InputError, match="nothing is selected"):
        run_sync(export(glove_small, [], tmp_path / "x.txt", "words"))
