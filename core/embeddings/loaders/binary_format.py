"""word2vec binary: an ASCII "N D" header line, then per word: the word's bytes,
a space, D little-endian float32 values, and (usually) a newline.

The file is read in blocks, never whole. :func:`read_binary` fills an array in memory;
:func:`stream_binary` writes the rows straight into the app's store (a memory-mappable
``vectors.npy``), so a file larger than memory opens with memory bounded by one block of
rows plus the word list.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

from .. import store
from ..embedding_set import row_norms
from ...errors import FileFormatError
from ...io import atomic_folder
from ...progress import Job, Progress
from .common import LoadOptions, RawEmbeddings, decode_word
from .text_format import parse_header

MAX_WORD = 1000
BLOCK = 8 << 20  # bytes read at a time
_WS = (0x0A, 0x0D, 0x20)

Sink = Callable[[list[str], np.ndarray], None]  # receives each block of parsed rows, in order


def read_header(path: str) -> tuple[int, int, int]:
    """(declared words, dimension, header length in bytes)."""
    if os.path.getsize(path) == 0:
        raise FileFormatError(path, "the file is empty", line=1, expected="a '<count> <dim>' header")
    with open(path, "rb") as f:
        head = f.readline(200)
    h = parse_header(head)
    if h is None:
        raise FileFormatError(path, "bad word2vec binary header", line=1, expected="'<word count> <dimension>'",
                              found=head[:60].decode("latin-1"))
    if h[1] <= 0:
        raise FileFormatError(path, "dimension in header is 0", line=1, expected="a positive dimension")
    return h[0], h[1], len(head)


def _parse(path: str, opts: LoadOptions, sink: Sink, rows_per_block: int) -> Job[int]:
    """Parse every entry, handing blocks of rows to ``sink``; returns the number of rows."""
    count, dim, head_len = read_header(path)
    want = count if opts.limit is None else min(count, opts.limit)
    vec_bytes = 4 * dim
    need = MAX_WORD + 2 + vec_bytes  # bytes that hold any one entry
    total = max(os.path.getsize(path), 1)
    seen: dict[str, int] = {}
    block = np.empty((max(1, min(rows_per_block, want)), dim), dtype=np.float32)
    words: list[str] = []
    row = entry = 0
    with open(path, "rb") as f:
        f.seek(head_len)
        buf, pos, base, eof = b"", 0, head_len, False

        def fill() -> None:
            nonlocal buf, pos, base, eof
            more = f.read(max(BLOCK, need))
            base += pos
            buf, pos = buf[pos:] + more, 0
            eof = not more

        while row < want:
            while True:  # skip the separators between entries (a run may cross a block's end)
                while pos < len(buf) and buf[pos] in _WS:
                    pos += 1
                if pos < len(buf) or eof:
                    break
                fill()
            if len(buf) - pos < need and not eof:
                fill()
            if pos >= len(buf):
                raise FileFormatError(path, f"the header declares {count:,} words but the file ends after "
                                            f"{entry:,}", line=entry + 2,
                                      expected=f"{count:,} entries (entry {entry + 1} at byte {base + pos})")
            sp = buf.find(b" ", pos, pos + MAX_WORD + 1)
            if sp < 0:
                raise FileFormatError(path, f"entry {entry + 1} at byte {base + pos}: no space after the word",
                                      line=entry + 2, expected=f"a word of at most {MAX_WORD} bytes, then a space")
            word = decode_word(path, buf[pos:sp], entry + 2, opts.encoding)
            end = sp + 1 + vec_bytes
            if end > len(buf):
                raise FileFormatError(path, f"the file ends inside the vector of {word!r} (entry {entry + 1})",
                                      line=entry + 2, expected=f"{vec_bytes} bytes of float32 values")
            vec = np.frombuffer(buf, dtype="<f4", count=dim, offset=sp + 1)
            pos = end
            entry += 1
            if opts.lowercase:
                word = word.lower()
                if word in seen:
                    continue
            elif word in seen:
                raise FileFormatError(path, f"duplicate word {word!r} (first as entry {seen[word] - 1})",
                                      line=entry + 1, expected="each word once")
            if not np.isfinite(vec).all():
                raise FileFormatError(path, f"the vector of {word!r} (entry {entry}) holds NaN or inf",
                                      line=entry + 1, expected="finite numbers")
            seen[word] = entry + 1
            block[len(words)] = vec
            words.append(word)
            row += 1
            if len(words) == len(block):
                sink(words, block)
                words = []
                yield Progress(min((base + pos) / total, 1.0), f"read {row:,} words")
        if words:
            sink(words, block[: len(words)])
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos < len(buf) or eof:
                break
            fill()
    if opts.limit is None and not opts.lowercase and pos < len(buf):
        raise FileFormatError(path, f"more data after the {count:,} declared entries", line=count + 2,
                              expected="the file to end after the declared words")
    return row


def read_binary(path: str | Path, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = str(path)
    count, dim, _ = read_header(path)
    want = count if opts.limit is None else min(count, opts.limit)
    out = np.empty((want, dim), dtype=np.float32)
    words: list[str] = []

    def keep(ws: list[str], rows: np.ndarray) -> None:
        out[len(words) : len(words) + len(ws)] = rows
        words.extend(ws)

    n = yield from _parse(path, opts, keep, max(want // 100, 1000))
    return RawEmbeddings(words, out[:n].astype(opts.dtype, copy=False))


_HEADER = 128  # bytes reserved for the .npy header, so it can be rewritten in place


def _npy_header(rows: int, dim: int, dtype: np.dtype) -> bytes:
    text = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (rows, dim)})
    pad = _HEADER - 10 - len(text) - 1
    return b"\x93NUMPY\x01\x00" + (_HEADER - 10).to_bytes(2, "little") + text.encode("latin-1") + b" " * pad + b"\n"


def stream_binary(path: str | Path, opts: LoadOptions, folder: Path, *, name: str, source: str,
                  extra: dict) -> Job[None]:
    """Convert the file straight into a stored set in ``folder`` (vectors.npy, norms.npy, words.txt,
    meta.json), one block of rows at a time; published only when complete."""
    path = str(path)
    count, dim, _ = read_header(path)
    dtype = np.dtype(opts.dtype)
    want = count if opts.limit is None else min(count, opts.limit)
    norms: list[np.ndarray] = []
    words: list[str] = []
    with atomic_folder(folder) as tmp:
        with open(tmp / "vectors.npy", "wb") as out:
            out.write(_npy_header(want, dim, dtype))

            def write(ws: list[str], rows: np.ndarray) -> None:
                out.write(np.ascontiguousarray(rows, dtype=dtype).tobytes())
                norms.append(row_norms(rows))
                words.extend(ws)

            n = yield from _parse(path, opts, write, max(1, (64 << 20) // (4 * dim)))
            if n != want:  # lower-casing dropped repeated words: the header shrinks, the file is cut
                out.seek(0)
                out.write(_npy_header(n, dim, dtype))
                out.truncate(_HEADER + n * dim * dtype.itemsize)
        yield Progress(1.0, "writing the word list")
        np.save(tmp / "norms.npy", np.concatenate(norms) if norms else np.empty(0, np.float32))
        (tmp / "words.txt").write_text("\n".join(words), encoding="utf-8")
        meta = {"format_version": store.FORMAT_VERSION, "norms_version": store.NORMS_VERSION, "name": name, "source": source, "count": n, "dim": dim, "dtype": str(dtype),
                **extra}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
