"""Text corpora to train word vectors on: the two shipped in gensim's test data, or a text file.

    corpus = open_corpus("lee")               # or "head500", or a path to a plain-text file
    for sentence in corpus:                   # a restartable iterable of token lists (gensim reads it
        ...                                   # once for the vocabulary and once per epoch)

Tokens are lower-cased runs of letters and digits, keeping inner apostrophes and hyphens
("australia's", "well-known"). A file that is tokenised already (no capitals, next to no
punctuation: head500) is split at white space, exactly as gensim's ``LineSentence`` reads it.
A document is a line; in wrapped prose (paragraphs separated by blank lines, short lines) it is
a paragraph.
Longer documents are cut into pieces of 10,000 tokens, gensim's limit per sentence.

Files up to IN_MEMORY_BYTES are tokenised once and kept in memory; larger ones are streamed:
read and tokenised again on every pass. Setting ``corpus.stop`` ends a pass at the next
document, so a cancel does not wait for the end of an epoch.
"""
from __future__ import annotations

import re
import statistics
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileFormatError, InputError
from .evaluation import data_file

MAX_SENTENCE = 10_000  # gensim's MAX_WORDS_IN_BATCH: longer sentences are silently truncated by it
IN_MEMORY_BYTES = 32 << 20
SNIFF_BYTES = 1 << 16
_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


@dataclass(frozen=True)
class Shipped:
    file: str
    title: str
    summary: str  # one short line
    about: str
    probes: tuple[str, ...]


SHIPPED: dict[str, Shipped] = {
    "lee": Shipped(
        "lee_background.cor", "Lee news corpus", "300 Australian news stories (2001), 60,000 words",
        "gensim's test data: 300 Australian news stories from 2001, one per line: about 59,000 words as written "
        "(capitals, punctuation), the background corpus of Lee, Pincombe & Welsh (2005)",
        ("government", "fire", "police", "president", "israeli", "afghanistan", "australia")),
    "head500": Shipped(
        "head500.noblanks.cor", "Wikipedia, stemmed", "250 Wikipedia articles, stemmed, 331,000 words",
        "gensim's test data: the first 250 articles of an English Wikipedia dump (Anarchism, Autism, Albedo, "
        "Abu Dhabi, ...), one per line: 331,000 words, lower-cased, stop words removed and Porter-stemmed "
        "(philosophy -> philosophi)",
        ("war", "film", "languag", "king", "music", "citi", "church")),
}


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class CorpusInfo:
    key: str  # "lee", "head500" or "file"
    name: str  # what the panel and the CLI call it
    path: str
    about: str
    size_bytes: int
    encoding: str
    paragraphs: bool  # documents are paragraphs (wrapped prose), else lines
    tokenised: bool  # split at white space only (the file is lower-case, without punctuation)
    streamed: bool  # read again on every pass (too large to keep in memory)

    def describe(self) -> str:
        unit = "paragraph" if self.paragraphs else "line"
        how = "streamed from disk on every pass" if self.streamed else "kept in memory"
        split = "split at white space (already tokenised)" if self.tokenised else "lower-cased words"
        return f"{self.about}; one document per {unit}, {split}; {self.size_bytes / 1e6:.1f} MB, {how}"


def corpus_path(spec: str) -> tuple[str, Path]:
    """(key, path) of a shipped corpus ("lee", "head500", or its file name) or of a file."""
    for key, shipped in SHIPPED.items():
        if spec in (key, shipped.file):
            return key, data_file(shipped.file)
    if not spec.strip():
        raise InputError("no corpus given; expected lee, head500 or a text file")
    return "file", Path(spec).expanduser().absolute()


def open_corpus(spec: str, *, in_memory_bytes: int = IN_MEMORY_BYTES) -> Corpus:
    """Check the file is text (not empty, not binary) and decide how it is read."""
    key, path = corpus_path(spec)
    if not path.exists():
        raise FileFormatError(path, "no such file", expected="a plain-text corpus")
    if path.is_dir():
        raise FileFormatError(path, "this is a folder", expected="a plain-text file")
    size = path.stat().st_size
    if size == 0:
        raise FileFormatError(path, "the file is empty", expected="plain text: one document per line, or prose")
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    _refuse_binary(path, head)
    encoding = "utf-8" if _is_utf8(head, complete=size <= SNIFF_BYTES) else "latin-1"
    sample = head.decode(encoding, errors="replace")
    lines = sample.splitlines()[:-1] or [sample]
    tokenised = not any(c.isupper() for c in sample) and sum(map(sample.count, ".,;:!?\"()")) < 0.002 * len(sample)
    filled = [len(line) for line in lines if line.strip()]
    paragraphs = len(filled) < len(lines) and bool(filled) and statistics.median(filled) < 100
    if key == "file":
        name, about = path.name, "a text file"
    else:
        name, about = SHIPPED[key].title, SHIPPED[key].about
    info = CorpusInfo(key, name, str(path), about, size, encoding, paragraphs, tokenised, size > in_memory_bytes)
    return Corpus(info)


_MAGIC = {b"%PDF": "a PDF document", b"PK\x03\x04": "a zip archive (or a .docx/.xlsx/.npz)",
          b"\x1f\x8b": "a gzip archive", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"\x93NUMPY": "a NumPy array", b"\x7fELF": "a program", b"BZh": "a bzip2 archive",
          b"SQLite format 3": "an SQLite database"}


def _refuse_binary(path: Path, head: bytes) -> None:
    kind = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
    control = sum(1 for b in head[:4096] if b < 32 and b not in (9, 10, 12, 13))
    if kind is None and b"\x00" not in head and control <= 0.05 * len(head[:4096]):
        return
    raise FileFormatError(path, f"this is {kind or 'a binary file'}, not text",
                          expected="a plain-text corpus (UTF-8 or Latin-1), one document per line or prose")


def _is_utf8(head: bytes, complete: bool) -> bool:
    for cut in ((0,) if complete else (0, 1, 2, 3)):  # a character may straddle the end of the sample
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


class Corpus:
    """A restartable iterable of documents as token lists (see the module's docstring)."""

    def __init__(self, info: CorpusInfo) -> None:
        self.info = info
        self.stop = threading.Event()
        self.fraction = 0.0  # of the current pass
        self.documents = 0  # counted on the first complete pass
        self.tokens = 0
        self._memory: list[list[str]] | None = None

    def __iter__(self) -> Iterator[list[str]]:
        if self._memory is not None:
            yield from self._replay()
            return
        keep: list[list[str]] | None = None if self.info.streamed else []
        documents = tokens = 0
        for sentence in self._read():
            documents += 1
            tokens += len(sentence)
            if keep is not None:
                keep.append(sentence)
            yield sentence
        if not self.stop.is_set():  # a complete pass
            self.documents, self.tokens = documents, tokens
            if keep is not None:
                self._memory = keep
        self.fraction = 1.0

    def _replay(self) -> Iterator[list[str]]:
        n = len(self._memory)
        for i, sentence in enumerate(self._memory):
            if self.stop.is_set():
                return
            if not i & 255:
                self.fraction = i / n
            yield sentence
        self.fraction = 1.0

    def _read(self) -> Iterator[list[str]]:
        size = max(self.info.size_bytes, 1)
        self.fraction = 0.0
        split = str.split if self.info.tokenised else tokenize
        with open(self.info.path, "rb") as f:
            paragraph: list[str] = []
            for raw in f:
                if self.stop.is_set():
                    return
                line = raw.decode(self.info.encoding, errors="replace")
                if self.info.paragraphs:
                    if line.strip():
                        paragraph += split(line)
                        if len(paragraph) < MAX_SENTENCE:
                            continue
                    words, paragraph = paragraph, []
                else:
                    words = split(line)
                self.fraction = f.tell() / size
                for s in range(0, len(words), MAX_SENTENCE):
                    yield words[s: s + MAX_SENTENCE]
            if paragraph:
                for s in range(0, len(paragraph), MAX_SENTENCE):
                    yield paragraph[s: s + MAX_SENTENCE]


def default_probes(key: str, words: list[str], count: int = 5) -> list[str]:
    """Probe words for a corpus: a curated list for the shipped ones, else frequent content words
    (ranks 30 to 400 of the vocabulary, five letters or more, in frequency order)."""
    if key in SHIPPED:
        present = set(words)
        chosen = [w for w in SHIPPED[key].probes if w in present][:count]
        if len(chosen) >= min(count, 3):
            return chosen
    content = [w for w in words[30:400] if len(w) >= 5 and w.isalpha()]
    return (content or [w for w in words if len(w) >= 5 and w.isalpha()] or words)[:count]
