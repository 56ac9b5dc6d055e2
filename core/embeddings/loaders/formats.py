"""The file formats, one entry each: what loading, sniffing, the file dialogs and saving read.

    file_format("glove").read(src, opts)          # a Job of RawEmbeddings
    sniffed(src)                                   # the entry whose sniff claims the file's first bytes
    run_sync(save(es, "out.txt", "word2vec-text")) # the files written
    open_filter()                                  # "Embeddings (*.txt *.vec ...);;All files (*)"

A new format is one :class:`FileFormat` in ``FILE_FORMATS`` (plus its reader module, and a writer
in ``exporters`` if it can be saved). ``sniff_rank`` orders the sniffs, lowest first: formats
known by their magic bytes look first, then the text formats, and GloVe, which claims any text,
last. Before the text is looked at, a head that is another archive or compressed once too often
is refused (see :class:`Head`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

from ...errors import FileFormatError, InputError
from ...io import COMPRESSED_SUFFIXES
from ...progress import Job
from ..embedding_set import EmbeddingSet
from ..exporters import write_projector_tsv, write_word2vec_text
from .binary_format import read_binary
from .common import LoadOptions, RawEmbeddings, located
from .numpy_format import read_numpy
from .projector_format import read_projector
from .source import MAGIC, MAX_LAYERS, SUFFIX, Source
from .text_format import parse_header, read_text

HEAD_BYTES = 65536
NUMPY_MAGIC, ZIP_MAGIC = b"\x93NUMPY", b"PK\x03\x04"

Reader = Callable[[Source, LoadOptions], Job[RawEmbeddings]]
Writer = Callable[..., Job[tuple[Path, ...]]]  # (es, path, rows=None) -> the files written


class Head:
    """What a sniff looks at: the content's name and plainness, and its first bytes (read on first use)."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.suffix = src.suffix
        self.plain = src.plain

    @cached_property
    def bytes(self) -> bytes:
        with self.src.open() as f:
            try:
                head = f.read(HEAD_BYTES)
            except FileFormatError as e:
                raise located(e, 1) from None
        if not head:
            raise FileFormatError(self.src.display, "the file is empty", line=1, expected="an embedding file")
        return head

    @cached_property
    def lines(self) -> tuple[bytes, bytes]:
        """The first line and the rest, once the head is known to be no archive or compressed content."""
        head, display = self.bytes, self.src.display
        if head.startswith(ZIP_MAGIC):
            raise FileFormatError(display, "a zip archive inside another archive or compressed file",
                                  expected="an embedding file (unpack the inner archive first)")
        if head[257:262] == b"ustar":
            raise FileFormatError(display, "a tar archive", expected="an embedding file, a .zip, or a file "
                                  "compressed alone (.gz, .bz2, .xz): unpack the tar archive first")
        if any(head.startswith(magic) for magic, _kind in MAGIC):
            raise FileFormatError(display, f"compressed more than {MAX_LAYERS} times", expected="an embedding file")
        first, _nl, rest = head.partition(b"\n")
        return first, rest

    @cached_property
    def header(self) -> tuple[int, int] | None:
        """The word2vec "<count> <dim>" first line, if it is one."""
        return parse_header(self.lines[0])

    @cached_property
    def text_entry(self) -> bool:
        """Whether what follows the header reads as text: a first line of a word and `dim` numbers
        (a binary file's float bytes almost never do)."""
        rest, dim = self.lines[1], self.header[1]
        line = rest.split(b"\n", 1)[0]
        if b"\x00" in line or (len(rest) < len(line) + 1 and len(line) >= 65535):
            return False
        fields = line.split()
        if len(fields) < 2 or len(fields) - 1 < dim:
            return not rest.strip()  # a header alone: say text, whose reader reports it plainly
        try:
            [float(x) for x in fields[-dim:]]
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class FileFormat:
    name: str  # the key: --format on the command line, the open dialog's choice
    label: str
    suffixes: tuple[str, ...]  # the names the open dialog lists (and that a sniff may go by)
    read: Reader
    sniff: Callable[[Head], bool]
    sniff_rank: int
    write: Writer | None = None
    companion: str | None = None  # the second file it may come with (the open dialog asks for it)


def _numpy(h: Head) -> bool:
    named = h.suffix in (".npy", ".npz")
    if named and h.plain:  # known by its name alone: nothing is read
        return True
    return h.bytes.startswith(NUMPY_MAGIC) or named or (h.plain and h.bytes.startswith(ZIP_MAGIC))


def _projector(h: Head) -> bool:
    first = h.lines[0]
    return h.suffix == ".tsv" or (h.header is None and h.suffix != ".bin" and b"\t" in first
                                  and b" " not in first.strip())


def _binary(h: Head) -> bool:
    return not h.text_entry if h.header is not None else h.suffix == ".bin"


def _text(header: bool) -> Writer:
    def write(es: EmbeddingSet, path: str | Path, rows: Sequence[int] | None = None) -> Job[tuple[Path, ...]]:
        return ((yield from write_word2vec_text(es, path, header=header, rows=rows)),)
    return write


def _write_projector(es: EmbeddingSet, path: str | Path, rows: Sequence[int] | None = None) -> Job[tuple[Path, ...]]:
    return (yield from write_projector_tsv(es, path, rows=rows))


FILE_FORMATS: tuple[FileFormat, ...] = (
    FileFormat("glove", "GloVe text (word and numbers per line, no header)", (".txt",),
               partial(read_text, header=False), lambda h: True, 100, write=_text(header=False)),
    FileFormat("word2vec-text", "word2vec text (first line '<count> <dim>')", (".txt",),
               partial(read_text, header=True), lambda h: h.header is not None, 40, write=_text(header=True)),
    FileFormat("fasttext-vec", "fastText .vec (word2vec text format)", (".vec",),
               partial(read_text, header=True), lambda h: h.header is not None and h.suffix == ".vec", 30,
               write=_text(header=True)),
    FileFormat("word2vec-binary", "word2vec binary (.bin)", (".bin",), read_binary, _binary, 20),
    FileFormat("projector-tsv", "Embedding Projector TSV (vectors.tsv + optional metadata.tsv)", (".tsv",),
               read_projector, _projector, 10, write=_write_projector, companion="metadata.tsv (optional)"),
    FileFormat("numpy", "NumPy .npy/.npz matrix + vocabulary file", (".npy", ".npz"), read_numpy, _numpy, 0,
               companion="vocabulary file (one word a line)"),
)
BY_NAME = {f.name: f for f in FILE_FORMATS}
FORMATS = {f.name: f.label for f in FILE_FORMATS}  # name -> label, in the table's order
SNIFF_ORDER = tuple(sorted(FILE_FORMATS, key=lambda f: f.sniff_rank))


def file_format(name: str) -> FileFormat:
    """The entry of a format name (InputError naming the known ones)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}") from None


def sniffed(src: Source) -> FileFormat:
    """The first entry, in sniff order, that claims the content (FileFormatError for an empty file,
    an archive inside an archive, a tar or content compressed too often)."""
    head = Head(src)
    return next(f for f in SNIFF_ORDER if f.sniff(head))


def save(es: EmbeddingSet, path: str | Path, fmt: str, rows: Sequence[int] | None = None) -> Job[tuple[Path, ...]]:
    """Write the set (or its `rows`) as `fmt`; the files written (InputError for a format that cannot be saved)."""
    entry = file_format(fmt)
    if entry.write is None:
        writable = ", ".join(f.name for f in FILE_FORMATS if f.write is not None)
        raise InputError(f"{fmt} files cannot be written; choose one of {writable}")
    return (yield from entry.write(es, path, rows=rows))


def open_filter() -> str:
    """The open dialog's filter: every format's names, compressed or in a .zip."""
    patterns = dict.fromkeys([*(s for f in FILE_FORMATS for s in f.suffixes), *COMPRESSED_SUFFIXES, *SUFFIX["zip"]])
    return f"Embeddings ({' '.join('*' + s for s in patterns)});;All files (*)"
