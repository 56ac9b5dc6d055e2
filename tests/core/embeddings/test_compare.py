"""Comparing two sets: Procrustes alignment, moved (cosine distance), kNN overlap (Jaccard), refusals."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.compare import compare, jaccard, knn, top_k
from core.embeddings.embedding_set import EmbeddingSet
from core.errors import InputError
from core.progress import run_sync


def _pair(n=400, d=16, noisy=5, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, d)).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    w = v @ q.astype(np.float32) + 0.5  # rotated and shifted: alignment undoes both
    w[:noisy] = rng.normal(size=(noisy, d)).astype(np.float32)  # these words really moved
    words = [f"w{i}" for i in range(n)]
    return EmbeddingSet(words, v, name="a"), EmbeddingSet(list(reversed(words)), w[::-1].copy(), name="b")


def test_rotation_is_undone_and_the_moved_words_rank_first():
    a, b = _pair()
    cmp = run_sync(compare(a, b, k=5))
    assert cmp.shared == 400
    top = {w for w, _m, _o in cmp.ranking(5)}
    assert top == {f"w{i}" for i in range(5)}
    rest = cmp.moved[5:]
    assert rest.max() < 0.2 and cmp.moved[:5].min() > 0.3
    js = cmp.as_json()
    assert [w["moved"] for w in js["words"]] == sorted((w["moved"] for w in js["words"]), reverse=True)
    assert set(js["words"][0]) == {"word", "moved", "overlap"}


def test_identical_sets_overlap_fully():
    a, _ = _pair()
    cmp = run_sync(compare(a, a, k=10))
    assert np.allclose(cmp.moved, 0, atol=1e-5)
    assert np.all(cmp.overlap == 1.0)


def test_top_k_is_exact_against_a_full_partition():
    rng = np.random.default_rng(3)
    s = rng.normal(size=(300, 5000)).astype(np.float32)
    s[:, ::7] += 2.0  # bunched: some rows fall back to the full partition
    got = np.sort(top_k(s.copy(), 10), axis=1)
    ref = np.sort(np.argpartition(s, 5000 - 10, axis=1)[:, -10:], axis=1)
    assert np.array_equal(got, ref)


def test_knn_leaves_each_word_out_and_jaccard_counts_shared_neighbours():
    rng = np.random.default_rng(4)
    u = rng.normal(size=(200, 8)).astype(np.float32)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    nn = run_sync(knn(u, 6, block=64))
    assert not (nn == np.arange(200)[:, None]).any()
    assert jaccard(np.array([[1, 2, 3]]), np.array([[3, 2, 9]]))[0] == pytest.approx(2 / 4)


def test_too_few_shared_words_is_refused_saying_how_many():
    a, b = _pair(n=400, d=16)
    small = b.subset(np.arange(20), name="small")
    with pytest.raises(InputError, match=r"share 20 words.*at least 32"):
        run_sync(compare(a, small))


def test_different_widths_are_mapped_by_least_squares_with_a_notice():
    a, _ = _pair(n=400, d=16)
    rng = np.random.default_rng(5)
    wide = EmbeddingSet(list(a.words), np.asarray(a.vectors) @ rng.normal(size=(16, 24)).astype(np.float32))
    cmp = run_sync(compare(a, wide, k=5))
    assert "different widths (16 and 24)" in cmp.notice
    assert cmp.moved.max() < 0.05  # a linear map of the same vectors: nothing moved


def test_the_maps_turn_each_set_into_the_others_space():
    a, b = _pair(noisy=0)
    cmp = run_sync(compare(a, b, k=5))
    ua = a.vectors[cmp.rows_a] * a.inv_norms[cmp.rows_a, None]
    ub = b.vectors[cmp.rows_b] * b.inv_norms[cmp.rows_b, None]
    # unit vectors of a rotated and shifted copy: b's words land near a's own (not exactly: normalised)
    back = cmp.b_in_a(ub)
    cos = np.einsum("ij,ij->i", back, ua) / np.linalg.norm(back, axis=1) / np.linalg.norm(ua, axis=1)
    assert np.median(cos) > 0.9
    there = cmp.a_in_b(ua)
    cos = np.einsum("ij,ij->i", there, ub) / np.linalg.norm(there, axis=1) / np.linalg.norm(ub, axis=1)
    assert np.median(cos) > 0.9
