"""Open embedding files of every supported format, with progress, cancel and a cache.

    job = load("glove.6B.50d.txt")              # a generator of Progress
    es = run_sync(job)                           # or drive it from a worker

The second open of the same file (same size, time and options) memory-maps the
converted copy in the cache folder instead of parsing the text again. A word2vec binary
file whose vectors would take more than STREAM_BYTES is converted straight into the
cache, block by block, and memory-mapped from there: it opens with bounded memory.
"""
from __future__ import annotations

import gc
import hashlib
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import store
from ..embedding_set import EmbeddingSet
from ...errors import FileFormatError, InputError
from ...paths import cache_dir
from ...progress import Job, Progress
from .binary_format import read_binary, read_header, stream_binary
from .common import FORMATS, LoadOptions, RawEmbeddings
from .numpy_format import read_numpy
from .projector_format import read_projector
from .text_format import parse_header, read_text

__all__ = ["FORMATS", "LoadOptions", "RawEmbeddings", "sniff_format", "read_raw", "load", "cache_key",
           "wait_for_cache_writes"]


def sniff_format(path: str | Path) -> str:
    """Guess the format from the extension, then from the first bytes."""
    p = Path(path)
    if not p.exists():
        raise FileFormatError(p, "no such file")
    if p.is_dir():
        raise FileFormatError(p, "this is a folder", expected="an embedding file")
    suffix = p.suffix.lower()
    if suffix in (".npy", ".npz"):
        return "numpy"
    with open(p, "rb") as f:
        head = f.read(65536)
    if not head:
        raise FileFormatError(p, "the file is empty", line=1, expected="an embedding file")
    if head.startswith(b"\x93NUMPY"):
        return "numpy"
    if head.startswith(b"PK\x03\x04"):
        return "numpy"
    first, nl, rest = head.partition(b"\n")
    if suffix == ".tsv":
        return "projector-tsv"
    if parse_header(first) is not None:
        if b"\x00" in rest[:4096] or _mostly_binary(rest[:4096]):
            return "word2vec-binary"
        return "fasttext-vec" if suffix == ".vec" else "word2vec-text"
    if suffix == ".bin":
        return "word2vec-binary"
    if suffix == ".tsv" or (b"\t" in first and b" " not in first.strip()):
        return "projector-tsv"
    return "glove"


def _mostly_binary(b: bytes) -> bool:
    if not b:
        return False
    text = sum(32 <= c < 127 or c in (9, 10, 13) for c in b)
    return text / len(b) < 0.7


def read_raw(path: str | Path, fmt: str | None = None, opts: LoadOptions | None = None) -> Job[RawEmbeddings]:
    opts = opts or LoadOptions()
    fmt = fmt or sniff_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not Path(path).exists():
        raise FileFormatError(path, "no such file")
    if fmt == "glove":
        return (yield from read_text(path, opts, header=False))
    if fmt in ("word2vec-text", "fasttext-vec"):
        return (yield from read_text(path, opts, header=True))
    if fmt == "word2vec-binary":
        return (yield from read_binary(path, opts))
    if fmt == "projector-tsv":
        return (yield from read_projector(path, opts))
    return (yield from read_numpy(path, opts))


def cache_key(path: str | Path, fmt: str, opts: LoadOptions) -> str:
    st = os.stat(path)
    ident = f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}|{fmt}|{opts.key()}"
    return hashlib.sha1(ident.encode()).hexdigest()[:16]


STREAM_BYTES = 512 << 20  # larger word2vec binary files are converted straight into the cache

_pending: dict[str, threading.Thread] = {}  # cache folder -> the thread still writing it


def wait_for_cache_writes() -> None:
    """Join the threads that write converted copies (tests, and before exit)."""
    for t in list(_pending.values()):
        t.join()


def _write_cache(raw: RawEmbeddings, norms: np.ndarray, folder: Path, name: str, source: str, fmt: str) -> None:
    try:
        store.save(raw.words, raw.vectors, folder, name=name, source=source, metadata=raw.metadata, norms=norms,
                   extra={"format": fmt})
    except OSError:
        pass  # a read-only or full cache folder must not stop the user from working
    finally:
        _pending.pop(str(folder), None)


_gc_lock = threading.Lock()
_gc_state = {"pausers": 0, "was_enabled": True}


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a file is parsed: its hundreds of thousands
    of new objects would otherwise trigger full collections that hold the GIL (and stall
    the window) without ever finding garbage. Reference counting still frees memory."""
    with _gc_lock:
        if _gc_state["pausers"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["pausers"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["pausers"] -= 1
            if _gc_state["pausers"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


def load(path: str | Path, fmt: str | None = None, opts: LoadOptions | None = None, *,
         use_cache: bool = True, name: str | None = None) -> Job[EmbeddingSet]:
    """Open a file as an EmbeddingSet; converted once into the cache, memory-mapped after.

    The converted copy is written by a background thread after the set is returned, so
    the first open costs no more than the parse.
    """
    opts = opts or LoadOptions()
    fmt = fmt or sniff_format(path)
    name = name or Path(path).name
    folder = cache_dir() / "sets" / f"{Path(path).stem[:40]}-{cache_key(path, fmt, opts)}" if use_cache else None
    if folder is not None:
        writer = _pending.get(str(folder))
        if writer is not None:
            writer.join()
        if store.read_meta(folder) is not None:
            try:
                yield Progress(1.0, "opening the cached copy")
                return store.open_set(folder)
            except FileNotFoundError:
                pass
    if folder is not None and fmt == "word2vec-binary":
        count, dim, _ = read_header(str(path))
        if min(count, opts.limit or count) * dim * 4 > STREAM_BYTES:
            with _gc_paused():
                yield from stream_binary(path, opts, folder, name=name, source=str(path),
                                         extra={"format": fmt})
            yield Progress(1.0, "opening the converted copy")
            return store.open_set(folder)
    with _gc_paused():
        raw = yield from read_raw(path, fmt, opts)
        es = EmbeddingSet(raw.words, raw.vectors, name=name, source=str(path), metadata=raw.metadata,
                          word_index=raw.index)
    if folder is not None:
        t = threading.Thread(target=_write_cache, args=(raw, es.norms, folder, name, str(path), fmt),
                             name="embedding-cache-writer")
        _pending[str(folder)] = t
        t.start()
    return es
