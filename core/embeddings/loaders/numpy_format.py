"""NumPy .npy / .npz matrices with a vocabulary file (or a string array inside the .npz).

Nothing is ever unpickled: each array's header is read first (``numpy.lib.format``, a
literal parser) and an object dtype is refused before any data is read; the shape it
declares is checked against the bytes that hold it before anything is allocated. A plain
.npy is memory-mapped; a compressed one (``.npy.gz``) or an .npz member is read in blocks.
"""
from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass
from math import prod
from typing import IO

import numpy as np
from numpy.lib import format as npformat

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import Duplicates, LoadOptions, RawEmbeddings, decode_word
from .source import Source, describe
from .stream import check_zip_member

MATRIX_NAMES = ("vectors", "embeddings", "embedding", "weights", "matrix", "W", "E", "arr_0")
WORD_NAMES = ("words", "vocab", "vocabulary", "tokens", "labels", "index", "keys")
VOCAB_NAMES = ("{stem}.vocab", "{stem}.txt", "{stem}.tsv", "{stem}_vocab.txt", "{stem}.vocab.txt", "vocab.txt",
               "words.txt")
BLOCK = 1 << 20
ZIP_DAMAGE = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error,
              lzma.LZMAError, struct.error, OverflowError, UnicodeDecodeError, IndexError)
OBJECTS = "it holds Python objects, which are never unpickled"


@dataclass(frozen=True)
class Header:
    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    offset: int  # bytes before the data

    @property
    def nbytes(self) -> int:
        return prod(self.shape) * self.dtype.itemsize


def read_header(f: IO[bytes], where: str) -> Header:
    """Parse a .npy header (magic, version, a Python-literal dict); refuse objects."""
    try:
        version = npformat.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = npformat.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):  # 3.0 differs only in allowing utf-8 field names
            shape, fortran, dtype = npformat.read_array_header_2_0(f)
        else:
            raise ValueError(f"unknown format version {version}")
    except Exception as e:
        if isinstance(e, FileFormatError):  # a damaged compressed stream, already placed
            raise
        raise FileFormatError(where, f"not a readable NumPy file: {str(e)[:200]}", offset=0,
                              expected="a .npy array header") from None
    if dtype.hasobject:
        raise FileFormatError(where, OBJECTS, expected="numbers (float)", offset=0)
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise FileFormatError(where, f"the header declares the shape {shape}", expected="a shape of sizes >= 0",
                              offset=0)
    return Header(tuple(shape), bool(fortran), dtype, f.tell())


def guess_vocab(src: Source) -> Source | None:
    for pattern in VOCAB_NAMES:
        cand = src.sibling(pattern.format(stem=src.stem))
        if cand is not None:
            return cand
    return None


def read_numpy(src: Source, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = src.display
    yield Progress(0.0, "opening")
    with src.open() as f:
        magic = f.read(6)
    words: list[str] | None = None
    if magic.startswith(b"PK"):
        matrix, words = _from_npz(src)
    elif magic == b"\x93NUMPY":
        matrix = _from_npy(src)
    else:
        raise FileFormatError(path, "not a NumPy file" if magic else "the file is empty", offset=0,
                              expected="a .npy array or an .npz archive")
    if matrix.ndim != 2:
        raise FileFormatError(path, f"the array has shape {matrix.shape}", expected="a 2-D matrix (words x dimensions)",
                              offset=0)
    if matrix.dtype.kind not in "fiu":
        raise FileFormatError(path, f"the array has dtype {matrix.dtype}", expected="numbers (float)", offset=0)
    if 0 in matrix.shape:
        raise FileFormatError(path, f"the array has shape {matrix.shape}: no vectors", offset=0,
                              expected="at least one row and one column")
    n = matrix.shape[0] if opts.limit is None else min(matrix.shape[0], opts.limit)
    if words is None:
        vocab = describe(opts.vocab_path) if opts.vocab_path else guess_vocab(src)
        if vocab is None:
            raise FileFormatError(path, "no vocabulary file", expected=f"a vocabulary file with {matrix.shape[0]:,} "
                                  "words, one per line (choose it, or put it beside the matrix as <name>.vocab/.txt)")
        words = _read_vocab(vocab, matrix.shape[0], opts)
    yield Progress(0.3, "checking values")
    with np.errstate(over="ignore", invalid="ignore"):  # too large for the dtype: inf, found just below
        vectors = np.asarray(matrix[:n], dtype=opts.dtype)
    bad = ~np.isfinite(vectors)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        value = matrix[r, c]
        what = f"{value}, too large for {opts.dtype}" if np.isfinite(value) else f"{value}"
        raise FileFormatError(path, f"row {r + 1} ({words[r]!r}) holds {what} as number {c + 1}",
                              line=r + 1, column=c + 1, expected="finite numbers (no NaN or inf)" +
                              (" within float16's range (+-65504): open it as float32" if np.isfinite(value) else ""))
    words = words[:n]
    keep, first, dups = [], {}, Duplicates()
    for i, w in enumerate(words):
        key = w.lower() if opts.lowercase else w
        if key in first:
            if not opts.lowercase:
                dups.skip(w, f"row {first[key] + 1}", f"row {i + 1}")
            continue
        first[key] = i
        keep.append(i)
    if len(keep) != len(words):
        vectors = vectors[keep]
    words = [words[i].lower() if opts.lowercase else words[i] for i in keep]
    yield Progress(1.0, f"read {len(words):,} words")
    return RawEmbeddings(words, np.ascontiguousarray(vectors), notes=dups.notes())


def _from_npy(src: Source) -> np.ndarray:
    path = src.display
    with src.open() as f:
        h = read_header(f, path)
        if src.plain:
            have = src.size - h.offset
            if h.nbytes > have:
                raise _short(path, h, have)
            if h.nbytes == 0:
                return np.empty(h.shape, dtype=h.dtype)
            return np.memmap(src.path, dtype=h.dtype, mode="r", offset=h.offset, shape=h.shape,
                             order="F" if h.fortran else "C")
        bound = None if src.content_size is None else src.content_size - h.offset
        return _read_data(f, h, path, bound)


def _short(path: str, h: Header, have: int) -> FileFormatError:
    return FileFormatError(path, f"the header declares {h.shape} {h.dtype} ({h.nbytes:,} bytes) but the file "
                           f"holds {max(have, 0):,} bytes of data", expected="a complete file (is it cut short?)",
                           offset=h.offset + max(have, 0))


def _read_data(f, h: Header, path: str, bound: int | None) -> np.ndarray:
    """Read exactly the declared bytes in blocks: memory grows only as data really arrives."""
    if bound is not None and h.nbytes > bound:
        raise _short(path, h, bound)
    buf = bytearray()
    while len(buf) < h.nbytes:
        block = f.read(min(BLOCK, h.nbytes - len(buf)))
        if not block:
            raise _short(path, h, len(buf))
        buf += block
    flat = np.frombuffer(buf, dtype=h.dtype, count=prod(h.shape))
    return flat.reshape(h.shape, order="F" if h.fortran else "C")


def _from_npz(src: Source) -> tuple[np.ndarray, list[str] | None]:
    path = src.display
    with src.open_seekable() as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except ZIP_DAMAGE as e:
            raise FileFormatError(path, f"not a readable .npz archive: its directory at the end cannot be read "
                                  f"({str(e)[:200]})", expected="an .npz archive", offset=0) from None
        with zf:
            heads: dict[str, tuple[Header, zipfile.ZipInfo]] = {}
            for info in zf.infolist():
                if info.is_dir() or not info.filename.endswith(".npy"):
                    continue
                name = info.filename[:-4]
                where = f"{path} (array {name!r})"
                try:
                    with _member(zf, info, where) as f:
                        h = read_header(f, where)
                except ZIP_DAMAGE as e:
                    raise _damaged(where, e, info) from None
                heads[name] = (h, info)
            if not heads:
                raise FileFormatError(path, "the .npz archive holds no arrays", expected="a 2-D matrix", offset=0)
            mats = [n for n, (h, _) in heads.items() if len(h.shape) == 2 and h.dtype.kind in "fiu"]
            if not mats:
                first = next(iter(heads.values()))[1]
                raise FileFormatError(path, f"no 2-D numeric array among {list(heads)}",
                                      expected="a words x dimensions matrix", offset=first.header_offset)
            mname = next((n for n in MATRIX_NAMES if n in mats), mats[0])
            matrix = _npz_array(zf, mname, heads[mname], path)
            wnames = [n for n, (h, _) in heads.items() if len(h.shape) == 1 and h.dtype.kind in "US"]
            words = None
            if wnames:
                wname = next((n for n in WORD_NAMES if n in wnames), wnames[0])
                arr = _npz_array(zf, wname, heads[wname], path)
                words = [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w) for w in arr.tolist()]
                if matrix.ndim >= 1 and len(words) != matrix.shape[0]:
                    raise FileFormatError(f"{path} (array {wname!r})", f"{len(words):,} words for {matrix.shape[0]:,} "
                                          f"rows of {mname!r}", expected="one word per row",
                                          offset=heads[wname][1].header_offset)
    return matrix, words


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str):
    check_zip_member(zf.fp, info, where)
    try:
        return zf.open(info)
    except ZIP_DAMAGE as e:
        raise FileFormatError(where, f"cannot be read ({str(e)[:200]})", expected="an unencrypted .npz member",
                              offset=info.header_offset) from None


def _damaged(where: str, e: BaseException, info: zipfile.ZipInfo) -> FileFormatError:
    return FileFormatError(where, f"the compressed data is damaged ({str(e)[:200]})", expected="a complete .npz",
                           offset=info.header_offset)


def _npz_array(zf: zipfile.ZipFile, name: str, head: tuple[Header, zipfile.ZipInfo], path: str) -> np.ndarray:
    h, info = head
    where = f"{path} (array {name!r})"
    try:
        with _member(zf, info, where) as f:
            read_header(f, where)
            return _read_data(f, h, where, info.file_size - h.offset)
    except ZIP_DAMAGE as e:
        raise _damaged(where, e, info) from None


def _read_vocab(vocab: Source, rows: int, opts: LoadOptions) -> list[str]:
    where = vocab.display
    with vocab.open() as f:
        head = f.read(4096)
        if b"\x00" in head:
            raise FileFormatError(where, "binary data in the vocabulary file", line=1, expected="one word per line")
        words: list[str] = []
        rest = head
        while True:
            lines = rest.split(b"\n")
            rest = lines.pop()
            for raw in lines:
                words.append(_vocab_word(where, raw, len(words) + 1, opts))
                if len(words) > rows:
                    raise FileFormatError(where, f"the vocabulary has more than {rows:,} words but the matrix has "
                                          f"{rows:,} rows", line=rows + 1, expected="one word per matrix row")
            if len(rest) > BLOCK:
                raise FileFormatError(where, f"line is longer than {BLOCK:,} bytes", line=len(words) + 1,
                                      expected="one word per line")
            block = f.read(BLOCK)
            if not block:
                break
            rest += block
        if rest:
            words.append(_vocab_word(where, rest, len(words) + 1, opts))
    if len(words) != rows:
        raise FileFormatError(where, f"the vocabulary has {len(words):,} words but the matrix has {rows:,} rows",
                              line=min(len(words), rows) + 1, expected="one word per matrix row")
    return words


def _vocab_word(where: str, raw: bytes, line: int, opts: LoadOptions) -> str:
    raw = raw.rstrip(b"\r")
    w = raw.split(b"\t", 1)[0].split(b" ", 1)[0] if (b"\t" in raw or raw.count(b" ") == 1) else raw
    return decode_word(where, w, line, opts.encoding)
