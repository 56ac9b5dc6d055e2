"""word2vec binary: an ASCII "N D" header line, then per word: the word's bytes,
a space, D little-endian float32 values, and (usually) a newline.

Read as a stream in 1 MB blocks (the same for a .bin.gz). The header's N x D is checked
against the bytes the file can hold before anything is allocated; when the content's
size is not known ahead (gzip, bzip2, xz) the matrix grows as entries really arrive.
"""
from __future__ import annotations

import numpy as np

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import Duplicates, LoadOptions, RawEmbeddings, decode_word, located
from .source import Source
from .text_format import MAX_DIM, parse_header

MAX_WORD = 1000
BLOCK = 1 << 20
FIRST_GUESS = 64 << 20  # bytes of matrix allocated up front when the content's size is unknown


class _Reader:
    """A window on the stream: ``need(n)`` makes n bytes available at ``pos`` (fewer at the end)."""

    def __init__(self, f, base: int) -> None:
        self.f, self.buf, self.pos, self.base, self.eof = f, b"", 0, base, False

    def need(self, n: int) -> int:
        have = len(self.buf) - self.pos
        if have >= n or self.eof:
            return have
        parts = [self.buf[self.pos:]]
        self.base += self.pos
        while have < n:
            block = self.f.read(max(BLOCK, min(n - have, 16 * BLOCK)))
            if not block:
                self.eof = True
                break
            parts.append(block)
            have += len(block)
        self.buf, self.pos = b"".join(parts), 0
        return have

    def skip_separators(self) -> None:
        while True:
            if self.need(1) == 0:
                return
            buf, pos, n = self.buf, self.pos, len(self.buf)
            while pos < n and buf[pos] in (0x0A, 0x0D, 0x20):
                pos += 1
            self.pos = pos
            if pos < n:
                return

    @property
    def offset(self) -> int:  # byte offset in the content
        return self.base + self.pos


def read_binary(src: Source, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = src.display
    with src.open(read_ahead=True) as f:
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
        want = count if opts.limit is None else min(count, opts.limit)
        vec_bytes = 4 * dim
        body = None if src.content_size is None else src.content_size - len(head)
        if body is not None and want * (vec_bytes + 2) > body:
            raise FileFormatError(path, f"the header declares {count:,} words of {dim:,} dimensions (at least "
                                  f"{want * (vec_bytes + 2):,} bytes) but the file holds {body:,} bytes after it",
                                  line=1, expected="a header that matches the file (is it cut short?)")
        # unknown size: up to 3x the compressed bytes (float32 barely compresses), then grow with the data
        cap = want if body is not None else min(want, max(FIRST_GUESS, 3 * src.size) // (vec_bytes + 2))
        out = _matrix(path, cap, dim)
        words: list[str] = []
        seen: dict[str, int] = {}  # word -> entry number
        dups = Duplicates()
        r = _Reader(f, len(head))
        row = entry = 0
        step = max(min(want // 100, 50000), 1000)
        while row < want and entry < count:
            try:
                r.skip_separators()
                have = r.need(MAX_WORD + 1 + vec_bytes)
            except FileFormatError as e:
                raise located(e, entry + 2) from None
            if have == 0:
                raise FileFormatError(path, f"the header declares {count:,} words but the file ends after {entry:,}",
                                      line=entry + 2, expected=f"{count:,} entries (entry {entry + 1} at byte "
                                                           f"{r.offset})")
            buf, pos = r.buf, r.pos
            sp = buf.find(b" ", pos, pos + MAX_WORD + 1)
            if sp < 0:
                raise FileFormatError(path, f"entry {entry + 1} at byte {r.offset}: no space after the word",
                                      line=entry + 2, expected=f"a word of at most {MAX_WORD} bytes, then a space")
            word = decode_word(path, buf[pos:sp], entry + 2, opts.encoding)
            end = sp + 1 + vec_bytes
            if end > len(buf):
                raise FileFormatError(path, f"the file ends inside the vector of {word!r} (entry {entry + 1})",
                                      line=entry + 2, expected=f"{vec_bytes} bytes of float32 values")
            vec = np.frombuffer(buf, dtype="<f4", count=dim, offset=sp + 1)
            r.pos = end
            entry += 1
            if opts.lowercase:
                word = word.lower()
                if word in seen:
                    continue
            elif word in seen:
                dups.skip(word, f"entry {seen[word]}", f"entry {entry}")
                continue
            if not np.isfinite(vec).all():
                col = int(np.argmin(np.isfinite(vec))) + 1
                raise FileFormatError(path, f"the vector of {word!r} (entry {entry}) holds {vec[col - 1]} as number "
                                      f"{col}", line=entry + 1, column=col, expected="finite numbers (no NaN or inf)")
            seen[word] = entry
            if row == len(out):  # only when the content's size was not known: grow as entries arrive
                out = _grow(path, out, want, max(FIRST_GUESS // vec_bytes, 1))
            out[row] = vec
            words.append(word)
            row += 1
            if row % step == 0:
                yield Progress(f.fraction(), f"read {row:,} words")
        r.skip_separators()
        if opts.limit is None and not opts.lowercase and r.need(1) > 0:
            raise FileFormatError(path, f"more data after the {count:,} declared entries", line=count + 2,
                                  expected="the file to end after the declared words")
    with np.errstate(over="ignore"):
        vectors = out[:row].astype(opts.dtype, copy=False)
    if not np.isfinite(vectors).all():
        r, c = (int(x) for x in np.argwhere(~np.isfinite(vectors))[0])
        raise FileFormatError(path, f"number {c + 1} of {words[r]!r} (entry {seen[words[r]]}) is {out[r, c]:g}, too "
                              f"large for {opts.dtype}", line=seen[words[r]] + 1,
                              expected="numbers within float16's range (+-65504): open it as float32")
    return RawEmbeddings(words, vectors, notes=dups.notes())


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
