"""Live placement: exact for linear layouts, the neighbour mean for t-SNE, links to true neighbours."""
from __future__ import annotations

import numpy as np
import pytest

from core.progress import run_sync
from core.projections import layout as P
from core.projections import placement
from core.projections.project import project


@pytest.fixture(scope="module")
def pca_layout(glove):
    return run_sync(project(glove, P.point_rows(glove, 5000), "pca", cache=False))


@pytest.fixture(scope="module")
def tsne_layout(glove):
    rows = P.point_rows(glove, 1500)
    return run_sync(project(glove, rows, "tsne", {"iterations": 150, "early_iterations": 60}, cache=False))


def test_pca_placement_is_exact(glove, pca_layout):
    # a word in the layout lands exactly on its own point
    i = pca_layout.index_of()[glove.id_of("king")]
    got = placement.place_vectors(glove, pca_layout, glove.vector("king")[None, :])
    np.testing.assert_allclose(got[0], pca_layout.coords[i], atol=1e-5)
    # a rare word lands where the affine map sends it
    rare = glove.id_of("crocodile")
    assert rare not in pca_layout.index_of()
    mean, comps = pca_layout.linear
    expected = (glove.unit_vector(rare) - mean) @ comps.T
    pl = run_sync(placement.place(glove, pca_layout, [rare], neighbours=0))
    assert pl.method == "exact" and list(pl.rows) == [rare]
    np.testing.assert_allclose(pl.coords[0], expected, atol=1e-5)


def test_pca_placement_agrees_with_a_projection_that_included_the_word(glove, pca_layout):
    """PCA fitted without the word and with it differ only by that one point's influence."""
    rare = glove.id_of("crocodile")
    with_it = run_sync(project(glove, P.point_rows(glove, 5000, [rare]), "pca", cache=False))
    placed = placement.place_vectors(glove, pca_layout, glove.vector("crocodile")[None, :])[0]
    truth = with_it.coords[with_it.index_of()[rare]]
    assert np.linalg.norm(placed - truth) < 0.01 * np.linalg.norm(truth) + 1e-3


def test_axes_placement_is_the_dot_product(glove):
    layout = run_sync(project(glove, np.arange(1000), "axes", {"x": "man -> woman", "y": "big -> small"},
                                cache=False))
    got = placement.place_vectors(glove, layout, glove.vector("actress")[None, :])[0]
    d = glove.unit_vector("woman") - glove.unit_vector("man")
    assert got[0] == pytest.approx(float(glove.unit_vector("actress") @ d / np.linalg.norm(d)), abs=1e-5)
    assert got[2] == 0.0


def test_tsne_placement_is_the_weighted_mean_of_its_neighbours(glove, tsne_layout):
    vec = glove.vector("crocodile")[None, :]
    coords, anchors = placement.neighbour_mean(glove, tsne_layout, vec, k=10)
    X = placement.layout_units(glove, tsne_layout)
    cos = X @ glove.unit_vector("crocodile")
    top = np.argsort(-cos)[:10]
    assert set(anchors[0]) == set(top)
    w = np.exp((cos[top] - cos[top].max()) / placement.TEMPERATURE)
    np.testing.assert_allclose(coords[0], (w / w.sum()) @ tsne_layout.coords[top], rtol=1e-4, atol=1e-4)
    assert placement.method_for(tsne_layout) == "neighbour mean"


def test_tsne_placement_puts_a_held_out_word_among_its_neighbours(glove, tsne_layout):
    """Place words that are in the layout as if they were not; they should land near their own point."""
    index = tsne_layout.index_of()
    spread = np.median(np.linalg.norm(tsne_layout.coords - tsne_layout.coords.mean(0), axis=1))
    errors = []
    for word in ("france", "monday", "blue", "seven", "football", "january"):
        i = index[glove.id_of(word)]
        got, _ = placement.neighbour_mean(glove, tsne_layout, glove.vector(word)[None, :], k=10, exclude=[{i}])
        errors.append(np.linalg.norm(got[0] - tsne_layout.coords[i]))
    assert np.median(errors) < 0.25 * spread


def test_place_links_a_rare_word_to_its_true_neighbours(glove, tsne_layout):
    croc = glove.id_of("crocodile")
    pl = run_sync(placement.place(glove, tsne_layout, [croc], neighbours=10))
    linked = [glove.words[n] for r, n in pl.links if r == croc]
    assert "alligator" in linked and len(linked) == 10
    # every linked neighbour has a position: in the layout or placed with the word
    placed = set(int(r) for r in pl.rows)
    inside = tsne_layout.index_of()
    assert all(n in inside or n in placed for _, n in pl.links)
    assert pl.coords.shape == (len(pl.rows), 3) and np.isfinite(pl.coords).all()


def test_words_already_in_the_layout_are_not_placed(glove, tsne_layout):
    pl = run_sync(placement.place(glove, tsne_layout, [glove.id_of("the")]))
    assert len(pl.rows) == 0 and pl.links == []


def test_an_arithmetic_target_closes_the_parallelogram_in_linear_layouts(glove, pca_layout):
    from core.embeddings.arithmetic import evaluate

    a = evaluate(glove, "king - man + woman")
    got = placement.place_vectors(glove, pca_layout, a.target[None, :], combination=True)[0]
    p = {w: placement.place_vectors(glove, pca_layout, glove.vector(w)[None, :])[0] for w in ("king", "man", "woman")}
    np.testing.assert_allclose(got, p["king"] - p["man"] + p["woman"], atol=1e-5)
