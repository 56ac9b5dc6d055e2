"""Helpers the embedding tests share: loading a file without the cache, and writing word2vec binary."""
from __future__ import annotations

import numpy as np

from core.embeddings import loaders
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.loaders import LoadOptions
from core.progress import Progress, run_sync


def load(path, fmt=None, member=None, *, seen: list | None = None, **kw) -> EmbeddingSet:
    """The set in ``path`` (``kw``: LoadOptions), read without the cache; each step must be a
    Progress, and the steps are kept in ``seen`` when it is given."""
    progress = [] if seen is None else seen
    es = run_sync(loaders.load(path, fmt, LoadOptions(**kw), member=member, use_cache=False), progress.append)
    assert all(isinstance(p, Progress) for p in progress)
    return es


def write_w2v_binary(path, words, vectors, newline: bool = True) -> None:
    """A word2vec binary file: the "<count> <dim>" line, then each word, a space and its
    little-endian float32 numbers (a newline after each entry unless ``newline`` is False)."""
    vectors = np.asarray(vectors, dtype="<f4")
    with open(path, "wb") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for w, v in zip(words, vectors):
            f.write(w.encode() + b" " + v.tobytes() + (b"\n" if newline else b""))
