"""Passages for semantic search, streamed from a text file (a 1 GB file is never read whole).

    src = open_source("")                     # the default corpus: gensim's Lee news texts, in sentences
    src = open_source("notes.txt")            # one passage per line, or sentences of prose (auto)
    src = open_source("faq.csv", "column:answer")
    for text, fraction in read_passages(src):  # fraction: how far into the file
        ...

How a file is split (``split``): ``lines`` (each non-empty line), ``sentences`` (prose cut at
sentence ends; wrapped lines are joined within a paragraph), ``column:NAME`` (one column of a CSV or
TSV file with a header row), or ``auto``: a .csv/.tsv file's text column (named text, passage,
sentence, content, body... else the one with the longest values), else lines, unless the lines are
long documents (median over 300 characters), which are cut into sentences. The file is checked
first as the training corpora are (core.embeddings.corpus): no file, a folder, an empty file or a
binary file is a FileFormatError naming it.
"""
from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileFormatError, InputError
from .corpus import SNIFF_BYTES, open_corpus
from .evaluation import data_file

LEE_FILE = "lee_background.cor"
LEE_ABOUT = ("the default corpus: gensim's test data lee_background.cor, 300 Australian news stories from 2001 "
             "split into sentences; the texts were given to gensim by Michael D. Lee for Lee, Pincombe & Welsh "
             "(2005), “An empirical evaluation of models of text document similarity”; they ship inside gensim "
             "(LGPL-2.1), and no other licence is stated for them")
SPLITS = ("auto", "lines", "sentences")  # and "column:NAME"
LONG_LINE = 300  # a median line longer than this makes "auto" cut lines into sentences
MAX_CHARS = 4000  # a passage is cut here (MiniLM reads at most 256 tokens of it anyway)
PIECE = 1 << 20  # lines are read at most 1 MB at a time: a file with no line breaks stays bounded
TEXT_COLUMNS = ("text", "passage", "sentence", "content", "body", "abstract", "question", "answer", "review")

_SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|No|vs|etc|Inc|Ltd|Co|"
                           r"Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mt|Ft)|\b[A-Z])\.$")


@dataclass(frozen=True)
class PassageSource:
    path: str
    name: str  # what the panel and the CLI call it
    about: str
    size_bytes: int
    encoding: str
    split: str  # "lines" | "sentences" | "column"
    column: str = ""  # the column read, for "column"
    columns: tuple[str, ...] = ()  # a table's header
    delimiter: str = ""
    paragraphs: bool = False  # sentences: the file is wrapped prose (paragraphs between blank lines)

    @property
    def key(self) -> str:
        """What the passages depend on besides the file's bytes (part of the cache key)."""
        return f"{self.split}:{self.column}:{self.delimiter}:{int(self.paragraphs)}"

    def describe(self) -> str:
        how = {"lines": "one passage per line", "sentences": "split into sentences",
               "column": f"the column “{self.column}”"}[self.split]
        return f"{self.name} ({self.size_bytes / 1e6:.1f} MB), {how}"


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph: cut after . ! ? (and closing quotes) before a capital or digit,
    except after common abbreviations (Mr., Dr., Jan., U.S. initials)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[start: m.start()]
        if _ABBREVIATION.search(piece.rstrip("\"'”’)]")):
            continue
        if piece.strip():
            out.append(piece.strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _table_columns(path: Path, encoding: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        rows = list(zip(range(51), csv.reader(io.StringIO(f.read(SNIFF_BYTES)), delimiter=delimiter)))
    if not rows:
        raise FileFormatError(path, "no header row", expected="a header row naming the columns")
    return rows[0][1], [r for _, r in rows[1:-1] or rows[1:]]


def _text_column(header: list[str], rows: list[list[str]]) -> str:
    for name in header:
        if name.strip().lower() in TEXT_COLUMNS:
            return name
    widths = [statistics.mean(len(r[i]) if i < len(r) else 0 for r in rows) if rows else 0 for i in range(len(header))]
    return header[max(range(len(header)), key=widths.__getitem__)]


def open_source(spec: str = "", split: str = "auto") -> PassageSource:
    """Check a file (or "" for the default corpus) and decide how it is split into passages."""
    if not spec:
        info = open_corpus(str(data_file(LEE_FILE))).info
        return PassageSource(info.path, "Lee news corpus", LEE_ABOUT, info.size_bytes, info.encoding, "sentences")
    if split not in SPLITS and not split.startswith("column:"):
        raise InputError(f"unknown split {split!r}; expected auto, lines, sentences or column:NAME")
    info = open_corpus(spec).info
    path = Path(info.path)
    name, about = path.name, "a text file"
    delimiter = {".csv": ",", ".tsv": "\t", ".tab": "\t"}.get(path.suffix.lower(), "")
    if split.startswith("column:") or (split == "auto" and delimiter):
        delimiter = delimiter or ","
        header, rows = _table_columns(path, info.encoding, delimiter)
        column = split[len("column:"):] if split.startswith("column:") else _text_column(header, rows)
        if column not in header:
            raise FileFormatError(path, f"no column named {column!r}", line=1, expected="one of " + ", ".join(header))
        return PassageSource(str(path), name, about, info.size_bytes, info.encoding, "column", column,
                             tuple(header), delimiter)
    if split == "auto":
        with open(path, "rb") as f:
            lines = [ln for ln in f.read(SNIFF_BYTES).decode(info.encoding, "replace").splitlines() if ln.strip()]
        long_lines = bool(lines) and statistics.median(map(len, lines)) > LONG_LINE
        split = "sentences" if info.paragraphs or long_lines else "lines"
    return PassageSource(str(path), name, about, info.size_bytes, info.encoding, split, paragraphs=info.paragraphs)


def _pieces(src: PassageSource) -> Iterator[tuple[str, float]]:
    """Lines (at most PIECE bytes each) and how far into the file they end."""
    size = max(src.size_bytes, 1)
    with open(src.path, "rb") as f:
        for raw in iter(lambda: f.readline(PIECE), b""):
            yield raw.decode(src.encoding, errors="replace"), f.tell() / size


def _clean(text: str) -> str:
    return " ".join(text.split())[:MAX_CHARS]


def read_passages(src: PassageSource) -> Iterator[tuple[str, float]]:
    """Each passage of the source (white space collapsed, at most MAX_CHARS) with the fraction of the
    file read so far. Memory stays bounded whatever the file's size."""
    if src.split == "column":
        yield from _column_passages(src)
        return
    if src.split == "lines":
        for line, done in _pieces(src):
            if line.strip():
                yield _clean(line), done
        return
    paragraph: list[str] = []
    held = 0  # characters in `paragraph`
    for line, done in _pieces(src):
        if src.paragraphs and line.strip() and held < PIECE:
            paragraph.append(line)
            held += len(line)
            continue
        text = " ".join(paragraph + ([line] if not src.paragraphs else []))
        paragraph = [line] if src.paragraphs and line.strip() else []
        held = sum(map(len, paragraph))
        for s in split_sentences(" ".join(text.split())):
            yield _clean(s), done
    for s in split_sentences(" ".join(" ".join(paragraph).split())):
        yield _clean(s), 1.0


def _column_passages(src: PassageSource) -> Iterator[tuple[str, float]]:
    size = max(src.size_bytes, 1)
    with open(src.path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=src.encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=src.delimiter)
        try:
            header = next(reader, [])
            col = header.index(src.column)
            for row in reader:
                if col < len(row) and row[col].strip():
                    yield _clean(row[col]), raw.tell() / size
        except csv.Error as exc:
            raise FileFormatError(
                src.path,
                f"not readable as a table ({exc})",
                line=reader.line_num,
                expected=f"{'tab' if src.delimiter == chr(9) else 'comma'}-separated values",
            ) from None
        except ValueError:
            raise FileFormatError(
                src.path, f"no column named {src.column!r}", line=1, expected="one of " + ", ".join(header)
            ) from None
