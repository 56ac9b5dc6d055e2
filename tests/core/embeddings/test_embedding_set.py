import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import nearest
from core.errors import UnknownWordError


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



def test_completion_before_the_index_is_built_is_the_same(glove):
    """While the index is built on a worker, completion scans the words in row order (no synchronous
    build on the window's thread); both give the same words in the same order."""
    from core.progress import run_sync

    fresh = EmbeddingSet(glove.words[:50000], np.asarray(glove.vectors[:50000]))
    prefixes = ["cro", "The", "zzzzqx", "a", "new y", "é", "1"]
    before = [fresh.complete(p, 7) for p in prefixes]
    assert fresh._sorted is None  # not built by completing
    run_sync(fresh.build_indexes())
    assert [fresh.complete(p, 7) for p in prefixes] == before
    assert before[0] and before[3] and before[2] == []


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


def _python_indexes(words):
    """The indexes written the plain way: one Python sort, one dict."""
    lows = [w.lower() for w in words]
    order = sorted(range(len(words)), key=lows.__getitem__)
    low = {}
    for i, w in enumerate(lows):
        low.setdefault(w, i)
    return [lows[i] for i in order], order, low


@pytest.mark.parametrize("chunk", [7, 3000])
def test_index_job_sorts_like_python(glove_small, chunk):
    from core.progress import run_sync

    rng = np.random.default_rng(3)
    tricky = ["internationalization", "internationalisation", "Internationalization", "internationa",
              "internationalizations", "a" * 40, "a" * 39 + "b", "a" * 16, "a" * 17, "ab\0", "ab", "ab\0\0",
              "Éclair", "éclair", "ÉCLAIR", "straße", "STRASSE", "", "King", "KING", "zebra", "ZEBRA", "zebra"]
    words = glove_small.words[:5000] + tricky + ["".join(rng.choice(list("abAB"), rng.integers(12, 22)))
                                                 for _ in range(3000)]
    es = EmbeddingSet(words, rng.normal(size=(len(words), 4)).astype(np.float32))
    run_sync(es.build_indexes(chunk=chunk))
    keys, order, low = _python_indexes(words)
    assert es._sorted[0] == keys
    assert es._sorted[1].tolist() == order
    assert es._lower == low
    for prefix in ("internation", "INTERNATIONALIZ", "a" * 16, "éc", "ab"):
        assert es.complete(prefix, 10) == [w for w in words if w.lower().startswith(prefix.lower())][:10]
    assert es.find("Zebra").word == "zebra" and es.find("straSSE").word == "STRASSE"
    assert es.find("ab\0").index == words.index("ab\0")


def test_all_lowercase_sets_share_the_word_index(glove_small):
    from core.progress import run_sync

    fresh = glove_small.subset(range(len(glove_small)))
    run_sync(fresh.build_indexes())
    assert fresh._lower is fresh.index
    keys, order, _ = _python_indexes(fresh.words)
    assert fresh._sorted[1].tolist() == order
    assert fresh.complete("Par")[:3] == glove_small.complete("par")[:3]

def test_norms_are_summed_as_numpy_and_gensim_sum_them():
    from core.embeddings.embedding_set import row_norms

    v = np.asfortranarray(np.random.default_rng(2).standard_normal((3000, 50)).astype(np.float32) * 3)
    assert np.array_equal(row_norms(v, chunk=700), np.linalg.norm(np.ascontiguousarray(v), axis=1))


def test_a_store_from_before_the_norms_change_is_updated_on_open(tmp_path):
    import json

    from core.embeddings import store

    rng = np.random.default_rng(4)
    vecs = rng.standard_normal((100, 8)).astype(np.float32)
    folder = store.save([f"w{i}" for i in range(100)], vecs, tmp_path / "s", name="s", source="")
    meta = json.loads((folder / "meta.json").read_text())
    del meta["norms_version"]
    (folder / "meta.json").write_text(json.dumps(meta))
    np.save(folder / "norms.npy", np.sqrt(np.einsum("ij,ij->i", vecs, vecs)) + np.float32(1e-3))
    es = store.open_set(folder)
    assert np.array_equal(np.asarray(es.norms), np.linalg.norm(vecs, axis=1))
    assert json.loads((folder / "meta.json").read_text())["norms_version"] == store.NORMS_VERSION


def test_the_fingerprint_follows_the_content_not_the_object():
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(1000)]
    vectors = rng.normal(size=(1000, 8)).astype(np.float32)
    es = EmbeddingSet(words, vectors, name="a")
    fp = es.fingerprint()
    assert len(fp) == 20 and es.fingerprint() is fp  # computed once
    assert EmbeddingSet(list(words), vectors.copy(), name="renamed", source="elsewhere").fingerprint() == fp
    other = vectors.copy()
    other[500] *= 2  # a row outside the sample still changes its norm
    assert EmbeddingSet(words, other).fingerprint() != fp
    assert EmbeddingSet(words[:-1] + ["x"], vectors).fingerprint() != fp
    assert EmbeddingSet(words, vectors.astype(np.float16)).fingerprint() != fp
    assert EmbeddingSet([], np.empty((0, 8), np.float32)).fingerprint()
