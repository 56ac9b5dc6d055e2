"""Cache of finished projections: an in-memory LRU plus .npz files in cache_dir()/projections.

The key is (embedding-set fingerprint, point-set hash, method, resolved parameters).
The fingerprint (EmbeddingSet.fingerprint) hashes what the set holds: its size, every word,
every norm and a sample of rows, so a re-opened memmap of the same set hits the disk cache.
The fitted UMAP model lives only in memory: a layout read from disk places new
words by its neighbours (see placement).
"""
from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..io import atomic_open
from ..paths import cache_dir
from .layout import Layout

MEMORY_ENTRIES = 8
_lock = threading.Lock()
_memory: OrderedDict[str, Any] = OrderedDict()


def fingerprint(es: EmbeddingSet) -> str:
    """The set's :meth:`~core.embeddings.embedding_set.EmbeddingSet.fingerprint` (computed once per set)."""
    return es.fingerprint()


def key(es: EmbeddingSet, rows: np.ndarray, method: str, params: tuple) -> str:
    h = hashlib.sha1()
    h.update(fingerprint(es).encode())
    h.update(np.ascontiguousarray(rows, dtype=np.int64).tobytes())
    h.update(method.encode())
    h.update(repr(params).encode())
    return h.hexdigest()


def folder() -> Path:
    return cache_dir() / "projections"


def lookup(es: EmbeddingSet, rows: np.ndarray, method: str, params: tuple):
    k = key(es, rows, method, params)
    with _lock:
        if k in _memory:
            _memory.move_to_end(k)
            return _memory[k]
    layout = _read(folder() / f"{k}.npz", method, params)
    if layout is not None:
        _remember(k, layout)
    return layout


def store(es: EmbeddingSet, rows: np.ndarray, method: str, params: tuple, layout) -> None:
    k = key(es, rows, method, params)
    _remember(k, layout)
    try:
        write_layout(folder() / f"{k}.npz", layout)
    except OSError:  # a read-only or full cache folder only costs a recomputation
        pass


def remember(es: EmbeddingSet, rows: np.ndarray, method: str, params: tuple, layout) -> None:
    """Keep a layout in memory only (one read from elsewhere, such as a set's first map)."""
    _remember(key(es, rows, method, params), layout)


def remembered() -> list:
    """The layouts kept in memory (at most MEMORY_ENTRIES, the least recently used dropped first)."""
    with _lock:
        return list(_memory.values())


def clear_memory() -> None:
    with _lock:
        _memory.clear()


def _remember(k: str, layout) -> None:
    with _lock:
        _memory[k] = layout
        _memory.move_to_end(k)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def _jsonable(info: dict) -> dict:
    out = {}
    for k, v in info.items():
        try:
            json.dumps(v)
            out[k] = v
        except TypeError:
            continue
    return out


def write_layout(path: Path, layout, meta: dict | None = None, **arrays: np.ndarray) -> None:
    """The layout as an .npz (written atomically), with more `meta` (JSON) and `arrays` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays.update({"rows": layout.rows, "coords": layout.coords})
    if layout.linear is not None:
        arrays["mean"], arrays["matrix"] = layout.linear
    meta = {**(meta or {}), "axis_labels": list(layout.axis_labels), "info": _jsonable(layout.info)}
    with atomic_open(path, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta)), **arrays)


def layout_from(z, method: str, params: tuple) -> tuple[Layout, dict]:
    """The layout in an opened .npz of :func:`write_layout`, and its meta (KeyError, ValueError if damaged)."""
    meta = json.loads(str(z["meta"]))
    linear = (z["mean"], z["matrix"]) if "mean" in z else None
    layout = Layout(method, params, z["rows"].astype(np.int64), z["coords"].astype(np.float32),
                    tuple(meta["axis_labels"]), dict(meta["info"]), linear=linear)
    return layout, meta


def _read(path: Path, method: str, params: tuple):
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:  # f: closed even if not a zip
            layout = layout_from(z, method, params)[0]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # damaged: computed again
        return None
    layout.info["cached"] = True
    return layout
