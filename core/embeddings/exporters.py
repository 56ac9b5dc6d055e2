"""Write embedding sets as Embedding Projector TSV (+ metadata) and word2vec/GloVe text."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..io import atomic_open, compression_of
from ..progress import Job, Progress
from .embedding_set import EmbeddingSet

CHUNK = 20000


def _rows(es: EmbeddingSet, rows: Sequence[int] | None) -> np.ndarray:
    return np.arange(len(es)) if rows is None else np.asarray(rows, dtype=np.int64)


def _fmt(block: np.ndarray, sep: str) -> list[str]:
    return [sep.join(f"{x:.6g}" for x in row) for row in block.tolist()]


def write_word2vec_text(es: EmbeddingSet, path: str | Path, *, header: bool = True,
                        rows: Sequence[int] | None = None) -> Job[Path]:
    """word2vec text ("N D" header) or, with header=False, GloVe text; compressed when the name
    ends in .gz, .bz2 or .xz."""
    path = Path(path)
    idx = _rows(es, rows)
    with atomic_open(path, "wb", compress=True) as f:
        if header:
            f.write(f"{len(idx)} {es.dim}\n".encode())
        for s in range(0, len(idx), CHUNK):
            sel = idx[s : s + CHUNK]
            block = np.asarray(es.vectors[sel], dtype=np.float32)
            lines = [f"{es.words[i]} {v}" for i, v in zip(sel.tolist(), _fmt(block, " "))]
            f.write(("\n".join(lines) + "\n").encode("utf-8"))
            yield Progress(min((s + CHUNK) / max(len(idx), 1), 1.0), f"wrote {min(s + CHUNK, len(idx)):,} words")
    return path


def write_projector_tsv(es: EmbeddingSet, vectors_path: str | Path, metadata_path: str | Path | None = None,
                        *, rows: Sequence[int] | None = None,
                        extra_columns: dict[str, Sequence[str]] | None = None) -> Job[tuple[Path, Path]]:
    """vectors.tsv (tab-separated) and metadata.tsv; with several columns the metadata has a header row.
    A vectors name ending in .gz, .bz2 or .xz is written compressed, and so is its metadata.tsv."""
    vpath = Path(vectors_path)
    kind = compression_of(vpath)
    mpath = Path(metadata_path) if metadata_path else vpath.with_name("metadata.tsv" + (vpath.suffix if kind else ""))
    idx = _rows(es, rows)
    cols: dict[str, list[str]] = {"word": [es.words[i] for i in idx]}
    for k, v in es.metadata.items():
        if k.lower() not in ("word", "label"):
            cols[k] = [v[i] for i in idx]
    for k, v in (extra_columns or {}).items():
        cols[k] = list(v)
    with atomic_open(vpath, "wb", compress=True) as f:
        for s in range(0, len(idx), CHUNK):
            block = np.asarray(es.vectors[idx[s : s + CHUNK]], dtype=np.float32)
            f.write(("\n".join(_fmt(block, "\t")) + "\n").encode())
            yield Progress(min((s + CHUNK) / max(len(idx), 1), 1.0) * 0.9, "writing vectors")
    clean = {k: [str(x).replace("\t", " ").replace("\n", " ") for x in v] for k, v in cols.items()}
    names = list(clean)
    if len(names) == 1:
        text = "\n".join(clean["word"]) + "\n"
    else:
        text = (
            "\t".join(names) + "\n" + "\n".join("\t".join(clean[n][i] for n in names) for i in range(len(idx))) + "\n"
        )
    with atomic_open(mpath, "wb", compress=True) as f:
        f.write(text.encode("utf-8"))
    yield Progress(1.0, "done")
    return vpath, mpath
