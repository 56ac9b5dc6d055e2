"""word2vec binary: an ASCII "N D" header line, then per word: the word's bytes,
a space, D little-endian float32 values, and (usually) a newline.

Read as a stream in 1 MB blocks (the same for a .bin.gz). The header's N x D is checked
against the bytes the file can hold before anything is allocated; when the content's
size is not known ahead (gzip, bzip2, xz) the matrix grows as entries really arrive.

:func:`read_binary` fills an array in memory; :func:`stream_binary` writes the rows of a
plain file block by block straight into ``vectors.npy`` in the app's store, so a file larger than
memory opens with memory bounded by one block of rows plus the word list.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ...io import atomic_folder
from ...progress import Job, Progress
from .. import store
from ..embedding_set import row_norms
from .common import Duplicates, LoadOptions, RawEmbeddings, decode_word, located
from .source import Source
from .text_format import MAX_DIM, parse_header

MAX_WORD = 1000
BLOCK = 1 << 20
FIRST_GUESS = 64 << 20  # bytes of matrix allocated up front when the content's size is unknown
SINK_BYTES = 64 << 20  # rows held at a time when a file streams into the store


def _refill(f, buf: bytes, pos: int, need: int) -> tuple[bytes, bool]:
    """The unread part of ``buf`` plus blocks from ``f`` until ``need`` bytes (or the end): (bytes, eof)."""
    parts, have, eof = [buf[pos:]], len(buf) - pos, False
    while have < need:
        block = f.read(max(BLOCK, min(need - have, 16 * BLOCK)))
        if not block:
            eof = True
            break
        parts.append(block)
        have += len(block)
    return b"".join(parts), eof


def read_binary(src: Source, opts: LoadOptions) -> Job[RawEmbeddings]:
    return (yield from _read(src, opts, lambda rows, dim: _matrix(src.display, rows, dim)))


def read_header(src: Source) -> tuple[int, int]:
    """(declared words, dimension) from the first line, without reading further."""
    with src.open() as f:
        h = parse_header(f.readline(200))
    return h if h is not None else (0, 0)


def _read(src: Source, opts: LoadOptions, allocate: Callable[[int, int], np.ndarray],
          sink: Callable[[np.ndarray], None] | None = None) -> Job[RawEmbeddings]:
    """Parse the file into a matrix from ``allocate``; with a ``sink``, into a buffer of SINK_BYTES
    handed to the sink each time it fills (checked first), and the returned vectors are empty."""
    path = src.display
    with src.open(read_ahead=True) as f:
        head, count, dim = _header(f, path)
        want = count if opts.limit is None else min(count, opts.limit)
        vec_bytes = 4 * dim
        cap = _first_rows(src, len(head), count, dim, want)
        if sink is not None:
            cap = min(want, max(1, SINK_BYTES // vec_bytes))
        out = allocate(cap, dim)
        flushed = 0  # rows handed to the sink
        words: list[str] = []
        seen: dict[str, int] = {}  # word -> entry number
        dups = Duplicates()
        row = entry = 0
        step = max(min(want // 100, 50000), 1000)
        need = MAX_WORD + 2 + vec_bytes
        buf, pos, base, eof = b"", 0, len(head), False  # base: content offset of buf[0]
        rows = _byte_view(out)
        entries: list[int] = []  # row -> entry number, for messages
        encoding = opts.encoding
        while row < want and entry < count:
            if len(buf) - pos < need and not eof:
                try:
                    base += pos
                    buf, eof = _refill(f, buf, pos, need)
                    pos = 0
                except FileFormatError as e:
                    raise located(e, entry + 2) from None
            n = len(buf)
            while pos < n and buf[pos] in b"\n\r ":
                pos += 1
                if pos == n and not eof:  # separators all the way to the end of what was read
                    base += pos
                    buf, eof = _refill(f, buf, pos, need)
                    pos, n = 0, len(buf)
            if pos >= n:
                raise FileFormatError(path, f"the header declares {count:,} words but the file ends after {entry:,}",
                                      line=entry + 2, expected=f"{count:,} entries (entry {entry + 1} at byte "
                                                           f"{base + pos})")
            sp = buf.find(b" ", pos, pos + MAX_WORD + 1)
            if sp < 0:
                raise FileFormatError(path, f"entry {entry + 1} at byte {base + pos}: no space after the word",
                                      line=entry + 2, expected=f"a word of at most {MAX_WORD} bytes, then a space")
            try:
                word = buf[pos:sp].decode(encoding)
            except UnicodeDecodeError:
                word = decode_word(path, buf[pos:sp], entry + 2, encoding)  # raises, saying where
            if "\n" in word or "\r" in word:
                decode_word(path, buf[pos:sp], entry + 2, encoding)
            end = sp + 1 + vec_bytes
            if end > n:
                raise FileFormatError(path, f"the file ends inside the vector of {word!r} (entry {entry + 1})",
                                      line=entry + 2, expected=f"{vec_bytes} bytes of float32 values")
            entry += 1
            start_of_vector, pos = sp + 1, end
            if opts.lowercase:
                word = word.lower()
                if word in seen:
                    continue
            elif word in seen:
                dups.skip(word, f"entry {seen[word]}", f"entry {entry}")
                continue
            seen[word] = entry
            if row - flushed == len(out):
                if sink is not None:
                    _check_finite(path, out, flushed, words, entries)
                    sink(out)
                    flushed = row
                else:  # only when the content's size was not known: grow as entries arrive
                    out = _grow(path, out, want, max(FIRST_GUESS // vec_bytes, 1))
                    rows = _byte_view(out)
            at = row - flushed
            rows[at * vec_bytes: (at + 1) * vec_bytes] = memoryview(buf)[start_of_vector:end]
            words.append(word)
            entries.append(entry)
            row += 1
            if row % step == 0:
                yield Progress(f.fraction(), f"read {row:,} words")
        rest = buf[pos:] + (b"" if eof else f.read(BLOCK))
        if opts.limit is None and not opts.lowercase:
            _check_tail(rest, path, count)
    del rows
    if not words:
        raise FileFormatError(path, f"no vectors found (the header declares {count:,})", line=2,
                              expected="a word, a space and its float32 values")
    if sink is not None:
        _check_finite(path, out[: row - flushed], flushed, words, entries)
        sink(out[: row - flushed])
        return RawEmbeddings(words, np.empty((0, dim), np.float32), notes=dups.notes())
    return RawEmbeddings(words, _finish(path, out[:row], opts.dtype, words, entries), notes=dups.notes())


def _header(f, path: str) -> tuple[bytes, int, int]:
    """The first line, and the word count and dimension it declares (FileFormatError for a bad one)."""
    try:
        head = f.readline(200)
    except FileFormatError as e:
        raise located(e, 1) from None
    if not head:
        raise FileFormatError(path, "the file is empty", line=1, expected="a '<count> <dim>' header")
    h = parse_header(head)
    if h is None:
        raise FileFormatError(path, "bad word2vec binary header", line=1, expected="'<word count> <dimension>'",
                              found=head[:60].decode("latin-1"))
    count, dim = h
    if dim <= 0:
        raise FileFormatError(path, "dimension in header is 0", line=1, expected="a positive dimension")
    if dim > MAX_DIM:
        raise FileFormatError(path, f"the header declares {dim:,} dimensions", line=1,
                              expected=f"at most {MAX_DIM:,} (a word2vec header: '<word count> <dimension>')")
    return head, count, dim


def _first_rows(src: Source, head_bytes: int, count: int, dim: int, want: int) -> int:
    """How many rows to allocate first; checked against the content's size before anything is allocated
    (FileFormatError for a header the file cannot hold)."""
    vec_bytes = 4 * dim
    body = None if src.content_size is None else src.content_size - head_bytes
    if body is not None and want * (vec_bytes + 2) > body:
        raise FileFormatError(src.display, f"the header declares {count:,} words of {dim:,} dimensions (at least "
                              f"{want * (vec_bytes + 2):,} bytes) but the file holds {body:,} bytes after it",
                              line=1, expected="a header that matches the file (is it cut short?)")
    # unknown size: up to 3x the compressed bytes (float32 barely compresses), then grow with the data
    return want if body is not None else min(want, max(FIRST_GUESS, 3 * src.size) // (vec_bytes + 2))


def _check_tail(rest: bytes, path: str, count: int) -> None:
    """FileFormatError when more than separators follows the declared entries."""
    if rest.strip(b"\n\r "):
        raise FileFormatError(path, f"more data after the {count:,} declared entries", line=count + 2,
                              expected="the file to end after the declared words")


def _finish(path: str, out: np.ndarray, dtype: str, words: list[str], entries: list[int]) -> np.ndarray:
    """The rows read (little-endian float32) as the host's floats of ``dtype``, every number checked finite."""
    if sys.byteorder == "big":
        out.byteswap(inplace=True)  # the file's floats are little-endian
    _check_finite(path, out, 0, words, entries)
    with np.errstate(over="ignore"):
        vectors = out.astype(dtype, copy=False)
    r, c = _first_nonfinite(vectors)
    if r >= 0:
        raise FileFormatError(path, f"number {c + 1} of {words[r]!r} (entry {entries[r]}) is {out[r, c]:g}, too "
                              f"large for {dtype}", line=entries[r] + 1,
                              expected="numbers within float16's range (+-65504): open it as float32")
    return vectors


def _check_finite(path: str, block: np.ndarray, first: int, words: list[str], entries: list[int]) -> None:
    """FileFormatError naming the first NaN or inf in ``block`` (rows from ``first`` on)."""
    r, c = _first_nonfinite(block)
    if r >= 0:
        w, e = words[first + r], entries[first + r]
        raise FileFormatError(path, f"the vector of {w!r} (entry {e}) holds {block[r, c]} as number {c + 1}",
                              line=e + 1, column=c + 1, expected="finite numbers (no NaN or inf)")


def _first_nonfinite(vectors: np.ndarray, chunk: int = 65536) -> tuple[int, int]:
    """(row, column) of the first NaN or inf, (-1, -1) if none; checked in blocks of rows."""
    for s in range(0, len(vectors), chunk):
        bad = ~np.isfinite(vectors[s: s + chunk])
        if bad.any():
            r, c = (int(x) for x in np.argwhere(bad)[0])
            return s + r, c
    return -1, -1


def _byte_view(out: np.ndarray) -> memoryview:
    """The matrix's bytes, row after row: a vector's bytes are copied in without numpy per entry."""
    return memoryview(out.reshape(-1).view(np.uint8))


def _matrix(path: str, rows: int, dim: int) -> np.ndarray:
    try:
        return np.empty((rows, dim), dtype=np.float32)
    except (MemoryError, ValueError):
        raise FileFormatError(path, f"not enough memory for {rows:,} x {dim:,} numbers", line=1,
                              expected="a smaller file, or a vocabulary limit") from None


def _grow(path: str, out: np.ndarray, want: int, step: int) -> np.ndarray:
    bigger = _matrix(path, min(want, max(len(out) * 2, step)), out.shape[1])
    bigger[: len(out)] = out
    return bigger


_HEADER = 128  # bytes reserved for the .npy header, so that it can be rewritten in place


def _npy_header(rows: int, dim: int) -> bytes:
    text = repr({"descr": "<f4", "fortran_order": False, "shape": (rows, dim)})
    pad = _HEADER - 10 - len(text) - 1
    return b"\x93NUMPY\x01\x00" + (_HEADER - 10).to_bytes(2, "little") + text.encode("latin-1") + b" " * pad + b"\n"


def stream_binary(src: Source, opts: LoadOptions, folder: Path, *, name: str, source: str,
                  extra: dict) -> Job[None]:
    """Convert a plain (uncompressed, float32, little-endian host) word2vec binary file straight into
    a stored set in ``folder`` (vectors.npy, norms.npy, words.txt, meta.json), published only when
    complete: the rows go to the file a block of SINK_BYTES at a time, so memory holds one block
    plus the word list."""
    with atomic_folder(folder) as tmp:
        target = tmp / "vectors.npy"
        norms: list[np.ndarray] = []
        with open(target, "wb") as out:
            out.write(_npy_header(0, 0))  # rewritten once the rows are counted

            def write(block: np.ndarray) -> None:
                out.write(memoryview(np.ascontiguousarray(block)).cast("B"))
                norms.append(row_norms(block))

            raw = yield from _read(src, opts, lambda rows, dim: _matrix(src.display, rows, dim), write)
            n, dim = len(raw.words), raw.vectors.shape[1]
            out.seek(0)
            out.write(_npy_header(n, dim))
        yield Progress(1.0, "writing the word list")
        np.save(tmp / "norms.npy", np.concatenate(norms) if norms else np.empty(0, np.float32))
        (tmp / "words.txt").write_text("\n".join(raw.words), encoding="utf-8")
        meta = {"format_version": store.FORMAT_VERSION, "norms_version": store.NORMS_VERSION, "name": name,
                "source": source, "count": n, "dim": dim, "dtype": "float32", "notes": raw.notes, **extra}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
