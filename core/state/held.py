"""What the app holds in memory, per kind of object (Qt-free): the Session's sets, results and
indexes, and the process-wide caches below it (layouts, compressed copies, model sessions, digits).

    for row in held(session):
        print(row["kind"], row["bytes"], row["what"])

Bytes are what the numpy arrays reachable from each object take (each array counted once, in the
first kind that reaches it), plus a model session's file size; Python's own small objects are not
counted. The About box, ``bench_memory`` and the tests read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from .session import Session

_SCALARS = (str, bytes, int, float, bool, type(None))


def _arrays(obj: Any, seen: set[int], depth: int = 0) -> Iterator[np.ndarray]:
    """Every numpy array reachable from ``obj`` through dataclass fields, attributes, tuples, lists and
    dicts (not through other objects' internals beyond ``depth`` 6), each once."""
    if depth > 6 or isinstance(obj, _SCALARS) or id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj
        while isinstance(base.base, np.ndarray):  # a view counts its base once
            base = base.base
        if base is not obj:
            if id(base) in seen:
                return
            seen.add(id(base))
        yield base
        return
    if isinstance(obj, dict):
        children: Iterable = obj.values()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = obj
    elif dataclasses.is_dataclass(obj):
        children = (getattr(obj, f.name, None) for f in dataclasses.fields(obj))
    elif hasattr(obj, "__dict__"):
        children = vars(obj).values()
    elif hasattr(obj, "__slots__"):
        children = (getattr(obj, s, None) for s in obj.__slots__)
    else:
        return
    for child in list(children):
        yield from _arrays(child, seen, depth + 1)


def nbytes(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes held by the numpy arrays reachable from ``obj`` (memory maps count as 0: they are the file's)."""
    seen = set() if seen is None else seen
    return sum(a.nbytes for a in _arrays(obj, seen) if not isinstance(a, np.memmap))


def _row(kind: str, what: str, size: int) -> dict:
    return {"kind": kind, "what": what, "bytes": int(size)}


def held(session: Session) -> list[dict]:
    """One row per kind of object held now, largest first: ``{"kind", "what", "bytes"}``."""
    seen: set[int] = set()
    rows: list[dict] = []
    es = session.embeddings
    rows.append(_row("active set", f"{es.name} ({len(es):,} × {es.dim})" if es is not None else "none",
                     nbytes(es, seen)))
    lent = [s for _, s in session.loans if isinstance(s, EmbeddingSet)]
    rows.append(_row("sets lent (to go back to)", ", ".join(s.name for s in lent) or "none", nbytes(lent, seen)))
    rows.append(_row("search indexes", "the open set's engines", nbytes(session.neighbours.engines, seen)))
    from ..embeddings.search import compressed

    copies = compressed.held()
    rows.append(_row("compressed copies", f"{len(copies)} sets", nbytes(copies, seen)))
    from ..projections import cache as layouts

    kept = layouts.remembered()
    rows.append(_row("layouts", f"on show + {len(kept)} remembered", nbytes((session.cloud, kept), seen)))
    lang = session.language
    rows.append(_row("language model's cache", "the prompt's keys and values", nbytes(lang.trace, seen)))
    rows.append(_row("language results", "bars, lens, masked word, contextual vectors",
                     nbytes((lang.view, lang.lens.lens, lang.masked.fills, lang.contextual.result), seen)))
    rows.append(_row("passages", "semantic search's encoded corpus", nbytes(lang.search.index, seen)))
    from ..inference import mnist

    rows.append(_row("digits", "MNIST, layers, the 5,000 image embeddings",
                     nbytes((mnist.held(), session.activations), seen)))
    rows.append(_row("training runs", "word2vec runs and their epochs",
                     nbytes((session.training.run, session.training.other), seen)))
    from ..inference import session_cache

    models = session_cache.alive()
    cached = [(name, size) for name, size, in_cache in models if in_cache]
    kept = [(name, size) for name, size, in_cache in models if not in_cache]
    rows.append(_row("model sessions", ", ".join(name for name, _ in cached) or "none",
                     sum(size for _, size in cached)))
    rows.append(_row("model sessions kept by their owners", ", ".join(name for name, _ in kept) or "none",
                     sum(size for _, size in kept)))
    return sorted(rows, key=lambda r: -r["bytes"])


def summary(rows: list[dict], at_least: int = 1 << 20) -> str:
    """The rows over ``at_least`` bytes, in one line."""
    big = [f"{r['kind']} {r['bytes'] / 1e6:.0f} MB" for r in rows if r["bytes"] >= at_least]
    return ", ".join(big) or "nothing over 1 MB"
