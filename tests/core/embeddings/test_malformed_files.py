"""Every malformed file gets a FileFormatError that names the file, the line and what was expected.
Nothing crashes, hangs or unpickles."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from core.embeddings import loaders
from core.embeddings.loaders import LoadOptions
from core.errors import FileFormatError
from core.progress import run_sync

GOOD = "the 0.1 0.2 0.3\ncat 0.4 0.5 0.6\n"


def fails(path, fmt=None, **kw) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        run_sync(loaders.load(path, fmt, LoadOptions(**kw), use_cache=False))
    err = info.value
    assert str(path) in str(err)  # names the file
    return err


def write(tmp_path, name, data):
    p = tmp_path / name
    (p.write_bytes if isinstance(data, bytes) else p.write_text)(data)
    return p


@pytest.mark.parametrize("text,line,words", [
    ("the 0.1 0.2 0.3\ncat 0.4 0.5\n", 2, "wrong number of values"),  # truncated line
    ("the 0.1 0.2 0.3\ncat 0.4 0.5 0.6 0.7\n", 2, "wrong number of values"),  # one value too many
    ("the 0.1 0.2 0.3\ncat 0.4 x 0.6\n", 2, "number 2 after the word is not a number"),
    ("the 0.1 0.2 0.3\ncat 0.4 nan 0.6\n", 2, "nan"),
    ("the 0.1 0.2 0.3\ncat 0.4 inf 0.6\n", 2, "inf"),
    ("the\n", 1, "a line needs a word and at least one number"),
])
def test_glove_text_errors(tmp_path, text, line, words):
    err = fails(write(tmp_path, "g.txt", text), "glove")
    assert err.line == line
    assert words in str(err)
    assert "expected" in str(err)


def test_repeated_words_keep_the_first_vector_and_say_so(tmp_path):
    """Our rule for repeated words (as gensim and fastText do): the first (most frequent) vector is
    kept, later ones are skipped, and a note names the first repeat and how many there were."""
    p = write(tmp_path, "g.txt", "the 0.1 0.2 0.3\ncat 0.4 0.5 0.6\nthe 1 2 3\ncat 7 8 9\ndog 1 1 1\n")
    es = run_sync(loaders.load(p, "glove", use_cache=False))
    assert es.words == ["the", "cat", "dog"]
    np.testing.assert_allclose(es.vectors[0], [0.1, 0.2, 0.3])
    assert es.notes == ["2 repeated words skipped (the first vector is kept): 'the' on line 1 and again on line 3 "
                        "and 1 more"]
    w2v = write(tmp_path, "w.txt", "3 3\nthe 0.1 0.2 0.3\ncat 0.4 0.5 0.6\nthe 1 2 3\n")
    es = run_sync(loaders.load(w2v, use_cache=False))  # the header counts entries, repeats included
    assert es.words == ["the", "cat"] and "on line 2 and again on line 4" in es.notes[0]
    b = tmp_path / "d.bin"
    b.write_bytes(b"2 2\nthe " + struct.pack("<2f", 1, 2) + b"\nthe " + struct.pack("<2f", 3, 4) + b"\n")
    es = run_sync(loaders.load(b, use_cache=False))
    assert es.words == ["the"] and list(es.vectors[0]) == [1, 2] and "entry 1 and again on entry 2" in es.notes[0]


def test_truncated_last_line_without_newline(tmp_path):
    err = fails(write(tmp_path, "g.txt", GOOD + "dog 0.7 0."), "glove")
    assert err.line == 3


@pytest.mark.parametrize("text,line,words", [
    ("3 3\n" + GOOD, 3, "declares 3 words but the file holds 2"),
    ("1 3\n" + GOOD, 3, "more vectors than the header's 1"),
    ("2 x\n" + GOOD, 1, "bad header"),
])
def test_word2vec_header_errors(tmp_path, text, line, words):
    err = fails(write(tmp_path, "w.txt", text), "word2vec-text")
    assert err.line == line and words in str(err)


def test_empty_file(tmp_path):
    err = fails(write(tmp_path, "e.txt", ""))
    assert "empty" in str(err) and err.line == 1


def test_binary_garbage(tmp_path):
    rng = np.random.default_rng(1)
    err = fails(write(tmp_path, "garbage.txt", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()), "glove")
    assert err.line is not None and ("binary" in str(err) or "not" in str(err))


def test_wrong_encoding_names_line_and_byte(tmp_path):
    err = fails(write(tmp_path, "l1.txt", GOOD.encode() + "café 1 2 3\n".encode("latin-1")))
    assert err.line == 3 and "not valid utf-8" in str(err) and "latin-1" in str(err)
    es = run_sync(loaders.load(tmp_path / "l1.txt", None, LoadOptions(encoding="latin-1"), use_cache=False))
    assert es.words[-1] == "café"


def test_ten_megabyte_single_line_fails_fast(tmp_path):
    p = write(tmp_path, "long.txt", b"word " + b"0.1 " * (10 * 1024 * 1024 // 4))
    err = fails(p, "glove")
    assert "longer than" in str(err) and err.line == 1


def test_word2vec_binary_truncated(tmp_path):
    p = tmp_path / "t.bin"
    with open(p, "wb") as f:
        f.write(b"2 3\n")
        f.write(b"the " + struct.pack("<3f", 1, 2, 3) + b"\n")
        f.write(b"cat " + struct.pack("<2f", 1, 2))
    err = fails(p, "word2vec-binary")
    assert "ends inside the vector of 'cat'" in str(err)


def test_word2vec_binary_fewer_entries_than_header(tmp_path):
    p = tmp_path / "t.bin"
    p.write_bytes(b"3 2\nthe " + struct.pack("<2f", 1, 2) + b"\n")
    err = fails(p, "word2vec-binary")  # the size is checked before reading
    assert "declares 3 words of 2 dimensions (at least 30 bytes) but the file holds 13 bytes" in str(err)
    assert err.line == 1
    gz = tmp_path / "t.bin.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    err = fails(gz, "word2vec-binary")  # a stream's size is not known ahead: found while reading
    assert "declares 3 words but the file ends after 1" in str(err) and err.line == 3


def test_vocabulary_that_disagrees_with_the_matrix(tmp_path):
    np.save(tmp_path / "m.npy", np.zeros((3, 4), np.float32))
    (tmp_path / "m.vocab").write_text("a\nb\n")
    with pytest.raises(FileFormatError) as info:
        run_sync(loaders.load(tmp_path / "m.npy", use_cache=False))
    assert "m.vocab" in str(info.value) and "2 words but the matrix has 3 rows" in str(info.value)
    assert info.value.line == 3


def test_npz_with_objects_is_never_unpickled(tmp_path):
    np.savez(tmp_path / "evil.npz", vectors=np.zeros((2, 2)), words=np.array(["a", {"b": 1}], dtype=object))
    err = fails(tmp_path / "evil.npz")
    assert "never unpickled" in str(err)


def test_npy_object_array_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([[1, "x"]], dtype=object), allow_pickle=True)
    (tmp_path / "o.vocab").write_text("a\n")
    err = fails(tmp_path / "o.npy")
    assert "never unpickled" in str(err)


def test_npy_corrupt_header(tmp_path):
    err = fails(write(tmp_path, "c.npy", b"\x93NUMPY\x01\x00garbage"))
    assert "not a readable NumPy file" in str(err)


def test_npy_without_vocabulary(tmp_path):
    np.save(tmp_path / "lonely.npy", np.zeros((2, 2), np.float32))
    err = fails(tmp_path / "lonely.npy")
    assert "no vocabulary file" in str(err)


def test_projector_metadata_row_count(tmp_path):
    (tmp_path / "vectors.tsv").write_text("1\t2\n3\t4\n")
    (tmp_path / "metadata.tsv").write_text("word\tpos\na\tN\n")
    with pytest.raises(FileFormatError) as info:
        run_sync(loaders.load(tmp_path / "vectors.tsv", use_cache=False))
    err = info.value
    assert err.path == str(tmp_path / "metadata.tsv") and err.line == 3 and "1 metadata rows for 2 vectors" in str(err)


def test_projector_ragged_rows(tmp_path):
    err = fails(write(tmp_path, "v.tsv", "1\t2\n3\t4\t5\n"))
    assert err.line == 2 and "wrong number of values" in str(err)


def test_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        run_sync(loaders.load(tmp_path / "nope.txt"))


class _Evil:
    """Unpickling this creates a file: the proof that a loader ran code from a file."""

    def __init__(self, sentinel):
        self.sentinel = sentinel

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


def _evil_files(tmp_path, sentinel):
    import io
    import pickle

    code = f"__import__('os').system('touch {sentinel}')"
    arr = np.empty((2, 2), dtype=object)
    arr[:] = _Evil(str(sentinel))
    npy = io.BytesIO()
    np.save(npy, arr, allow_pickle=True)
    npz = io.BytesIO()
    np.savez(npz, vectors=arr, words=np.array(["a", "b"], dtype=object))
    blob = pickle.dumps(_Evil(str(sentinel)))
    return {
        "glove.txt": f"{code} 1 2\nthe 3 4\n".encode(),
        "w2v.txt": f"2 2\n{code} 1 2\nthe 3 4\n".encode(),
        "wiki.vec": f"1 2\n{code} 1 2 \n".encode(),
        "w2v.bin": b"1 2\n" + code.replace(" ", "_").encode() + b" " + np.array([1, 2], "<f4").tobytes() + b"\n",
        "pickle.bin": blob,
        "vectors.tsv": b"1\t2\n3\t4\n",
        "metadata.tsv": f"{code}\nthe\n".encode(),
        "obj.npy": npy.getvalue(),
        "obj.vocab": b"a\nb\n",
        "obj.npz": npz.getvalue(),
    }


@pytest.mark.parametrize("wrap", ["plain", "gz", "zip"])
@pytest.mark.parametrize("name", ["glove.txt", "w2v.txt", "wiki.vec", "w2v.bin", "pickle.bin", "vectors.tsv",
                                  "obj.npy", "obj.npz"])
def test_no_file_of_any_format_is_executed_or_unpickled(tmp_path, monkeypatch, name, wrap):
    import zipfile

    monkeypatch.chdir(tmp_path)
    sentinel = tmp_path / "RAN"
    files = _evil_files(tmp_path, sentinel)
    companions = {"vectors.tsv": "metadata.tsv", "obj.npy": "obj.vocab"}
    if wrap == "zip":
        target = tmp_path / "evil.zip"
        with zipfile.ZipFile(target, "w") as zf:
            for n in (name, companions.get(name)):
                if n:
                    zf.writestr(n, files[n])
    else:
        target = tmp_path / (name + (".gz" if wrap == "gz" else ""))
        target.write_bytes(gzip.compress(files[name]) if wrap == "gz" else files[name])
        if name in companions:
            (tmp_path / companions[name]).write_bytes(files[companions[name]])
    try:
        es = run_sync(loaders.load(target, use_cache=False))
    except FileFormatError as err:
        assert str(target) in str(err)
        if name.startswith("obj"):
            assert "never unpickled" in str(err)
    else:  # the code is only a word
        assert any("__import__" in w for w in es.words)
    assert not sentinel.exists()
