"""Write embedding sets as Embedding Projector TSV (+ metadata) and word2vec/GloVe text."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .embedding_set import EmbeddingSet
from ..progress import Job, Progress

CHUNK = 20000


def _atomic_writer(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    return os.fdopen(fd, "wb"), tmp


def _rows(es: EmbeddingSet, rows: Sequence[int] | None) -> np.ndarray:
    return np.arange(len(es)) if rows is None else np.asarray(rows, dtype=np.int64)


def _fmt(block: np.ndarray, sep: str) -> list[str]:
    return [sep.join(f"{x:.6g}" for x in row) for row in block.tolist()]


def write_word2vec_text(es: EmbeddingSet, path: str | Path, *, header: bool = True,
                        rows: Sequence[int] | None = None) -> Job[Path]:
    """word2vec text ("N D" header) or, with header=False, GloVe text."""
    path = Path(path)
    idx = _rows(es, rows)
    f, tmp = _atomic_writer(path)
    try:
        with f:
            if header:
                f.write(f"{len(idx)} {es.dim}\n".encode())
            for s in range(0, len(idx), CHUNK):
                sel = idx[s : s + CHUNK]
                block = np.asarray(es.vectors[sel], dtype=np.float32)
                lines = [f"{es.words[i]} {v}" for i, v in zip(sel.tolist(), _fmt(block, " "))]
                f.write(("\n".join(lines) + "\n").encode("utf-8"))
                yield Progress(min((s + CHUNK) / max(len(idx), 1), 1.0), f"wrote {min(s + CHUNK, len(idx)):,} words")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_projector_tsv(es: EmbeddingSet, vectors_path: str | Path, metadata_path: str | Path | None = None,
                        *, rows: Sequence[int] | None = None,
                        extra_columns: dict[str, Sequence[str]] | None = None) -> Job[tuple[Path, Path]]:
    """vectors.tsv (tab-separated) and metadata.tsv; with several columns the metadata has a header row."""
    vpath = Path(vectors_path)
    mpath = Path(metadata_path) if metadata_path else vpath.with_name("metadata.tsv")
    idx = _rows(es, rows)
    cols: dict[str, list[str]] = {"word": [es.words[i] for i in idx]}
    for k, v in es.metadata.items():
        if k.lower() not in ("word", "label"):
            cols[k] = [v[i] for i in idx]
    for k, v in (extra_columns or {}).items():
        cols[k] = list(v)
    f, tmp = _atomic_writer(vpath)
    try:
        with f:
            for s in range(0, len(idx), CHUNK):
                block = np.asarray(es.vectors[idx[s : s + CHUNK]], dtype=np.float32)
                f.write(("\n".join(_fmt(block, "\t")) + "\n").encode())
                yield Progress(min((s + CHUNK) / max(len(idx), 1), 1.0) * 0.9, "writing vectors")
        os.replace(tmp, vpath)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    clean = {k: [str(x).replace("\t", " ").replace("\n", " ") for x in v] for k, v in cols.items()}
    names = list(clean)
    if len(names) == 1:
        text = "\n".join(clean["word"]) + "\n"
    else:
        text = "\t".join(names) + "\n" + "\n".join("\t".join(clean[n][i] for n in names) for i in range(len(idx))) + "\n"
    f, tmp = _atomic_writer(mpath)
    with f:
        f.write(text.encode("utf-8"))
    os.replace(tmp, mpath)
    yield Progress(1.0, "done")
    return vpath, mpath
