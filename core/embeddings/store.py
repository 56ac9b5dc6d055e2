"""The app's own storage for embedding sets: a folder with a memory-mappable
``vectors.npy``, ``norms.npy``, ``words.txt`` and ``meta.json``.

Written to a temporary folder first and renamed into place, so a crash never
leaves a half-written set that looks complete.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..io import atomic_folder, atomic_write_bytes, atomic_write_text
from .embedding_set import EmbeddingSet, row_norms

FORMAT_VERSION = 1
NORMS_VERSION = 3
WORDS_CHUNK = 20000


def save(
    es_words: list[str],
    vectors: np.ndarray,
    folder: str | Path,
    *,
    name: str,
    source: str,
    metadata: dict[str, list[str]] | None = None,
    extra: dict | None = None,
    norms: np.ndarray | None = None,
) -> Path:
    folder = Path(folder)
    with atomic_folder(folder) as tmp:
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors))
        np.save(tmp / "norms.npy", row_norms(vectors) if norms is None else np.asarray(norms, dtype=np.float32))
        with open(tmp / "words.txt", "w", encoding="utf-8") as f:  # in pieces: one join of 400k words held
            for s in range(0, len(es_words), WORDS_CHUNK):  # the GIL ~20 ms while the window painted
                f.write(("\n" if s else "") + "\n".join(es_words[s : s + WORDS_CHUNK]))
        if metadata:
            (tmp / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        meta = {
            "format_version": FORMAT_VERSION,
            "norms_version": NORMS_VERSION,
            "name": name,
            "source": source,
            "count": len(es_words),
            "dim": int(vectors.shape[1]),
            "dtype": str(vectors.dtype),
            **(extra or {}),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return folder


def read_meta(folder: str | Path) -> dict | None:
    try:
        meta = json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format_version") == FORMAT_VERSION else None


def _update_norms(folder: Path, vectors: np.ndarray, meta: dict) -> None:
    """A store written before NORMS_VERSION: its norms are computed again (best effort: a read-only
    cache keeps the old ones, which differ in the last bit at most)."""
    try:
        atomic_write_bytes(folder / "norms.npy", _npy_bytes(row_norms(vectors)))
        atomic_write_text(folder / "meta.json", json.dumps({**meta, "norms_version": NORMS_VERSION}, indent=1))
    except OSError:
        pass


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def open_set(folder: str | Path) -> EmbeddingSet:
    """Memory-map a stored set (instant: only the word list is read)."""
    folder = Path(folder)
    meta = read_meta(folder)
    if meta is None:
        raise FileNotFoundError(f"no stored embedding set in {folder}")
    vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
    if meta.get("norms_version") != NORMS_VERSION:
        _update_norms(folder, vectors, meta)
    norms = np.load(folder / "norms.npy", mmap_mode="r", allow_pickle=False)
    words = (folder / "words.txt").read_text(encoding="utf-8").split("\n")
    if len(words) != vectors.shape[0]:
        raise FileNotFoundError(f"stored set in {folder} is inconsistent; it will be rebuilt")
    metadata = {}
    mp = folder / "metadata.json"
    if mp.exists():
        metadata = json.loads(mp.read_text(encoding="utf-8"))
    notes = meta.get("notes") if isinstance(meta.get("notes"), list) else []
    return EmbeddingSet(
        words,
        vectors,
        name=meta["name"],
        source=meta.get("source", ""),
        metadata=metadata,
        norms=np.asarray(norms),
        notes=[str(n) for n in notes],
    )
