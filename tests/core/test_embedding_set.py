import numpy as np
import pytest

from core.embedding_set import EmbeddingSet
from core.errors import UnknownWordError
from core.neighbours import nearest


def test_case_folding_says_so(glove):
    r = glove.resolve("King")
    assert r.word == "king" and r.case_folded
    assert not glove.resolve("king").case_folded


def test_unknown_word_suggestions(glove):
    with pytest.raises(UnknownWordError) as info:
        glove.resolve("crocodyle")
    assert "crocodile" in info.value.suggestions


def test_frequency_rank_and_ids(glove):
    assert glove.rank_of("the") == 1
    assert glove.word_of(glove.id_of("queen")) == "queen"


def test_completion_is_prefix_and_frequency_ordered(glove):
    c = glove.complete("cro", 5)
    assert all(w.startswith("cro") for w in c)
    assert [glove.id_of(w) for w in c] == sorted(glove.id_of(w) for w in c)
    assert glove.complete("zzzzqx") == []


@pytest.mark.parametrize("metric", ["cos", "euclid", "dot"])
def test_metrics_agree_with_brute_force(metric):
    rng = np.random.default_rng(3)
    V = rng.normal(size=(30000, 8)).astype(np.float32)
    V[5] = 0  # a zero vector must not break anything
    es = EmbeddingSet([f"w{i}" for i in range(len(V))], V)
    q = V[7]
    if metric == "cos":
        s = V @ q / np.maximum(np.linalg.norm(V, axis=1), 1e-30) / np.linalg.norm(q)
    elif metric == "dot":
        s = V @ q
    else:
        s = -np.linalg.norm(V - q, axis=1)
    s[7] = -np.inf
    want = list(np.argsort(-s, kind="stable")[:10])
    got = nearest(es, "w7", 10, metric=metric)
    assert [n.index for n in got] == want
    if metric == "euclid":
        np.testing.assert_allclose([n.score for n in got], -s[want], rtol=1e-4)


def test_index_job_builds_the_same_completion_index(glove_small):
    from core.progress import run_sync

    fresh = glove_small.subset(range(len(glove_small)))
    run_sync(fresh.build_indexes(chunk=3000))
    assert fresh._sorted is not None and fresh._lower is not None
    reference = glove_small.subset(range(len(glove_small)))
    assert fresh.complete("kin") == reference.complete("kin")
    assert fresh.complete("Par") == reference.complete("par")
    assert fresh.find("KING") == reference.find("KING")
