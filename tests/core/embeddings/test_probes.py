"""Probe scores agree with the full benchmarks on the questions and pairs a vocabulary can answer."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.evaluation import evaluate_analogies, evaluate_pairs
from core.embeddings.probes import ProbeSet, probe_neighbours
from core.progress import run_sync


@pytest.fixture(scope="module")
def glove5k(glove) -> EmbeddingSet:
    return glove.subset(range(5000), name="GloVe 5k")


def test_analogy_and_ws353_scores_equal_the_benchmarks_on_the_same_vocabulary(glove5k):
    s = ProbeSet.build(glove5k.words).scores(glove5k)
    full = run_sync(evaluate_analogies(glove5k, restrict=5000))
    assert s.analogy_total == full.total and s.analogy_correct == full.correct
    pairs = run_sync(evaluate_pairs(glove5k, "ws353", restrict=5000))
    assert s.ws353_pairs == pairs.pairs and s.ws353 == pytest.approx(pairs.spearman, abs=1e-9)
    assert 0.2 < s.related_gap < 0.6  # related pairs are clearly closer than unrelated ones
    assert s.to_json()["analogy_questions"] == full.total


def test_random_vectors_score_nothing(glove5k):
    rng = np.random.default_rng(0)
    noise = EmbeddingSet(glove5k.words, rng.standard_normal((5000, 50)).astype(np.float32))
    s = ProbeSet.build(noise.words).scores(noise)
    assert s.analogy_accuracy < 0.01 and abs(s.ws353) < 0.2 and abs(s.related_gap) < 0.05


def test_a_tiny_vocabulary_has_no_items_and_says_so():
    es = EmbeddingSet(["alpha", "beta", "gamma"], np.eye(3, dtype=np.float32))
    s = ProbeSet.build(es.words).scores(es)
    assert s.analogy_total == 0 and s.ws353_pairs == 0
    assert math.isnan(s.analogy_accuracy) and math.isnan(s.ws353) and math.isnan(s.related_gap)
    assert s.to_json()["ws353_spearman"] is None


def test_probe_neighbours_skip_unknown_words(glove5k):
    found = dict(probe_neighbours(glove5k, ["king", "zzzz", "paris"], k=5))
    assert list(found) == ["king", "paris"] and len(found["king"]) == 5
    assert "queen" in [w for w, _ in found["king"]] or "prince" in [w for w, _ in found["king"]]
