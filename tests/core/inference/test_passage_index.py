"""Sentence vectors of a corpus with the built MiniLM: equal to torch's at build time, cached by the
file's hash, cancellable with nothing left behind; exact search; the default corpus finds the
passages that three paraphrases were written from."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.passages import open_source
from core.errors import FileFormatError, InputError
from core.inference import registry
from core.inference.passage_index import find, index_job, search
from core.paths import cache_dir
from core.progress import run_sync
from tests.models.helpers import built, reference

# Three paraphrases written for this test, each of one sentence of lee_background.cor (found by a
# phrase of the original; the paraphrase shares few of its words).
PARAPHRASES = [
    ("Strong winds drove a big bushfire toward Hill Top, and hundreds of residents in the Southern Highlands "
     "had to leave their houses.", "forced to vacate their homes in the Southern Highlands"),
    ("In their usual Christmas addresses, Europe's kings and queens looked back on what the September 11 attacks "
     "in America had done.", "European monarchs have reflected on the impact"),
    ("Boucher was dismissed without scoring, the third batsman of the innings to make a duck, after gloving a "
     "leg-side delivery.", "Mark Boucher became the third duck of the innings"),
]


@pytest.fixture(scope="module")
def encoder():
    built(registry.ENCODER)
    return registry.open(registry.ENCODER)


@pytest.fixture(scope="module")
def lee(encoder):
    return run_sync(index_job(open_source(""), encoder))


def test_minilm_sentence_vectors_equal_the_torch_reference(encoder, tmp_path):
    ref = reference(registry.ENCODER)
    sentences = [str(s) for s in ref["sentences"]]
    np.testing.assert_allclose(encoder.embed(sentences), ref["torch_sentence_embedding"], atol=1e-5, rtol=0)
    f = tmp_path / "three.txt"
    f.write_text("\n".join(sentences) + "\n")
    index = run_sync(index_job(open_source(str(f)), encoder))  # the corpus path: batch ids, sorted by length
    np.testing.assert_allclose(index.vectors, ref["torch_sentence_embedding"], atol=1e-5, rtol=0)
    assert [index.text(i) for i in range(3)] == sentences and not index.from_cache


@pytest.mark.slow
def test_the_default_corpus_finds_the_passages_that_paraphrases_were_written_from(lee, encoder):
    assert len(lee) == 2680 and lee.source.name == "Lee news corpus"
    for query, phrase in PARAPHRASES:
        hits = find(lee, encoder, query, k=3)
        assert phrase in hits.hits[0].text, (query, [h.text[:80] for h in hits.hits])
        assert hits.hits[0].score > hits.hits[1].score + 0.1
    copied = lee.text(1500)
    top = find(lee, encoder, copied, k=1).hits[0]
    assert top.row == 1500 and top.score == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_a_second_open_maps_the_cache_without_encoding(lee, encoder):
    steps = []
    again = run_sync(index_job(open_source(""), encoder), steps.append)
    assert again.from_cache and again.folder == lee.folder and len(again) == len(lee)
    assert not any("encoded" in p.message for p in steps)
    es = again.embedding_set()
    assert len(es) == 2680 and es.words[0] == "Hundreds of people have been forced…" and es.dim == 384
    assert len(set(es.words)) == len(es) and es.metadata["passage"][1].startswith("A new blaze near Goulburn")


def test_search_is_exact_across_blocks_with_ties_by_row(monkeypatch):
    rng = np.random.default_rng(1)
    v = rng.standard_normal((1000, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v[700] = v[3]  # a tie: the lower row first
    q = v[3] + 0.01
    q /= np.linalg.norm(q)
    monkeypatch.setattr("core.inference.passage_index.SEARCH_BLOCK", 128)
    rows, scores = search(v, q, k=6)
    brute = np.argsort(-(v @ q), kind="stable")[:6]
    assert rows.tolist()[:2] == [3, 700] and sorted(rows.tolist()) == sorted(brute.tolist())
    np.testing.assert_allclose(scores, (v @ q)[rows], atol=1e-6)
    assert len(search(v[:4], q, k=10)[0]) == 4 and len(search(v, q, k=0)[0]) == 0


def test_bad_input_is_inline_and_a_cancel_leaves_nothing(encoder, tmp_path):
    with pytest.raises(InputError, match="type a query"):
        find(None, encoder, "   ")
    blank = tmp_path / "blank.txt"
    blank.write_text("\n   \n\n")
    with pytest.raises(FileFormatError, match="no passages in the file"):
        run_sync(index_job(open_source(str(blank), "lines"), encoder))
    many = tmp_path / "many.txt"
    many.write_text("".join(f"Line {i} about the river bank and the money bank.\n" for i in range(3000)))
    job = index_job(open_source(str(many)), encoder)
    for p in job:
        if "encoded" in p.message:
            break
    job.close()  # what Cancel does
    assert not any(cache_dir().joinpath("passages").glob("many-*")), "a cancelled index was left in the cache"


def test_a_passage_longer_than_256_tokens_is_cut_as_sentence_transformers_does(encoder, tmp_path):
    long = "the river bank " * 200
    ids = encoder.tokenizer.encode_batch_ids([long])[0]
    assert len(ids) == 256 and ids[0] == 101 and ids[-1] == 102  # tokenizer.json truncates, keeping [SEP]
    f = tmp_path / "long.txt"
    f.write_text(long + "\nA short one.\n")
    index = run_sync(index_job(open_source(str(f), "lines"), encoder))
    np.testing.assert_allclose(index.vectors, encoder.embed([long, "A short one."]), atol=1e-5)
