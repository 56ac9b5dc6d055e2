"""Every loader on small real files: round trips through the exporters, options, sniffing, cache."""
from __future__ import annotations

import os

import numpy as np
import pytest

from core.embeddings import exporters, loaders
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.loaders import sniff_format
from core.errors import FileFormatError
from core.paths import cache_dir
from core.progress import run_sync

from .conftest import load, write_w2v_binary

WORDS = ["the", "king", "queen", "Paris", "e-mail", "naïve", "日本"]


@pytest.fixture
def small() -> EmbeddingSet:
    rng = np.random.default_rng(0)
    return EmbeddingSet(list(WORDS), rng.normal(size=(len(WORDS), 6)).astype(np.float32), name="small")


def same(a: EmbeddingSet, b: EmbeddingSet, atol=1e-5):
    assert a.words == b.words
    np.testing.assert_allclose(np.asarray(a.vectors), np.asarray(b.vectors), atol=atol)


@pytest.mark.parametrize("header,fmt", [(True, "word2vec-text"), (False, "glove")])
def test_text_round_trip(tmp_path, small, header, fmt):
    p = tmp_path / "v.txt"
    run_sync(exporters.write_word2vec_text(small, p, header=header))
    assert sniff_format(p) == fmt
    same(small, load(p))


def test_fasttext_vec_with_trailing_spaces(tmp_path, small):
    p = tmp_path / "wiki.vec"
    lines = [f"{len(small)} {small.dim}"] + [
        w + " " + " ".join(f"{x:.6f}" for x in v) + " " for w, v in zip(small.words, np.asarray(small.vectors))]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert sniff_format(p) == "fasttext-vec"
    same(small, load(p))


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binary(tmp_path, small, newline):
    p = tmp_path / "v.bin"
    write_w2v_binary(p, small.words, np.asarray(small.vectors), newline)
    assert sniff_format(p) == "word2vec-binary"
    same(small, load(p), atol=0)


def test_projector_tsv_round_trip_with_metadata(tmp_path, small):
    small.metadata = {"pos": ["DET", "N", "N", "PROPN", "N", "ADJ", "PROPN"]}
    v, m = run_sync(exporters.write_projector_tsv(small, tmp_path / "vectors.tsv"))
    assert m.read_text(encoding="utf-8").splitlines()[0] == "word\tpos"
    got = load(v)  # metadata.tsv beside vectors.tsv is found by itself
    same(small, got)
    assert got.metadata["pos"] == small.metadata["pos"]


def test_projector_single_column_metadata_and_repeated_labels(tmp_path):
    (tmp_path / "vectors.tsv").write_text("1\t2\n3\t4\n5\t6\n")
    (tmp_path / "labels.tsv").write_text("7\n1\n7\n")
    es = load(tmp_path / "vectors.tsv", metadata_path=str(tmp_path / "labels.tsv"))
    assert es.words == ["7", "1", "7#2"]
    assert es.metadata["label"] == ["7", "1", "7"]


def test_projector_without_metadata_numbers_rows(tmp_path):
    (tmp_path / "points.tsv").write_text("1\t2\n3\t4\n")
    assert load(tmp_path / "points.tsv").words == ["0", "1"]


def test_npy_with_vocab(tmp_path, small):
    np.save(tmp_path / "m.npy", np.asarray(small.vectors))
    (tmp_path / "m.vocab").write_text("\n".join(small.words) + "\n", encoding="utf-8")
    same(small, load(tmp_path / "m.npy"))


def test_npz_with_words_array(tmp_path, small):
    np.savez(tmp_path / "m.npz", vectors=np.asarray(small.vectors), words=np.array(small.words))
    same(small, load(tmp_path / "m.npz"))


def test_options_limit_lowercase_dtype(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text("The 1 2\nthe 3 4\nCat 5 6\ndog 7 8\n")
    es = load(p, lowercase=True)
    assert es.words == ["the", "cat", "dog"]
    np.testing.assert_array_equal(es.vectors[0], [1, 2])  # the first (most frequent) spelling is kept
    es = load(p, limit=2, dtype="float16")
    assert es.words == ["The", "the"] and es.vectors.dtype == np.float16


def test_word_with_spaces_is_kept(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text("a b 1 2\nc 3 4\n")
    # the first line fixes the dimension at 3 fields... so give a clean first line instead
    p.write_text("c 3 4\nnew york 1 2\n")
    es = load(p, fmt="glove")
    assert es.words == ["c", "new york"]


def test_cache_memory_maps_the_second_open(tmp_path, small, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    p = tmp_path / "v.txt"
    run_sync(exporters.write_word2vec_text(small, p))
    first = run_sync(loaders.load(p))
    second = run_sync(loaders.load(p))
    assert isinstance(second.vectors, np.memmap)
    same(first, second)
    os.utime(p, ns=(1, 1))  # a changed file is converted again
    third = run_sync(loaders.load(p))
    same(first, third)


def test_load_can_be_cancelled_between_blocks(tmp_path, glove_small):
    p = tmp_path / "big.txt"
    run_sync(exporters.write_word2vec_text(glove_small, p, header=False))
    job = loaders.load(p, use_cache=False)
    next(job)
    job.close()  # what a worker's quit() amounts to: the generator stops at its yield
    with pytest.raises(StopIteration):
        next(job)


def test_glove_text_of_20k_words_matches(tmp_path, glove_small):
    p = tmp_path / "g.txt"
    run_sync(exporters.write_word2vec_text(glove_small, p, header=False))
    es = load(p)
    assert es.words == glove_small.words
    np.testing.assert_allclose(np.asarray(es.vectors), np.asarray(glove_small.vectors), atol=5e-6)


def test_gc_is_paused_during_a_load_and_restored_after_cancel(tmp_path, glove_small):
    import gc

    p = tmp_path / "g.txt"
    run_sync(exporters.write_word2vec_text(glove_small, p, header=False))
    assert gc.isenabled()
    job = loaders.load(p, use_cache=False)
    next(job)
    next(job)
    assert not gc.isenabled()  # parsing: no full collections holding the GIL
    job.close()
    assert gc.isenabled()
    es = run_sync(loaders.load(p, use_cache=False))
    assert gc.isenabled() and es.index["king"] == glove_small.index["king"]


@pytest.mark.parametrize("newline", [True, False])
def test_a_large_word2vec_binary_streams_into_the_cache(tmp_path, glove_small, monkeypatch, newline):
    """Above STREAM_BYTES a binary file is converted block by block straight into the memory-mapped store."""
    es = glove_small.subset(range(3000))
    p = tmp_path / "big.bin"
    write_w2v_binary(p, es.words, np.asarray(es.vectors), newline)
    monkeypatch.setattr(loaders, "STREAM_BYTES", 100_000)
    monkeypatch.setattr(loaders.binary_format, "BLOCK", 4096)  # entries cross block ends
    monkeypatch.setattr(loaders.binary_format, "SINK_BYTES", 40_000)  # 200 rows at a time go to the file
    seen = []
    got = run_sync(loaders.load(p, opts=loaders.LoadOptions()), seen.append)
    assert isinstance(got.vectors, np.memmap) and got.words == es.words
    np.testing.assert_array_equal(np.asarray(got.vectors), np.asarray(es.vectors))
    np.testing.assert_allclose(np.asarray(got.norms), np.asarray(es.norms), rtol=1e-6)
    assert any("read" in x.message for x in seen) and seen[-1].fraction == 1.0
    lower = run_sync(loaders.load(p, opts=loaders.LoadOptions(lowercase=True, limit=2500, dtype="float16")))
    assert len(lower) == len(set(w.lower() for w in es.words[:2500])) and lower.vectors.dtype == np.float16


def test_a_malformed_large_binary_leaves_no_cache(tmp_path, glove_small, monkeypatch):
    es = glove_small.subset(range(500))
    p = tmp_path / "cut.bin"
    write_w2v_binary(p, es.words, np.asarray(es.vectors))
    p.write_bytes(p.read_bytes()[:-300])
    monkeypatch.setattr(loaders, "STREAM_BYTES", 1000)
    with pytest.raises(FileFormatError, match="ends inside the vector"):
        run_sync(loaders.load(p))
    assert not [f for f in (cache_dir() / "sets").iterdir() if f.name.startswith("cut")]
    vectors = np.asarray(es.vectors).copy()
    vectors[420, 7] = np.nan  # in the third block handed to the file
    nan = tmp_path / "nan.bin"
    write_w2v_binary(nan, es.words, vectors)
    monkeypatch.setattr(loaders.binary_format, "SINK_BYTES", 40_000)
    with pytest.raises(FileFormatError, match=f"the vector of '{es.words[420]}' \\(entry 421\\) holds nan as number 8"):
        run_sync(loaders.load(nan))
    assert not [f for f in (cache_dir() / "sets").iterdir() if f.name.startswith("nan")]
