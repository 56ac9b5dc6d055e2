"""The format table (core.embeddings.loaders.formats): each entry's writer and reader agree, sniffing
picks the entry that wrote the file, an unknown name is refused with the loaders' message."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings import loaders
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.loaders import FILE_FORMATS, FORMATS, LoadOptions, file_format, open_filter, save, sniff_format
from core.errors import InputError
from core.progress import run_sync

SUFFIX = {"glove": ".txt", "word2vec-text": ".txt", "fasttext-vec": ".vec", "projector-tsv": ".tsv"}


@pytest.fixture
def small() -> EmbeddingSet:
    rng = np.random.default_rng(0)
    words = ["the", "king", "queen", "Paris", "naïve", "日本"]
    return EmbeddingSet(words, rng.normal(size=(len(words), 5)).astype(np.float32), name="small")


@pytest.mark.parametrize("entry", [f for f in FILE_FORMATS if f.write is not None], ids=lambda f: f.name)
def test_every_writable_format_round_trips_and_sniffs_as_itself(tmp_path, small, entry):
    path = tmp_path / f"vectors{SUFFIX[entry.name]}"
    written = run_sync(save(small, path, entry.name, rows=range(1, 6)))
    assert written[0] == path and all(p.exists() for p in written)
    assert sniff_format(path) == entry.name
    back = run_sync(loaders.load(path, entry.name, LoadOptions(), use_cache=False))
    assert back.words == small.words[1:]
    np.testing.assert_allclose(np.asarray(back.vectors), np.asarray(small.vectors[1:]), atol=1e-5)


def test_the_table_is_the_list_of_formats():
    assert list(FORMATS) == [f.name for f in FILE_FORMATS] == ["glove", "word2vec-text", "fasttext-vec",
                                                               "word2vec-binary", "projector-tsv", "numpy"]
    assert all(file_format(f.name) is f and f.label == FORMATS[f.name] for f in FILE_FORMATS)
    assert open_filter() == "Embeddings (*.txt *.vec *.bin *.tsv *.npy *.npz *.gz *.bz2 *.xz *.zip);;All files (*)"


def test_sniffing_picks_the_entry_by_magic_name_or_text(tmp_path, small):
    np.save(tmp_path / "m.npy", np.zeros((2, 3), np.float32))
    (tmp_path / "plain.data").write_bytes(b"\x93NUMPY" + bytes(100))
    (tmp_path / "v.bin").write_bytes(b"2 3\n" + b"a " + bytes(12) + b"b " + bytes(12))
    (tmp_path / "tabbed.txt").write_text("0.1\t0.2\n0.3\t0.4\n")
    (tmp_path / "words.txt").write_text("the 0.1 0.2\n")
    expected = {"m.npy": "numpy", "plain.data": "numpy", "v.bin": "word2vec-binary", "tabbed.txt": "projector-tsv",
                "words.txt": "glove"}
    assert {name: sniff_format(tmp_path / name) for name in expected} == expected


@pytest.mark.parametrize("call", ["load", "read_raw", "file_format", "save"])
def test_an_unknown_format_name_gives_the_same_message(tmp_path, small, call):
    p = tmp_path / "v.txt"
    p.write_text("the 0.1 0.2\n")
    jobs = {"load": lambda: run_sync(loaders.load(p, "hdf5")),
            "read_raw": lambda: run_sync(loaders.read_raw(p, "hdf5")),
            "file_format": lambda: file_format("hdf5"),
            "save": lambda: run_sync(save(small, p, "hdf5"))}
    with pytest.raises(InputError) as info:
        jobs[call]()
    assert str(info.value) == ("unknown format 'hdf5'; expected one of glove, word2vec-text, fasttext-vec, "
                               "word2vec-binary, projector-tsv, numpy")


def test_a_format_without_a_writer_says_which_can_be_written(tmp_path, small):
    with pytest.raises(InputError, match="numpy files cannot be written; choose one of glove, word2vec-text"):
        run_sync(save(small, tmp_path / "v.npy", "numpy"))
