"""Keeping a layout's orientation: orthogonal Procrustes undoes rotations, mirror images and shifts,
keeps distances, moves the linear map with the points, and leaves unrelated sets alone."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.progress import run_sync
from core.projections.align import align_layout, procrustes
from core.projections.layout import point_rows, unit_rows
from core.projections.linear import pca


def random_orthogonal(seed: int, mirror: bool) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    if (np.linalg.det(q) < 0) != mirror:
        q[:, 0] *= -1
    return q


@pytest.mark.parametrize("mirror", [False, True])
def test_procrustes_recovers_a_rotation_or_a_mirror_image(mirror):
    a = np.random.default_rng(1).standard_normal((200, 3))
    r = random_orthogonal(2, mirror)
    b = a @ r + np.array([3.0, -1.0, 0.5])
    rot, ca, cb = procrustes(a, b)
    np.testing.assert_allclose((a - ca) @ rot + cb, b, atol=1e-9)
    np.testing.assert_allclose(rot, r, atol=1e-9)


@pytest.fixture(scope="module")
def two_epochs(glove):
    """The 2,000 most frequent GloVe words, and the same words slightly changed (the next epoch)."""
    es = glove.subset(range(2000))
    rng = np.random.default_rng(3)
    nxt = EmbeddingSet(es.words, (es.vectors + 0.05 * rng.standard_normal(es.vectors.shape)).astype(np.float32))
    return es, nxt


def test_a_new_pca_is_turned_onto_the_previous_one_and_keeps_its_distances(two_epochs):
    es, nxt = two_epochs
    rows = point_rows(es, 2000)
    before = run_sync(pca(es, rows))
    flipped = run_sync(pca(nxt, rows))
    sign = np.array([-1, 1, -1], np.float32)  # as a PCA sign flip would
    flipped.coords = flipped.coords * sign
    flipped.linear = (flipped.linear[0], flipped.linear[1] * sign[:, None])
    np.testing.assert_allclose(flipped.transform(unit_rows(nxt, rows[:100])), flipped.coords[:100], atol=1e-4)
    aligned = align_layout(flipped, nxt.words, before, es.words)
    assert aligned is not flipped and aligned.info["aligned"]["shared"] == 2000
    gap = np.linalg.norm(aligned.coords - before.coords, axis=1).mean()
    assert gap < 0.2 * np.linalg.norm(flipped.coords - before.coords, axis=1).mean()
    d = lambda c: np.linalg.norm(c[:50, None] - c[None, :50], axis=2)  # noqa: E731
    np.testing.assert_allclose(d(aligned.coords), d(flipped.coords), atol=1e-4)
    assert aligned.axis_labels[0] == "PC1 (aligned)"
    # the linear map moved with the points: new words land where they belong
    np.testing.assert_allclose(aligned.transform(unit_rows(nxt, rows[:100])), aligned.coords[:100], atol=1e-4)


def test_words_are_matched_by_spelling_when_the_vocabularies_differ(two_epochs, glove):
    es, nxt = two_epochs
    shuffled = EmbeddingSet(list(reversed(es.words)), np.ascontiguousarray(es.vectors[::-1]))
    before = run_sync(pca(es, point_rows(es, 2000)))
    other = run_sync(pca(shuffled, point_rows(shuffled, 2000)))
    aligned = align_layout(other, shuffled.words, before, es.words)
    # the same words in another order: aligned, each word lands on its old place
    np.testing.assert_allclose(aligned.coords[::-1], before.coords, atol=1e-3)


def test_unrelated_sets_and_custom_axes_are_left_alone(two_epochs, glove):
    es, _ = two_epochs
    before = run_sync(pca(es, point_rows(es, 2000)))
    far = glove.subset(range(100_000, 102_000))
    theirs = run_sync(pca(far, point_rows(far, 2000)))
    assert align_layout(theirs, far.words, before, es.words) is theirs
    assert align_layout(before, es.words, None, None) is before
    from core.projections.linear import custom_axes

    axes = run_sync(custom_axes(es, point_rows(es, 2000), ["man -> woman", "good -> bad"]))
    assert align_layout(axes, es.words, before, es.words) is axes
