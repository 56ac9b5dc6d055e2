"""Exact search is the reference: the compressed scan (int8 rows, exact re-rank under a bound) returns
the same lists as the full float32 scan, and falls back to it whenever the bound cannot prove them."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import lookup, nearest, nearest_batch, search_vectors
from core.embeddings.search import compressed
from core.embeddings.search.exact import ExactBackend, exact_top


def words_sample(es: EmbeddingSet, count: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    return [es.words[i] for i in rng.choice(len(es), count, replace=False)]


@pytest.fixture(scope="module")
def plain(glove) -> EmbeddingSet:
    """The 400k GloVe vectors in a set of their own, without a compressed copy."""
    return EmbeddingSet(glove.words, glove.vectors, name="plain", norms=glove.norms, word_index=glove.index)


@pytest.fixture(scope="module")
def fast(glove) -> EmbeddingSet:
    es = EmbeddingSet(glove.words, glove.vectors, name="fast", norms=glove.norms, word_index=glove.index)
    assert compressed.ensure(es) is not None
    return es


def test_compressed_scan_equals_the_full_scan(plain, fast):
    words = words_sample(plain, 300)  # 1,000 against gensim: test_gensim_parity.py
    for w in words:
        a, b = nearest(plain, w, 10), nearest(fast, w, 10)
        assert [n.index for n in a] == [n.index for n in b], w
        assert [n.score for n in a] == [n.score for n in b], w


def test_the_answer_says_how_exact_search_ran(plain, fast):
    assert lookup(fast, "king", 10).answer.note == "int8 scan + exact re-rank"
    assert lookup(plain, "king", 10).answer.note == "every row scored"
    assert lookup(fast, "king", 10, "dot").answer.note == "every row scored"  # the copy is for cosine
    a = lookup(fast, "king", 10).answer
    assert a.backend == "exact" and a.recall == 1.0 and a.latency_ms > 0


def test_when_the_bound_cannot_prove_the_candidates_it_scans_everything(fast, plain, monkeypatch):
    copy = compressed.get(fast)
    monkeypatch.setattr(compressed, "CANDIDATES", 24)  # too few candidates for many words' bound
    words = words_sample(plain, 50, seed=9)
    fell_back = sum(copy.candidates(fast.unit_vector(fast.id_of(w)), 11, len(fast)) is None for w in words)
    assert fell_back > 0
    for w in words:
        assert [n.index for n in nearest(fast, w, 10)] == [n.index for n in nearest(plain, w, 10)]


def test_candidates_hold_the_exact_top_k_within_a_restriction(fast, plain):
    copy = compressed.get(fast)
    for w in words_sample(plain, 100, seed=4):
        q = fast.unit_vector(fast.id_of(w))
        truth = exact_top(plain, q[None], 11, "cos", 30000)[0]
        cand = copy.candidates(q, 11, 30000)
        assert cand is None or set(truth) <= set(cand.tolist())
        if cand is not None:
            assert cand.max() < 30000
    for w in ("king", "paris"):
        assert nearest(fast, w, 10, restrict=30000) == nearest(plain, w, 10, restrict=30000)


def test_the_exact_backend_object_is_the_same_search(glove_small):
    b = ExactBackend(glove_small)
    q = np.stack([glove_small.unit_vector(glove_small.id_of(w)) for w in ("king", "water")])
    hits = b.search(q, 5)
    assert [glove_small.words[i] for i in hits.rows[0][1:]] == [n.word for n in nearest(glove_small, "king", 4)]
    res, answer = search_vectors(glove_small, q, 5, backend=b, exclude=[[glove_small.id_of("king")], []])
    assert [n.word for n in res[0]] == [n.word for n in nearest(glove_small, "king", 5)]
    assert answer.backend == "exact"
    assert nearest_batch(glove_small, ["king", "water"], 5, backend=b) == nearest_batch(
        glove_small, ["king", "water"], 5
    )


def test_zero_rows_and_a_zero_query_are_safe():
    words = ["a", "b", "c", "zero"] + [f"w{i}" for i in range(2000)]
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((len(words), 8)).astype(np.float32)
    vecs[3] = 0
    es = EmbeddingSet(words, vecs)
    plain = EmbeddingSet(words, vecs.copy())
    compressed.ensure(es)
    for w in ("a", "b", "w7"):
        assert nearest(es, w, 10) == nearest(plain, w, 10)
    assert compressed.get(es).candidates(np.zeros(8, np.float32), 5, len(es)) is None
