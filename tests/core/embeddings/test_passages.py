"""Passages for semantic search: how files are split (lines, sentences, a table column), the default
Lee corpus, bad files, and a large file read with bounded memory."""
from __future__ import annotations

import tracemalloc

import pytest

from core.embeddings.passages import LEE_FILE, open_source, read_passages, split_sentences
from core.errors import FileFormatError, InputError


def passages(src) -> list[str]:
    return [p for p, _ in read_passages(src)]


def test_sentences_are_cut_at_their_ends_but_not_after_abbreviations():
    text = ('Mr. Smith met Dr. Jones in St. Kilda at 4.30pm. They talked. "Was it good?" she asked. '
            'J. R. R. Tolkien wrote it! 2001 was a hard year.')
    assert split_sentences(text) == ['Mr. Smith met Dr. Jones in St. Kilda at 4.30pm.', 'They talked.',
                                     '"Was it good?" she asked.', 'J. R. R. Tolkien wrote it!', '2001 was a hard year.']


def test_the_default_corpus_is_lee_in_sentences_and_says_where_it_comes_from():
    src = open_source("")
    assert src.path.endswith(LEE_FILE) and src.split == "sentences" and src.name == "Lee news corpus"
    assert "gensim" in src.about and "LGPL-2.1" in src.about and "Lee, Pincombe & Welsh" in src.about
    got = passages(src)
    assert len(got) == 2680
    assert got[0].startswith("Hundreds of people have been forced to vacate their homes")
    assert got[1] == "A new blaze near Goulburn, south-west of Sydney, has forced the closure of the Hume Highway."


def test_auto_reads_short_lines_as_passages_and_long_lines_as_sentences(tmp_path):
    short = tmp_path / "faq.txt"
    short.write_text("How do I reset it?\n  Hold the button   for five seconds. Then wait.  \nIt blinks.\n")
    src = open_source(str(short))
    assert src.split == "lines" and passages(src) == ["How do I reset it?", "Hold the button for five seconds. "
                                                      "Then wait.", "It blinks."]
    short.write_text("How do I reset it?\n\n \nIt blinks.\n")  # blank lines are no passages
    assert passages(open_source(str(short), "lines")) == ["How do I reset it?", "It blinks."]
    long = tmp_path / "docs.txt"
    long.write_text(("The river rose overnight. " * 20 + "\n") + ("Shops stayed shut all day. " * 20 + "\n"))
    src = open_source(str(long))
    assert src.split == "sentences" and len(passages(src)) == 40
    assert passages(open_source(str(long), "lines"))[0].startswith("The river rose overnight. The river")


def test_wrapped_prose_joins_lines_within_a_paragraph(tmp_path):
    f = tmp_path / "book.txt"
    f.write_text("It was a dark and\nstormy night. The rain fell\nin torrents.\n\nExcept at occasional\nintervals.\n"
                 * 3)
    src = open_source(str(f), "sentences")
    assert src.paragraphs
    assert passages(src)[:3] == ["It was a dark and stormy night.", "The rain fell in torrents.",
                                 "Except at occasional intervals."]


def test_a_csv_or_tsv_column_is_chosen_by_name_or_by_its_text(tmp_path):
    f = tmp_path / "reviews.csv"
    f.write_text('id,stars,review\n1,5,"Great phone, long battery life."\n2,1,"Broke after a week,\nsadly."\n3,4,\n')
    src = open_source(str(f))
    assert src.split == "column" and src.column == "review" and src.columns == ("id", "stars", "review")
    assert passages(src) == ["Great phone, long battery life.", "Broke after a week, sadly."]
    assert passages(open_source(str(f), "column:stars")) == ["5", "1", "4"]
    t = tmp_path / "notes.tsv"
    t.write_text("n\tremark\n1\tThe pump is leaking again and needs a new seal.\n2\tAll fine.\n")
    assert passages(open_source(str(t))) == ["The pump is leaking again and needs a new seal.", "All fine."]
    with pytest.raises(FileFormatError, match="line 1: no column named 'title'; expected one of id, stars, review"):
        open_source(str(f), "column:title")


def test_bad_files_are_named(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty.txt: the file is empty"):
        open_source(str(empty))
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(FileFormatError, match="this is a PNG image, not text"):
        open_source(str(binary))
    with pytest.raises(FileFormatError, match="no such file"):
        open_source(str(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="unknown split"):
        open_source(str(empty), "words")


def test_a_large_file_streams_with_bounded_memory(tmp_path):
    big = tmp_path / "big.txt"
    line = ("Sentence number {0} talks about rivers, banks and the weather in some detail. " * 3).strip() + "\n"
    with open(big, "w") as f:
        for block in range(50):
            f.write("".join(line.format(block * 1000 + i) for i in range(1000)))
    assert big.stat().st_size > 11e6
    src = open_source(str(big), "sentences")
    tracemalloc.start()
    count, last = 0, 0.0
    for _, done in read_passages(src):
        count += 1
        assert done >= last
        last = done
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 50_000 * 3 and last == pytest.approx(1.0)
    assert peak < 3e6, f"{peak / 1e6:.1f} MB held while streaming a {big.stat().st_size / 1e6:.0f} MB file"
