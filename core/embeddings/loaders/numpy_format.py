"""NumPy .npy / .npz matrices with a vocabulary file (or a string array inside the .npz).

Files are read with ``allow_pickle=False``: an object array is refused, never unpickled.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import LoadOptions, RawEmbeddings, decode_word

MATRIX_NAMES = ("vectors", "embeddings", "embedding", "weights", "matrix", "W", "E", "arr_0")
WORD_NAMES = ("words", "vocab", "vocabulary", "tokens", "labels", "index", "keys")


def guess_vocab(path: str | Path) -> str | None:
    p = Path(path)
    for cand in (p.with_suffix(".vocab"), p.with_suffix(".txt"), p.with_suffix(".tsv"),
                 p.with_name(p.stem + "_vocab.txt"), p.with_name(p.stem + ".vocab.txt"),
                 p.with_name("vocab.txt"), p.with_name("words.txt")):
        if cand.exists() and cand != p:
            return str(cand)
    return None


def read_numpy(path: str | Path, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = str(path)
    yield Progress(0.0, "opening")
    words: list[str] | None = None
    try:
        if path.lower().endswith(".npz"):
            matrix, words = _from_npz(path)
        else:
            matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileFormatError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        msg = str(e)
        if "pickle" in msg.lower() or "python objects" in msg.lower():
            msg = "it holds Python objects, which are never unpickled"
        raise FileFormatError(path, f"not a readable NumPy file: {msg}", expected="a 2-D float array") from None
    if matrix.ndim != 2:
        raise FileFormatError(path, f"the array has shape {matrix.shape}", expected="a 2-D matrix (words x dimensions)")
    if matrix.dtype.kind not in "fiu":
        raise FileFormatError(path, f"the array has dtype {matrix.dtype}", expected="numbers (float)")
    n = matrix.shape[0] if opts.limit is None else min(matrix.shape[0], opts.limit)
    if words is None:
        vocab = opts.vocab_path or guess_vocab(path)
        if vocab is None:
            raise FileFormatError(path, "no vocabulary file", expected=f"a vocabulary file with {matrix.shape[0]:,} "
                                  "words, one per line (choose it, or put it beside the matrix as <name>.vocab/.txt)")
        words = _read_vocab(vocab, matrix.shape[0], opts)
    elif len(words) != matrix.shape[0]:
        raise FileFormatError(path, f"{len(words):,} words for {matrix.shape[0]:,} matrix rows",
                              expected="one word per row")
    yield Progress(0.3, "checking values")
    vectors = np.asarray(matrix[:n], dtype=opts.dtype)
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        r = int(np.argmax(bad))
        raise FileFormatError(path, f"row {r + 1} ({words[r]!r}) holds NaN or inf", expected="finite numbers")
    words = words[:n]
    if opts.lowercase:
        keep, seen = [], set()
        for i, w in enumerate(words):
            lw = w.lower()
            if lw not in seen:
                seen.add(lw)
                keep.append(i)
        words = [words[i].lower() for i in keep]
        vectors = vectors[keep]
    else:
        first: dict[str, int] = {}
        for i, w in enumerate(words):
            if w in first:
                raise FileFormatError(opts.vocab_path or path, f"duplicate word {w!r} (first on line {first[w]})",
                                      line=i + 1, expected="each word once")
            first[w] = i + 1
    yield Progress(1.0, f"read {len(words):,} words")
    return RawEmbeddings(words, np.ascontiguousarray(vectors))


def _from_npz(path: str) -> tuple[np.ndarray, list[str] | None]:
    with np.load(path, allow_pickle=False) as z:
        names = list(z.files)
        if not names:
            raise FileFormatError(path, "the .npz archive is empty", expected="a 2-D matrix")
        arrays = {}
        for name in names:
            try:
                arrays[name] = z[name]
            except ValueError:
                raise FileFormatError(path, f"array {name!r} holds Python objects, which are never unpickled",
                                      expected="numeric and string arrays only") from None
    mats = [n for n in names if arrays[n].ndim == 2 and arrays[n].dtype.kind in "fiu"]
    if not mats:
        raise FileFormatError(path, f"no 2-D numeric array among {names}", expected="a words x dimensions matrix")
    mname = next((n for n in MATRIX_NAMES if n in mats), mats[0])
    wnames = [n for n in names if arrays[n].ndim == 1 and arrays[n].dtype.kind in "US"]
    words = None
    if wnames:
        wname = next((n for n in WORD_NAMES if n in wnames), wnames[0])
        arr = arrays[wname]
        words = [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w) for w in arr.tolist()]
    return arrays[mname], words


def _read_vocab(vocab: str, rows: int, opts: LoadOptions) -> list[str]:
    with open(vocab, "rb") as f:
        data = f.read()
    if b"\x00" in data[:4096]:
        raise FileFormatError(vocab, "binary data in the vocabulary file", line=1, expected="one word per line")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    words = []
    for i, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r")
        w = raw.split(b"\t", 1)[0].split(b" ", 1)[0] if (b"\t" in raw or raw.count(b" ") == 1) else raw
        words.append(decode_word(vocab, w, i, opts.encoding))
    if len(words) != rows:
        raise FileFormatError(vocab, f"the vocabulary has {len(words):,} words but the matrix has {rows:,} rows",
                              line=min(len(words), rows) + 1, expected="one word per matrix row")
    return words
