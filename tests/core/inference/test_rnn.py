"""The built GRU language model (models/build_rnn.py) through onnxruntime: its reference outputs,
one step equal to a whole text read at once, the two orderings of "let's eat, Charles", a plausible
guess after "the united", bad input said plainly, a long paste read as a cancellable job, its
embedding table as a word set, and its sentence vectors on the search test's paraphrases."""
from __future__ import annotations

import time

import numpy as np
import pytest

from core.embeddings.passages import open_source
from core.errors import Cancelled, InputError
from core.inference import registry
from core.inference.rnn_search import paraphrase_recall, passage_vectors
from core.inference.rnn_vocab import UNK, tokenize
from core.progress import CancelToken, run_sync
from core.projections.state_paths import StateSpace, parting, paths_job
from tests.core.inference.test_passage_index import PARAPHRASES
from tests.models.helpers import built, reference


@pytest.fixture(scope="module")
def rnn():
    built(registry.RNN)
    return registry.open(registry.RNN)


def test_tokens_are_lower_cased_words_numbers_and_marks():
    assert tokenize("Let’s eat, Charles!") == ["let's", "eat", ",", "charles", "!"]
    assert tokenize('He said "1,200 well-known" (sic).') == ["he", "said", '"', "<num>", ",", "<num>", "well-known",
                                                              '"', "(", "sic", ")", "."]


def test_reference_outputs_are_reproduced(rnn):
    ref = reference(registry.RNN)
    for i, text in enumerate(ref["texts"]):
        ids = rnn.vocab.ids(tokenize(str(text)))
        assert ids == ref[f"ids_{i}"].tolist()
        lp, states = rnn.forward(ids)
        np.testing.assert_allclose(states, ref[f"states_{i}"], atol=1e-4, rtol=0)
        np.testing.assert_allclose(lp, ref[f"log_probs_{i}"], atol=1e-4, rtol=0)


def test_one_step_at_a_time_equals_the_whole_text_in_one_call(rnn):
    ids = rnn.vocab.ids(tokenize("the prime minister said on tuesday that the government would act ."))
    lp_all, states_all = rnn.forward(ids)
    h = rnn.zero_state()
    for i, t in enumerate(ids):
        lp, h = rnn.step(t, h)
        np.testing.assert_allclose(h, states_all[i], atol=1e-5, rtol=0)
        np.testing.assert_allclose(lp, lp_all[i], atol=1e-4, rtol=0)
    assert np.allclose(np.exp(lp_all).sum(axis=1), 1.0, atol=1e-3)  # a distribution over the vocabulary


def test_one_step_takes_under_2_ms(rnn):
    h, t = rnn.zero_state(), rnn.vocab.id("the")
    times = []
    for _ in range(300):
        t0 = time.perf_counter()
        _, h = rnn.step(t, h)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.002, f"median step {1e3 * np.median(times):.2f} ms"


def test_the_two_orderings_coincide_until_the_comma_then_part(rnn):
    a, b = rnn.read("let's eat, Charles"), rnn.read("let's eat Charles")
    assert a.tokens == ["let's", "eat", ",", "charles"] and b.tokens == ["let's", "eat", "charles"]
    assert parting(a.tokens, b.tokens) == 2
    np.testing.assert_array_equal(a.states[:2], b.states[:2])  # the same words so far: the same state
    assert np.linalg.norm(a.states[2] - b.states[2]) > 0.1
    assert np.linalg.norm(a.final - b.final) > 0.1  # "charles" after the comma is somewhere else
    paths = run_sync(paths_job(StateSpace(rnn), ("let's eat, Charles", "let's eat Charles")))
    pa, pb = paths.paths
    assert paths.parting == 2 and np.allclose(pa.coords[:2], pb.coords[:2])
    assert not np.allclose(pa.coords[2], pb.coords[2]) and paths.background.shape[1] == 3


def test_the_united_is_followed_by_a_plausible_word(rnn):
    top = [w for w, _ in rnn.read("the united").steps[-1].top]
    assert {"states", "nations", "kingdom"} & set(top[:3]), top


def test_bad_input_is_said_plainly(rnn):
    with pytest.raises(InputError, match="empty"):
        rnn.read("  ")
    with pytest.raises(InputError, match="empty"):
        run_sync(paths_job(StateSpace(rnn), ("", "")))
    with pytest.raises(InputError, match=f"unknown token {UNK}") as e:
        rnn.read("zzxqv qqvvz")
    assert "'zzxqv'" in str(e.value)
    r = rnn.read("the zzxqv said")
    assert r.unknown == ["zzxqv"] and not r.steps[1].known


def test_a_10000_word_paste_is_read_in_chunks_and_can_be_cancelled(rnn):
    text = " ".join(["the government said the fire was under control ."] * 1100)
    steps = []
    r = run_sync(rnn.read_job(text), steps.append)
    assert len(r.steps) == 9900 and len(steps) == -(-9900 // 256) and r.states.shape == (9900, rnn.hidden_size)
    token = CancelToken()
    job = rnn.read_job(text, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(Cancelled):
        next(job)


def test_the_input_embeddings_open_as_a_word_set(rnn):
    es = rnn.embedding_set()
    assert len(es) == len(rnn.vocab) - 2 and es.dim == rnn.manifest["config"]["embed"] and es.words[0] == "the"
    for word, kin in (("january", {"february", "march", "april", "june", "july", "august", "december"}),
                      ("two", {"three", "four", "five", "six", "seven", "ten"}), ("is", {"are", "was", "were"})):
        sims = es.unit_matrix() @ es.unit_vector(word)
        near = [es.words[i] for i in np.argsort(-sims)[1:6]]
        assert len(kin & set(near)) >= 2, (word, near)


@pytest.mark.slow
def test_states_as_sentence_vectors_on_the_paraphrase_test(rnn):
    final = run_sync(passage_vectors(rnn, open_source("")))
    assert len(final.texts) == 2680 and np.allclose(np.linalg.norm(final.vectors, axis=1), 1.0, atol=1e-4)
    recall = paraphrase_recall(rnn, final, PARAPHRASES)
    assert all(r > 0 for r in recall.ranks)
    assert recall.at(50) >= 1, recall.ranks  # measured: ranks 1155, 1602, 21 (MiniLM: 1, 1, 1)
    mean = run_sync(passage_vectors(rnn, open_source(""), "mean"))
    assert paraphrase_recall(rnn, mean, PARAPHRASES).at(5) >= 2  # measured: ranks 1, 3, 467
