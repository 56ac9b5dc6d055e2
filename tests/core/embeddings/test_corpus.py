"""Corpora for training: the shipped ones found inside gensim's package, text read as gensim reads a
tokenised file, prose by paragraphs, large files streamed, and files that are not text refused."""
from __future__ import annotations

import threading

import pytest

from core.embeddings.corpus import MAX_SENTENCE, SHIPPED, corpus_path, default_probes, open_corpus, tokenize
from core.errors import FileFormatError, InputError


def test_the_shipped_corpora_are_gensims_test_files():
    for key, shipped in SHIPPED.items():
        k, path = corpus_path(key)
        assert k == key and path.name == shipped.file and path.is_file()
        assert "gensim" in str(path) and "test_data" in str(path)
        assert corpus_path(shipped.file)[0] == key  # the file name works too


def test_lee_is_300_news_stories_in_memory():
    corpus = open_corpus("lee")
    docs = list(corpus)
    assert len(docs) == 300 == corpus.documents and corpus.tokens == sum(map(len, docs))
    assert 55_000 < corpus.tokens < 65_000
    assert not corpus.info.streamed and not corpus.info.paragraphs
    assert docs[0][:6] == ["hundreds", "of", "people", "have", "been", "forced"]
    assert "300 Australian news stories" in corpus.info.describe()
    assert list(corpus) == docs  # a second pass (from memory) is the same


def test_head500_reads_exactly_as_gensims_line_sentence():
    from gensim.models.word2vec import LineSentence

    corpus = open_corpus("head500")
    assert corpus.info.tokenised and not open_corpus("lee").info.tokenised
    theirs = list(LineSentence(str(corpus_path("head500")[1])))
    assert list(corpus) == theirs
    assert corpus.documents == 250 and corpus.tokens == sum(map(len, theirs))


@pytest.mark.parametrize("text, tokens", [
    ("The cat's hat, said Mr. Smith.", ["the", "cat's", "hat", "said", "mr", "smith"]),
    ("A well-known 4:00pm test -- done", ["a", "well-known", "4", "00pm", "test", "done"]),
    ("Encyclopædia Britannica", ["encyclopædia", "britannica"]),
    ("under_score  ... !!!", ["under", "score"]),
])
def test_tokens_are_lower_case_words(text, tokens):
    assert tokenize(text) == tokens


def test_wrapped_prose_is_read_by_paragraph(tmp_path):
    text = ("It was a bright cold day\nin April, and the clocks\nwere striking thirteen.\n\n"
            "Winston Smith\nslipped in.\n\n")
    path = tmp_path / "novel.txt"
    path.write_text(text * 3, encoding="utf-8")
    corpus = open_corpus(str(path))
    assert corpus.info.paragraphs and not corpus.info.tokenised
    docs = list(corpus)
    assert docs[0] == tokenize("It was a bright cold day in April, and the clocks were striking thirteen.")
    assert docs[1] == ["winston", "smith", "slipped", "in"] and len(docs) == 6


def test_long_documents_are_cut_at_gensims_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(" ".join(f"w{i % 50}" for i in range(25_000)) + "\nshort line\n", encoding="utf-8")
    assert [len(d) for d in open_corpus(str(path))] == [MAX_SENTENCE, MAX_SENTENCE, 5000, 2]


def test_large_files_are_streamed_and_read_again_each_pass(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("alpha beta gamma\n" * 200, encoding="utf-8")
    corpus = open_corpus(str(path), in_memory_bytes=100)
    assert corpus.info.streamed and "streamed" in corpus.info.describe()
    first = list(corpus)
    path.write_text("delta\n" * 3, encoding="utf-8")  # re-read from disk, not from memory
    assert len(first) == 200 and list(corpus) == [["delta"]] * 3


def test_stop_ends_a_pass_at_the_next_document(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("one two\n" * 1000, encoding="utf-8")
    corpus = open_corpus(str(path))
    seen = 0
    for _doc in corpus:
        seen += 1
        if seen == 10:
            corpus.stop.set()
    assert seen == 10 and corpus.documents == 0  # an incomplete pass is not counted (nor kept)
    corpus.stop.clear()
    assert len(list(corpus)) == 1000 == corpus.documents


def test_latin1_text_is_read(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café crème brûlée\n".encode("latin-1") * 5)
    corpus = open_corpus(str(path))
    assert corpus.info.encoding == "latin-1" and list(corpus)[0] == ["café", "crème", "brûlée"]


@pytest.mark.parametrize("content, says", [
    (b"", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "this is a PNG image, not text"),
    (bytes(range(256)) * 20, "this is a binary file, not text"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF document, not text"),
])
def test_files_that_are_not_text_are_refused_with_their_path(tmp_path, content, says):
    path = tmp_path / "corpus.bin"
    path.write_bytes(content)
    with pytest.raises(FileFormatError) as err:
        open_corpus(str(path))
    assert str(path) in str(err.value) and says in str(err.value)


def test_missing_files_and_folders_are_refused(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        open_corpus(str(tmp_path / "nothing.txt"))
    with pytest.raises(FileFormatError, match="this is a folder"):
        open_corpus(str(tmp_path))
    with pytest.raises(InputError, match="no corpus given"):
        open_corpus("  ")


def test_default_probes_come_from_the_corpus():
    words = [d for doc in open_corpus("lee") for d in doc]
    assert default_probes("lee", list(dict.fromkeys(words)))[:3] == ["government", "fire", "police"]
    vocab = ["the", "of"] * 20 + [f"word{i}" for i in range(10)] + ["government", "police", "x", "announced"] * 30
    picked = default_probes("file", list(dict.fromkeys(vocab)))
    assert picked and all(len(w) >= 5 and w.isalpha() for w in picked)


def test_reading_releases_nothing_shared(tmp_path):
    """Two corpora read the same file independently (each has its own stop flag and position)."""
    path = tmp_path / "c.txt"
    path.write_text("a b c\n" * 100, encoding="utf-8")
    a, b = open_corpus(str(path)), open_corpus(str(path))
    a.stop.set()
    assert list(a) == [] and len(list(b)) == 100
    assert isinstance(a.stop, threading.Event) and a.stop is not b.stop
