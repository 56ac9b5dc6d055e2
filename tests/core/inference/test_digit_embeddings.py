"""core.inference.digit_embeddings: the 500-wide layer of all 5,000 digits as an embedding set,
and the nearest-neighbour figures (pixel space vs the layer)."""
from __future__ import annotations

import numpy as np
import pytest

from core.inference import registry
from core.inference.digit_embeddings import LAYER, digit_word, image_set_job, knn_accuracy, nearest, row_of_word
from core.inference.mnist import load_digits
from core.progress import run_sync
from tests.models.helpers import built


@pytest.fixture(scope="module")
def images():
    built(registry.DIGITS)
    return run_sync(image_set_job(registry.open(registry.DIGITS), load_digits()))


def test_the_set_has_every_digit_with_its_label_and_prediction(images):
    es, d = images.embeddings, images.digits
    assert len(es) == 5000 and es.dim == 500
    assert es.words[1234] == f"{d.labels[1234]} · #1234" and row_of_word(es.words[1234]) == 1234
    assert row_of_word("king") == -1 and digit_word(7, 3) == "7 · #3"
    assert set(es.metadata) == {"label", "predicted", "correct", "split"}
    assert es.metadata["label"][1234] == str(d.labels[1234])
    assert es.metadata["split"].count("held-out") == 1000
    wrong = images.misclassified
    assert 0 < len(wrong) < 100 and all(es.metadata["correct"][r] == "no" for r in wrong)
    clf = registry.open(registry.DIGITS)
    direct = clf.activations(d.images[[0, 2500, 4999]], [LAYER])[LAYER]
    np.testing.assert_allclose(es.vectors[[0, 2500, 4999]], direct, atol=1e-6)
    assert (es.vectors >= 0).all()  # after the ReLU


def test_knn_is_better_in_the_layer_than_in_pixels(images):
    knn = images.knn
    assert knn.n_test == 1000 and knn.n_train == 4000 and knn.k == 5
    assert 0.85 < knn.pixels < knn.layer <= 1.0
    assert knn.network == pytest.approx(registry.manifest(registry.DIGITS)["metrics"]["heldout_accuracy"], abs=1e-9)
    assert "pixels" in knn.line() and "500-wide layer" in knn.line()


def test_knn_agrees_with_scikit_learn_when_there_are_no_ties(images):
    from sklearn.neighbors import KNeighborsClassifier

    d = images.digits
    tr, te = d.train[::4], d.heldout[::5]
    X, y = d.images.reshape(5000, -1), d.labels
    want = KNeighborsClassifier(1).fit(X[tr], y[tr]).score(X[te], y[te])
    assert knn_accuracy(X[tr], y[tr], X[te], y[te], k=1) == pytest.approx(want)


def test_nearest_digits_of_a_digit_start_with_itself(images):
    v = images.embeddings.vectors[1234]
    near = nearest(images, v, k=9)
    assert near.rows[0] == 1234 and near.similarity[0] == pytest.approx(1.0, abs=1e-5)
    assert len(near.rows) == 9 and np.all(np.diff(near.similarity) <= 1e-7)
    assert (images.digits.labels[near.rows] == images.digits.labels[1234]).mean() >= 0.8
    assert len(nearest(images, np.zeros(500, np.float32)).rows) == 9  # a zero vector: no division by zero
