"""Open embedding files of every supported format, with progress, cancel and a cache.

    job = load("glove.6B.50d.txt")              # a generator of Progress
    es = run_sync(job)                           # or drive it from a worker
    load("glove.6B.zip", member="glove.6B.50d.txt")   # .gz, .bz2, .xz and .zip open the same way

The second open of the same file (same size, time and options) memory-maps the
converted copy in the cache folder instead of parsing the text again. A word2vec binary
file whose vectors would take more than STREAM_BYTES is converted straight into the
cache, block by block, and memory-mapped from there: it opens with bounded memory.
"""
from __future__ import annotations

import gc
import shutil
import sys
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import numpy as np

from ...io import file_key
from ...paths import cache_dir
from ...progress import Job, Progress
from .. import store
from ..embedding_set import EmbeddingSet
from . import sprites
from .binary_format import read_header, stream_binary
from .common import LoadOptions, RawEmbeddings
from .formats import FILE_FORMATS, FORMATS, FileFormat, file_format, open_filter, save, sniffed
from .source import ArchiveMemberError, Source, archive_members, describe

__all__ = ["FILE_FORMATS", "FORMATS", "ArchiveMemberError", "FileFormat", "LoadOptions", "RawEmbeddings", "Source",
           "archive_members", "cache_key", "cache_write", "describe", "file_format", "load", "open_filter", "read_raw",
           "save", "sniff_format", "wait_for_cache_writes"]


def sniff_format(path: str | Path | Source, member: str | None = None) -> str:
    """Guess the format from the content's name, then from its first bytes (decompressed)."""
    return sniffed(path if isinstance(path, Source) else describe(path, member)).name


def read_raw(path: str | Path | Source, fmt: str | None = None, opts: LoadOptions | None = None,
             member: str | None = None) -> Job[RawEmbeddings]:
    opts = opts or LoadOptions()
    entry = file_format(fmt) if fmt is not None else None
    src = path if isinstance(path, Source) else describe(path, member)
    return (yield from (entry or sniffed(src)).read(src, opts))


def cache_key(path: str | Path | Source, fmt: str, opts: LoadOptions, member: str | None = None) -> str:
    """Which version of the file (and member) read with which format and options: the converted copy's key."""
    src = path if isinstance(path, Source) else describe(path, member)
    return file_key(src.path, src.member, fmt, opts.key())


STREAM_BYTES = 512 << 20  # larger word2vec binary files are converted straight into the cache

_pending: dict[str, threading.Thread] = {}  # cache folder -> the thread still writing it
_writes: weakref.WeakKeyDictionary[EmbeddingSet, tuple[threading.Thread, dict]] = weakref.WeakKeyDictionary()


def wait_for_cache_writes() -> None:
    """Join the threads that write converted copies (tests, and before exit)."""
    for t in list(_pending.values()):
        t.join()


def cache_write(es: EmbeddingSet) -> Job[str | None]:
    """Wait (cancellably) until the converted copy of a set just loaded is on disk. Returns None
    when it is (or none was being written), else why it could not be kept: a full or read-only
    disk costs the next open a parse, nothing more."""
    thread, outcome = _writes.get(es, (None, {}))
    while thread is not None and thread.is_alive():
        yield Progress(-1.0, "keeping a converted copy for the next open")
        thread.join(0.1)
    return outcome.get("error")


def _write_cache(raw: RawEmbeddings, norms: np.ndarray, folder: Path, name: str, source: str, fmt: str,
                 outcome: dict) -> None:
    try:
        store.save(raw.words, raw.vectors, folder, name=name, source=source, metadata=raw.metadata, norms=norms,
                   extra={"format": fmt, "notes": raw.notes})
    except OSError as exc:  # a read-only or full cache folder must not stop the user from working
        why = exc.strerror or f"a write stopped short: {exc}; is the disk full?"
        outcome["error"] = f"the converted copy could not be kept ({why}); the next open reads the file again"
    finally:
        _pending.pop(str(folder), None)


def _room_for(folder: Path, raw: RawEmbeddings) -> str | None:
    """Why the cache cannot take this set (too little free space), checked before writing."""
    need = raw.vectors.nbytes + 4 * len(raw.words) + sum(map(len, raw.words[:1000])) * max(len(raw.words) // 1000, 1)
    probe = folder.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return None
    if free < need + (64 << 20):
        return f"the cache folder has {free / 1e6:,.0f} MB free, too little to keep a converted copy " \
               f"({need / 1e6:,.0f} MB); the next open reads the file again"
    return None


def _streams(src: Source, fmt: str, opts: LoadOptions, folder: Path | None) -> bool:
    """Whether a word2vec binary file is converted straight into the cache (a plain file whose
    float32 vectors would take more than STREAM_BYTES, with room for them in the cache folder)."""
    if folder is None or fmt != "word2vec-binary" or not src.plain or np.dtype(opts.dtype) != np.float32 \
            or sys.byteorder != "little":
        return False
    count, dim = read_header(src)
    need = min(count, opts.limit or count) * dim * 4
    if need <= STREAM_BYTES or src.content_size is None or need > src.content_size:
        return False  # small, or a header the file cannot hold: the reader says so precisely
    probe = folder.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free > need + (256 << 20)
    except OSError:
        return False


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
                # what every thread allocated meanwhile is collected now, on this worker, before the set
                # is handed over; left to the next allocation it fell in the window's busiest frame
                gc.collect(1)


def load(path: str | Path, fmt: str | None = None, opts: LoadOptions | None = None, *,
         member: str | None = None, use_cache: bool = True, name: str | None = None) -> Job[EmbeddingSet]:
    """Open a file as an EmbeddingSet (see :func:`_load`); a Projector TSV with a sprite sheet (given, or
    beside it) gets its pictures (``es.images``)."""
    opts = opts or LoadOptions()
    es = yield from _load(path, fmt, opts, member=member, use_cache=use_cache, name=name)
    guess = member is None and fmt in (None, "projector-tsv") and Path(path).suffix == ".tsv"  # a plain TSV
    sheet = sprites.sprite_of(str(path), opts.sprite_path, opts.sprite_dim) if opts.sprite_path or guess else None
    if sheet is not None:
        yield Progress(1.0, "reading the sprite sheet")
        es.set_images(sprites.read_sprite(sheet.path, len(es), sheet.dim, limited=opts.limit is not None))
    return es


def _load(path: str | Path, fmt: str | None, opts: LoadOptions, *,
          member: str | None, use_cache: bool, name: str | None) -> Job[EmbeddingSet]:
    """Open a file (plain, compressed, or ``member`` of a .zip) as an EmbeddingSet; converted once
    into the cache, memory-mapped after.

    The converted copy is written by a background thread after the set is returned, so
    the first open costs no more than the parse.
    """
    opts = opts or LoadOptions()
    if fmt is not None:
        file_format(fmt)  # an unknown name is refused before the file is looked at
    src = describe(path, member)
    fmt = fmt or sniff_format(src)
    name = name or (Path(src.path).name if src.member is None else PurePosixPath(src.member).name)
    stem = PurePosixPath(src.inner_name).stem[:40]
    folder = cache_dir() / "sets" / f"{stem}-{cache_key(src, fmt, opts)}" if use_cache else None
    if folder is not None:
        writer = _pending.get(str(folder))
        if writer is not None:
            writer.join()
        if store.read_meta(folder) is not None:
            try:
                yield Progress(1.0, "opening the cached copy")
                return store.open_set(folder)
            except (OSError, ValueError):  # damaged by something else than us: parse the file again
                pass
    if _streams(src, fmt, opts, folder):
        with _gc_paused():
            yield from stream_binary(src, opts, folder, name=name, source=src.display, extra={"format": fmt})
        yield Progress(1.0, "opening the converted copy")
        es = store.open_set(folder)
        es.notes = list((store.read_meta(folder) or {}).get("notes", []))
        return es
    with _gc_paused():
        raw = yield from read_raw(src, fmt, opts)
        es = EmbeddingSet(raw.words, raw.vectors, name=name, source=src.display, metadata=raw.metadata,
                          word_index=raw.index, notes=list(raw.notes))
    if folder is not None:
        outcome: dict = {}
        why = _room_for(folder, raw)
        if why is not None:
            outcome["error"] = why
            t = threading.Thread(target=lambda: None)
        else:
            t = threading.Thread(target=_write_cache, args=(raw, es.norms, folder, name, src.display, fmt, outcome),
                                 name="embedding-cache-writer")
            _pending[str(folder)] = t
        _writes[es] = (t, outcome)
        t.start()
    return es
