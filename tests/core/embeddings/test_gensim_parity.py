"""Same answers as gensim 4.x on the same vectors (gensim is a test dependency only)."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.arithmetic import evaluate
from core.embeddings.evaluation import data_file, evaluate_analogies, evaluate_pairs
from core.embeddings.neighbours import nearest, nearest_batch
from core.progress import run_sync

gensim_models = pytest.importorskip("gensim.models")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def kv(glove):
    kv = gensim_models.KeyedVectors(glove.dim)
    kv.add_vectors(glove.words, np.asarray(glove.vectors))
    kv.fill_norms()
    assert np.array_equal(kv.norms, np.asarray(glove.norms))  # the same norms, to the last bit
    return kv


@pytest.mark.parametrize("word", ["king", "crocodile", "paris", "computer", "the", "zygote"])
def test_neighbours_match_most_similar(glove, kv, word):
    ours = nearest(glove, word, 10)
    theirs = kv.most_similar(word, topn=10)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-4)


def test_king_has_prince_and_queen_in_top5(glove):
    top5 = [n.word for n in nearest(glove, "king", 5)]
    assert "prince" in top5 and "queen" in top5


def test_batched_neighbours_equal_single_queries(glove, kv):
    words = glove.words[500:600]
    batch = nearest_batch(glove, words, 10)
    for w, row in zip(words[::10], batch[::10]):
        assert [n.word for n in row] == [x for x, _ in kv.most_similar(w, topn=10)]


def test_restricted_search_matches_restrict_vocab(glove, kv):
    ours = nearest(glove, "king", 10, restrict=5000)
    theirs = kv.most_similar("king", topn=10, restrict_vocab=5000)
    assert [n.word for n in ours] == [w for w, _ in theirs]


@pytest.mark.parametrize("expr,pos,neg", [
    ("king - man + woman", ["king", "woman"], ["man"]),
    ("paris - france + italy", ["paris", "italy"], ["france"]),
    ("sushi - japan + germany", ["sushi", "germany"], ["japan"]),
])
def test_3cosadd_and_3cosmul_match_gensim(glove, kv, expr, pos, neg):
    add = evaluate(glove, expr, 5)
    theirs = kv.most_similar(positive=pos, negative=neg, topn=5)
    assert [n.word for n in add.results] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in add.results], [s for _, s in theirs], atol=1e-4)
    mul = evaluate(glove, expr, 5, method="mul")
    theirs = kv.most_similar_cosmul(positive=pos, negative=neg, topn=5)
    assert [n.word for n in mul.results] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in mul.results], [s for _, s in theirs], atol=1e-4)


def test_queen_first_for_king_minus_man_plus_woman(glove):
    r = evaluate(glove, "king - man + woman")
    assert r.best.word == "queen" and r.best.score == pytest.approx(0.852, abs=1e-3)


def test_analogies_30k_equal_gensim(glove):
    r = run_sync(evaluate_analogies(glove, restrict=30000))
    assert r.total == 14877
    assert r.correct == 7393
    assert round(r.accuracy, 4) == 0.4969
    assert len(r.failures) == r.total - r.correct
    assert {s.name for s in r.sections} >= {"capital-common-countries", "gram8-plural"}


@pytest.mark.slow
def test_analogy_sections_equal_gensim(glove, kv):
    r = run_sync(evaluate_analogies(glove, restrict=30000))
    _, sections = kv.evaluate_word_analogies(str(data_file("analogies")), restrict_vocab=30000)
    theirs = {s["section"]: len(s["correct"]) for s in sections}
    for s in r.sections:
        assert s.correct == theirs[s.name], s.name


@pytest.mark.parametrize("dataset,spearman", [("ws353", 0.503), ("simlex", 0.263)])
def test_word_pairs_equal_gensim(glove, kv, dataset, spearman):
    r = run_sync(evaluate_pairs(glove, dataset))
    pearson, sp, oov = kv.evaluate_word_pairs(str(data_file(dataset)))
    assert r.spearman == pytest.approx(sp.statistic, abs=1e-9)
    assert r.pearson == pytest.approx(pearson.statistic, abs=1e-6)
    assert r.oov_ratio == pytest.approx(oov)
    assert round(r.spearman, 3) == spearman


def same_ranking(ours, theirs) -> bool:
    """The same top-k: the same words, or the same float32 scores in every place (words differ only
    where two words have exactly the same score, which neither library orders by anything else)."""
    if [n.word for n in ours] == [x for x, _ in theirs]:
        return True
    return np.array_equal(np.float32([n.score for n in ours]), np.float32([s for _, s in theirs]))


@pytest.mark.parametrize("seed", [0, 11])
def test_fast_exact_search_equals_most_similar_on_1000_words(glove, kv, seed):
    """The compressed scan (int8 rows, exact re-rank) gives gensim's lists, and its scores to the last bit,
    on 1,000 sampled words (seed 0 holds 'devons', whose 10th and 11th neighbours tie exactly)."""
    from core.embeddings.embedding_set import EmbeddingSet
    from core.embeddings.search import compressed

    es = EmbeddingSet(glove.words, glove.vectors, name="fast", norms=glove.norms, word_index=glove.index)
    compressed.ensure(es)
    rng = np.random.default_rng(seed)
    words = [es.words[i] for i in rng.choice(len(es), 1000, replace=False)]
    for w in words:
        ours = nearest(es, w, 10)
        theirs = kv.most_similar(w, topn=10)
        assert same_ranking(ours, theirs), w
        np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], rtol=2e-7, atol=0)
