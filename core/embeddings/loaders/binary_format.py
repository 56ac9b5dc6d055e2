"""word2vec binary: an ASCII "N D" header line, then per word: the word's bytes,
a space, D little-endian float32 values, and (usually) a newline."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import LoadOptions, RawEmbeddings, decode_word
from .text_format import parse_header

MAX_WORD = 1000


def read_binary(path: str | Path, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = str(path)
    size = os.path.getsize(path)
    if size == 0:
        raise FileFormatError(path, "the file is empty", line=1, expected="a '<count> <dim>' header")
    with open(path, "rb") as f:
        head = f.readline(200)
        h = parse_header(head)
        if h is None:
            raise FileFormatError(path, "bad word2vec binary header", line=1, expected="'<word count> <dimension>'",
                                  found=head[:60].decode("latin-1"))
        count, dim = h
        if dim <= 0:
            raise FileFormatError(path, "dimension in header is 0", line=1, expected="a positive dimension")
        want = count if opts.limit is None else min(count, opts.limit)
        vec_bytes = 4 * dim
        out = np.empty((want, dim), dtype=np.float32)
        words: list[str] = []
        seen: dict[str, int] = {}
        data = f.read()
    base = len(head)
    pos = 0
    n = len(data)
    row = 0
    entry = 0
    step = max(want // 100, 1000)
    while row < want:
        while pos < n and data[pos] in (0x0A, 0x0D, 0x20):
            pos += 1
        if pos >= n:
            raise FileFormatError(path, f"the header declares {count:,} words but the file ends after {entry:,}",
                                  line=entry + 2, expected=f"{count:,} entries (entry {entry + 1} at byte {base + pos})")
        sp = data.find(b" ", pos, pos + MAX_WORD + 1)
        if sp < 0:
            raise FileFormatError(path, f"entry {entry + 1} at byte {base + pos}: no space after the word",
                                  line=entry + 2, expected=f"a word of at most {MAX_WORD} bytes, then a space")
        word = decode_word(path, data[pos:sp], entry + 2, opts.encoding)
        end = sp + 1 + vec_bytes
        if end > n:
            raise FileFormatError(path, f"the file ends inside the vector of {word!r} (entry {entry + 1})",
                                  line=entry + 2, expected=f"{vec_bytes} bytes of float32 values")
        vec = np.frombuffer(data, dtype="<f4", count=dim, offset=sp + 1)
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
            raise FileFormatError(path, f"the vector of {word!r} (entry {entry}) holds NaN or inf", line=entry + 1,
                                  expected="finite numbers")
        seen[word] = entry + 1
        out[row] = vec
        words.append(word)
        row += 1
        if row % step == 0:
            yield Progress(pos / max(n, 1), f"read {row:,} words")
    while pos < n and data[pos] in (0x0A, 0x0D, 0x20):
        pos += 1
    if opts.limit is None and not opts.lowercase and pos < n:
        raise FileFormatError(path, f"more data after the {count:,} declared entries", line=count + 2,
                              expected="the file to end after the declared words")
    return RawEmbeddings(words, out[:row].astype(opts.dtype, copy=False))
