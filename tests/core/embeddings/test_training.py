"""word2vec training through gensim: a snapshot per epoch, gensim's own vectors, reproducible runs,
honest per-epoch loss, cancel between (and within) epochs, bad settings and corpora refused."""
from __future__ import annotations

import dataclasses
import threading
import time
import zlib

import numpy as np
import pytest

from core.embeddings import store
from core.embeddings.corpus import open_corpus
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.training import (
    SNAPSHOT_BUDGET,
    TrainingSettings,
    _rows_kept,
    compare,
    parse_probes,
    reprobe,
    save_vectors,
    stable_hash,
    train,
)
from core.errors import FileFormatError, InputError
from core.progress import run_sync

FAST = TrainingSettings(epochs=3)


@pytest.fixture(scope="module")
def lee():
    corpus = open_corpus("lee")
    list(corpus)  # read once: later passes come from memory
    return corpus


@pytest.fixture(scope="module")
def run(lee):
    return run_sync(train(FAST, lee))


def test_a_run_has_the_random_start_and_one_record_per_epoch(run):
    assert run.finished and [r.epoch for r in run.epochs] == [0, 1, 2, 3]
    assert run.epochs[0].loss is None and all(r.loss > 0 for r in run.epochs[1:])
    assert run.vocabulary == len(run.final) == 1799 and run.tokens == 60005 and run.documents == 300
    assert run.final.dim == 50 and run.final.words is run.epochs[0].embeddings.words  # one vocabulary
    assert run.probes[:3] == ("government", "fire", "police")
    first, last = run.epochs[0].embeddings.vectors, run.final.vectors
    assert not np.array_equal(first, last)
    assert "epoch 3" in run.final.name and run.final.source.endswith("lee_background.cor")


def test_the_vectors_are_gensims_own(run, lee):
    from gensim.models import Word2Vec

    model = Word2Vec(list(lee), **FAST.gensim_kwargs())
    assert run.final.words == model.wv.index_to_key
    assert np.array_equal(run.final.vectors, model.wv.vectors)


def test_one_worker_and_a_seed_give_identical_vectors(lee, run):
    again = run_sync(train(FAST, lee))
    for a, b in zip(run.epochs, again.epochs):
        assert np.array_equal(a.embeddings.vectors, b.embeddings.vectors) and a.loss == b.loss
    other_seed = run_sync(train(dataclasses.replace(FAST, seed=2, epochs=1), lee))
    assert not np.array_equal(other_seed.epochs[0].embeddings.vectors, run.epochs[0].embeddings.vectors)


def test_the_hash_does_not_depend_on_pythonhashseed():
    """CRC-32, not hash(): the same in every process (tests/core/cli checks whole runs across processes)."""
    assert stable_hash("king1") == zlib.crc32(b"king1") and stable_hash("é") == zlib.crc32("é".encode())


def test_per_epoch_losses_are_the_parts_of_gensims_cumulative_loss(run, lee):
    """gensim's tally is cumulative and float32: epoch 1 is the same number; later the per-epoch
    sums (reset after each epoch) add up to its total, up to the rounding a large float32 total
    suffers (gensim issue 2735)."""
    from gensim.models import Word2Vec

    class Cumulative:
        def __init__(self):
            self.seen = []

        def on_epoch_end(self, model):
            self.seen.append(model.get_latest_training_loss())

        on_train_begin = on_train_end = on_epoch_begin = lambda self, model: None

    cb = Cumulative()
    Word2Vec(list(lee), **FAST.gensim_kwargs(), compute_loss=True, callbacks=[cb])
    ours = [r.loss for r in run.epochs[1:]]
    assert ours[0] == cb.seen[0]
    assert sum(ours) == pytest.approx(cb.seen[-1], rel=1e-2)
    assert np.all(np.diff(cb.seen) > 0)  # it never resets by itself
    assert run.loss_exact and "approximate" not in run.to_json()["loss_note"]


def test_it_learns_the_loss_falls_and_neighbours_make_sense(lee):
    r = run_sync(train(TrainingSettings(epochs=8), lee, ["president", "fire"]))
    losses = [e.loss for e in r.epochs[1:]]
    assert losses[-1] < 0.8 * losses[0]
    first, last = dict(r.epochs[0].neighbours), dict(r.epochs[-1].neighbours)
    assert "bush" in [w for w, _ in last["president"]] and "bush" not in [w for w, _ in first["president"]]
    assert len(last["fire"]) == 5
    s = r.epochs[-1].scores
    assert s.analogy_total == 146 and s.ws353_pairs == 59  # questions with every word in lee's vocabulary


def test_progress_carries_the_run_so_far_after_each_epoch(lee):
    payloads = []
    run_sync(train(dataclasses.replace(FAST, epochs=2), lee), lambda p: payloads.append(p))
    runs = [p.payload for p in payloads if p.payload is not None]
    assert [len(r.epochs) for r in runs] == [1, 2, 3]
    assert [p.fraction for p in payloads if p.payload is not None] == [0.0, 0.5, 1.0]
    assert "epoch 2 of 2, loss" in [p.message for p in payloads if p.payload is not None][-1]


def test_closing_the_job_stops_gensim_at_once(tmp_path):
    path = tmp_path / "big.txt"
    words = [f"w{i}" for i in range(300)]
    rng = np.random.default_rng(0)
    path.write_text("\n".join(" ".join(rng.choice(words, 200)) for _ in range(3000)), encoding="utf-8")
    corpus = open_corpus(str(path))
    job = train(TrainingSettings(epochs=200), corpus)
    for p in job:
        if p.payload is not None and len(p.payload.epochs) == 2:  # epoch 1 done
            break
    before = {t.name for t in threading.enumerate()}
    assert "word2vec" in before
    t = time.perf_counter()
    job.close()
    assert time.perf_counter() - t < 10
    assert "word2vec" not in {t.name for t in threading.enumerate()}


@pytest.mark.parametrize("change, says", [
    ({"window": 0}, "window must be a whole number from 1 to 50, got 0"),
    ({"dimensions": 0}, "dimensions must be a whole number from 1 to 1000, got 0"),
    ({"negative": -1}, "negative must be a whole number from 1 to 50 (negative sampling needs at least one"),
    ({"epochs": 0}, "epochs must be"),
    ({"workers": 0}, "workers must be"),
])
def test_settings_out_of_range_are_named(change, says, lee):
    bad = dataclasses.replace(FAST, **change)
    with pytest.raises(InputError) as err:
        run_sync(train(bad, lee))
    assert says in str(err.value)


def test_a_corpus_too_small_for_the_minimum_count_says_what_to_do(lee):
    with pytest.raises(InputError) as err:
        run_sync(train(dataclasses.replace(FAST, min_count=1000), lee))
    text = str(err.value)
    assert "only 6 of the 7,577 distinct words of Lee news corpus occur at least 1000 times" in text
    assert "lower the minimum count" in text


def test_a_corpus_without_words_is_refused(tmp_path):
    path = tmp_path / "punctuation.txt"
    path.write_text("... !!! ,,,\n-- ??\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="no words"):
        run_sync(train(FAST, open_corpus(str(path))))


def test_compare_trains_both_architectures_on_the_same_corpus_and_seed(lee):
    small = dataclasses.replace(FAST, epochs=2)
    sg, cbow = run_sync(compare(small, lee, ["fire"]))
    assert (sg.settings.sg, cbow.settings.sg) == (True, False)
    assert sg.probes == cbow.probes == ("fire",) and sg.settings.seed == cbow.settings.seed
    assert np.array_equal(sg.epochs[0].embeddings.vectors, cbow.epochs[0].embeddings.vectors)  # same start
    assert not np.array_equal(sg.final.vectors, cbow.final.vectors)


def test_reprobe_looks_up_new_words_at_every_epoch(run):
    again = run_sync(reprobe(run, ("police", "notaword")))
    assert again.probes == ("police", "notaword")
    assert all([w for w, _ in r.neighbours] == ["police"] for r in again.epochs)  # an unknown word is skipped
    assert again.epochs[-1].neighbours == run_sync(reprobe(run, ("police",))).epochs[-1].neighbours
    assert again.final is run.final  # the same snapshots


def test_parse_probes():
    assert parse_probes(" Fire, police  war,fire ") == ("fire", "police", "war")
    assert parse_probes("") == ()


def test_large_vocabularies_keep_fewer_rows_per_epoch_for_the_replay():
    st = TrainingSettings(dimensions=300, epochs=20)
    assert _rows_kept(5000, st) == 5000
    n = _rows_kept(2_000_000, st)
    assert n * 300 * 4 * 21 <= SNAPSHOT_BUDGET and n >= 1000


def test_the_replay_keeps_the_most_frequent_words_when_the_budget_is_short(lee, monkeypatch):
    from core.embeddings import training

    monkeypatch.setattr(training, "SNAPSHOT_BUDGET", 1000 * 50 * 4 * 3)  # 1,000 rows for 3 snapshots
    r = run_sync(train(dataclasses.replace(FAST, epochs=2), lee, ["police"]))
    sizes = [len(e.embeddings) for e in r.epochs]
    assert sizes == [1000, 1000, 1799]  # the last epoch is always whole
    assert r.epochs[0].embeddings.words is r.epochs[1].embeddings.words == r.final.words[:1000]
    assert r.epochs[1].scores.analogy_total == 146  # figures are measured on every word
    assert dict(r.epochs[1].neighbours)["police"]


def test_save_as_word2vec_text_or_the_apps_folder_format(run, tmp_path):
    from core.embeddings.loaders import load

    text = run_sync(save_vectors(run.final, tmp_path / "v.txt"))
    back = run_sync(load(text))
    assert back.words == run.final.words
    np.testing.assert_allclose(back.vectors, run.final.vectors, rtol=1e-5, atol=1e-6)
    folder = run_sync(save_vectors(run.final, tmp_path / "set"))
    assert store.read_meta(folder)["count"] == 1799
    opened = store.open_set(folder)
    assert opened.words == run.final.words and np.array_equal(opened.vectors, run.final.vectors)
    assert isinstance(opened, EmbeddingSet)
    run_sync(save_vectors(run.final, folder))  # a saved set is replaced
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    with pytest.raises(InputError, match="exists and is not a saved set"):
        run_sync(save_vectors(run.final, precious))
    assert (precious / "thesis.tex").exists()
