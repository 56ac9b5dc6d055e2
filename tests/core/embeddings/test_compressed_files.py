"""Compressed (.gz, .bz2, .xz) and archived (.zip) files open like the plain ones: real files written
from GloVe, the same words, vectors and neighbours; progress by compressed bytes; errors that name
the archive and the member; sniffing through the compression; the member in the cache key."""
from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zipfile

import numpy as np
import pytest

from core.embeddings import exporters, loaders
from core.embeddings.loaders import ArchiveMemberError, describe, sniff_format
from core.embeddings.neighbours import nearest
from core.errors import FileFormatError
from core.progress import run_sync

from .conftest import load, write_w2v_binary

COMPRESS = {"gz": lambda b: gzip.compress(b, 6), "bz2": lambda b: bz2.compress(b, 1),  # quick levels: reading
            "xz": lambda b: lzma.compress(b, preset=0)}                                  # is what is tested
QUERIES = ["king", "paris", "computer", "happy", "river"]


def same_neighbours(a, b):
    assert a.words == b.words
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))
    for q in QUERIES:
        assert [(n.word, round(n.score, 6)) for n in nearest(a, q, 10)] == \
            [(n.word, round(n.score, 6)) for n in nearest(b, q, 10)]


@pytest.fixture(scope="module")
def files(tmp_path_factory, glove_small):
    """The 20,000-word GloVe as GloVe text, word2vec binary and fastText .vec, plain."""
    d = tmp_path_factory.mktemp("plain")
    txt, binf, vec = d / "glove.20k.txt", d / "w2v.20k.bin", d / "wiki.20k.vec"
    run_sync(exporters.write_word2vec_text(glove_small, txt, header=False))
    write_w2v_binary(binf, glove_small.words, glove_small.vectors)
    run_sync(exporters.write_word2vec_text(glove_small, vec, header=True))
    return {"txt": txt, "bin": binf, "vec": vec}


@pytest.mark.parametrize("kind", ["txt", "bin"])
@pytest.mark.parametrize("comp", ["gz", "bz2", "xz"])
def test_compressed_text_and_binary_equal_the_plain_file(tmp_path, files, kind, comp):
    plain = load(files[kind])
    packed = tmp_path / (files[kind].name + "." + comp)
    packed.write_bytes(COMPRESS[comp](files[kind].read_bytes()))
    assert sniff_format(packed) == sniff_format(files[kind]) == ("glove" if kind == "txt" else "word2vec-binary")
    progress = []
    es = load(packed, seen=progress)
    same_neighbours(plain, es)
    assert es.name == packed.name
    fractions = [p.fraction for p in progress if p.fraction >= 0]
    assert len(fractions) >= 3 and fractions == sorted(fractions)  # by compressed bytes, moving forward
    assert 0 < fractions[0] < 1 and fractions[-1] > 0.8


def test_glove_in_a_zip_with_a_vec_and_the_member_in_the_cache_key(tmp_path, files, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    plain = load(files["vec"])
    z = tmp_path / "wiki.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(files["vec"], "wiki.20k.vec")
        zf.writestr("README.txt", "vectors from a wiki dump")
        zf.writestr("__MACOSX/._wiki.20k.vec", b"\x00\x05")
    assert loaders.archive_members(z) == ["wiki.20k.vec"]
    assert sniff_format(z) == "fasttext-vec"
    progress = []
    es = load(z, seen=progress)  # the one embedding file inside is chosen by itself
    same_neighbours(plain, es)
    assert es.name == "wiki.20k.vec" and es.source == f"{z} (member wiki.20k.vec)"
    assert progress[-1].fraction > 0.8

    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(files["txt"], "glove/a.txt")
        zf.writestr("glove/b.txt", "x 1 2\ny 3 4\n")
    with pytest.raises(ArchiveMemberError) as info:
        load(two)
    assert info.value.members == ["glove/a.txt", "glove/b.txt"]
    assert str(two) in str(info.value) and "glove/a.txt, glove/b.txt" in str(info.value)
    a = run_sync(loaders.load(two, member="glove/a.txt"))
    b = run_sync(loaders.load(two, member="glove/b.txt"))
    loaders.wait_for_cache_writes()
    assert len(a) == 20000 and b.words == ["x", "y"]
    again = run_sync(loaders.load(two, member="glove/b.txt"))  # its own cached copy, not a.txt's
    assert isinstance(again.vectors, np.memmap) and again.words == ["x", "y"]
    assert len(list((tmp_path / "cache" / "sets").iterdir())) == 2
    with pytest.raises(ArchiveMemberError, match="no member 'c.txt'"):
        load(two, member="c.txt")


def test_companion_files_inside_and_beside_compressed_ones(tmp_path, glove_small):
    small = glove_small.subset(range(300), name="300")
    small.metadata = {"rank": [str(i) for i in range(300)]}
    v, m = run_sync(exporters.write_projector_tsv(small, tmp_path / "vectors.tsv.gz"))
    assert m.name == "metadata.tsv.gz" and v.read_bytes()[:2] == b"\x1f\x8b"
    es = load(v)  # metadata.tsv.gz beside vectors.tsv.gz is found
    assert es.words == small.words and es.metadata["rank"][-1] == "299"
    z = tmp_path / "npy.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("emb.npy", "w") as f:
            np.save(f, np.asarray(small.vectors))
        zf.writestr("emb.vocab", "\n".join(small.words) + "\n")
    assert loaders.archive_members(z) == ["emb.npy"]  # the vocabulary is a companion, not a choice
    es = load(z)
    assert es.words == small.words
    np.testing.assert_array_equal(es.vectors, small.vectors)
    npy_gz = tmp_path / "emb.npy.xz"
    with lzma.open(npy_gz, "wb") as f:
        np.save(f, np.asarray(small.vectors))
    (tmp_path / "emb.vocab").write_text("\n".join(small.words) + "\n", encoding="utf-8")
    es = load(npy_gz)
    assert es.words == small.words and es.vectors.shape == (300, 50)


def test_a_misnamed_gz_holding_plain_text_opens_and_an_npz_is_not_an_archive(tmp_path, small_text):
    p = tmp_path / "really-plain.txt.gz"
    p.write_text(small_text)
    assert describe(p).layers == ()
    assert load(p).words == ["the", "cat"]
    npz = tmp_path / "m.npz"
    np.savez(npz, vectors=np.ones((2, 3), np.float32), words=np.array(["a", "b"]))
    assert describe(npz).layers == () and loaders.archive_members(npz) == []
    assert load(npz).words == ["a", "b"]


@pytest.fixture
def small_text():
    return "the 0.1 0.2 0.3\ncat 0.4 0.5 0.6\n"


@pytest.mark.parametrize("comp", ["gz", "bz2", "xz"])
def test_damaged_streams_name_the_file_line_and_what_went_wrong(tmp_path, files, comp):
    data = COMPRESS[comp](files["txt"].read_bytes())
    cut = tmp_path / f"cut.txt.{comp}"
    cut.write_bytes(data[: len(data) // 2])  # a download cut short
    with pytest.raises(FileFormatError) as info:
        load(cut)
    err = info.value
    assert err.path == str(cut) and err.line is not None and err.line > 1000
    assert "ends early" in err.reason or "damaged" in err.reason
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x40
    bad = tmp_path / f"flip.txt.{comp}"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(FileFormatError) as info:
        load(bad)
    assert info.value.path == str(bad) and info.value.line is not None


def test_errors_inside_an_archive_name_the_member(tmp_path):
    z = tmp_path / "g.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner/g.txt.gz", gzip.compress(b"the 0.1 0.2\ncat 0.3 x\n"))
    src = describe(z)
    assert src.layers == ("zip", "gzip") and src.inner_name == "g.txt"
    with pytest.raises(FileFormatError) as info:
        load(z)
    assert str(info.value).startswith(f"{z} (member inner/g.txt.gz), line 2: number 2 after the word is not a number")


def test_huge_declared_sizes_are_refused_before_allocating(tmp_path):
    """A 154-byte word2vec binary declaring 10 x 999,999,999 asked numpy for 37 GiB; now a header is
    checked against the file (plain, zip member) or the matrix grows only as data arrives (streams)."""
    body = b"10 999999999\n" + b"w " + struct.pack("<35f", *range(35))
    p = tmp_path / "huge.bin"
    p.write_bytes(body)
    with pytest.raises(FileFormatError, match=r"declares 999,999,999 dimensions") as info:
        load(p)
    assert info.value.line == 1 and len(body) == 155
    rows = b"1000000000000 5\n" + b"w " + struct.pack("<5f", *range(5)) + b"\n"
    p.write_bytes(rows)
    with pytest.raises(FileFormatError, match=r"declares 1,000,000,000,000 words of 5 dimensions \(at least "
                                              r"22,000,000,000,000 bytes\) but the file holds 23 bytes"):
        load(p)
    gz = tmp_path / "huge.bin.gz"
    gz.write_bytes(gzip.compress(rows))
    with pytest.raises(FileFormatError, match="declares 1,000,000,000,000 words but the file ends after 1") as info:
        load(gz)
    assert info.value.line == 3
    npy = tmp_path / "huge.npy"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 300), }"
    npy.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + header.ljust(117).encode() + b"\n" + b"\0" * 64)
    with pytest.raises(FileFormatError, match="declares .* bytes. but the file holds 64 bytes") as info:
        load(npy, vocab_path=str(p))
    assert info.value.offset == 128 + 64
    (tmp_path / "h.npy.gz").write_bytes(gzip.compress(npy.read_bytes()))
    with pytest.raises(FileFormatError, match="holds 64 bytes"):
        load(tmp_path / "h.npy.gz", vocab_path=str(p))


def test_a_header_asking_for_a_huge_lzma_dictionary_is_refused(tmp_path):
    """xz and zip's LZMA carry the decoder's dictionary size in a header (up to 4 GiB): checked
    against a memory limit before anything is allocated."""
    import zlib

    data = lzma.compress(b"the 0.1 0.2\ncat 0.3 0.4\n" * 100, preset=0)
    size = (data[12] + 1) * 4  # the block header after the 12-byte stream header
    block = bytearray(data[12:12 + size])
    at = block.index(b"\x21\x01")  # LZMA2 filter, one byte of properties: the dictionary size
    block[at + 2] = 40  # 4 GiB
    block[-4:] = struct.pack("<I", zlib.crc32(bytes(block[:-4])))
    xz = tmp_path / "evil.txt.xz"
    xz.write_bytes(data[:12] + bytes(block) + data[12 + size:])
    with pytest.raises(FileFormatError, match="Memory usage limit") as info:
        load(xz)
    assert info.value.path == str(xz) and info.value.offset is not None
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_LZMA) as zf:
        zf.writestr("g.txt", b"the 0.1 0.2\n")
    raw = bytearray(z.read_bytes())
    props = 30 + len("g.txt") + 4  # local header, name, LZMA version and properties size
    raw[props + 1: props + 5] = struct.pack("<I", 3_000_000_000)
    z.write_bytes(bytes(raw))
    with pytest.raises(FileFormatError, match="asks for a 3,000,000,000-byte dictionary"):
        load(z)
