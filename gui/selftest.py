"""``--selftest``: what a scripted start checks once the window has settled (the installed app's test
runs it): the panels were built, a neighbour query was answered, and every model shipped with the app
(or built into the data folder) opens and answers: one next-token step, one sentence, one digit.

Each check prints one ``selftest ok: ...`` line or returns a problem that names what failed."""
from __future__ import annotations

import os
import time

import numpy as np

from core.errors import ExplorerError
from core.inference import registry

MIN_DOCKS = 4


def problems(window, started: float | None = None) -> list[str]:
    out = _window_problems(window, started)
    checks = [("language model", _next_token), ("sentence encoder", _sentence), ("digit CNN", _digit),
              ("HNSW index", lambda: _hnsw(window.session.embeddings))]
    if os.environ.get("EMBEDDING_EXPLORER_SELFTEST_UMAP") == "1":  # slow: numba compiles UMAP in the child
        checks.append(("UMAP", lambda: _umap(window.session.embeddings)))
    for name, check in checks:
        try:
            print(f"selftest ok: {name}: {check()}", flush=True)
        except ExplorerError as exc:  # a model missing or damaged: named, the rest still checked
            out.append(f"{name}: {exc.one_line()}")
    return out


def _window_problems(window, started: float | None) -> list[str]:
    s = window.session
    out = []
    if len(window.docks) < MIN_DOCKS:
        out.append(f"only {len(window.docks)} docks were built")
    found = s.neighbours.lookup
    if found is None or not found.neighbours:
        out.append(f"no neighbours for {s.neighbours.query!r}: {found.note if found else 'no lookup'}")
    else:
        es = s.embeddings
        after = f"; ready after {time.perf_counter() - started:.2f} s" if started is not None else ""
        print(f"selftest ok: {es.name} ({len(es):,} words); {s.neighbours.query} -> "
              + ", ".join(f"{n.word} {n.score:.3f}" for n in found.neighbours[:5]) + after, flush=True)
    return out


def _next_token() -> str:
    from core.inference.generation import start

    lm = registry.open(registry.LANGUAGE_MODEL)
    gen = start(lm, "Once upon a", temperature=0)
    top = gen.last.top[0]
    step = gen.step(top.id).top[0]
    return f"'Once upon a' -> {top.text!r} then {step.text!r} ({gen.last.precision}, {lm.provider})"


def _sentence() -> str:
    enc = registry.open(registry.ENCODER)
    v = enc.embed(["A cat sat on the mat.", "A dog lay on the rug.", "Stocks fell sharply."])
    return f"cosine(cat, dog) {float(v[0] @ v[1]):.2f} > cosine(cat, stocks) {float(v[0] @ v[2]):.2f}"


def _digit() -> str:
    clf = registry.open(registry.DIGITS)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0  # a vertical stroke: a 1
    res = clf.classify(image)
    return f"a drawn stroke reads as {res.digit} ({res.probs[res.digit]:.2f})"


def _hnsw(es) -> str:
    """faiss's HNSW graph over 5,000 words answers king's neighbours as exact search does."""
    from core.embeddings.neighbours import nearest
    from core.embeddings.search import hnsw
    from core.progress import run_sync

    small = es.subset(range(5000), name="5k")
    index = hnsw.HnswIndex(run_sync(hnsw.build(small)), count=len(small), ef=64)
    q = np.asarray(small.vectors[small.index["king"]], dtype=np.float32)
    found = [small.words[r] for r in index.search(q, 6).rows[0] if small.words[r] != "king"][:5]
    exact = [n.word for n in nearest(small, "king", 5)]
    if set(found) != set(exact):
        raise RuntimeError(f"HNSW found {found}, exact search {exact}")
    return f"king -> {', '.join(found)} (as exact search)"


def _umap(es) -> str:
    """A small UMAP fit through the worker process (in the installed app: the executable itself)."""
    from core.progress import run_sync
    from core.projections.project import project

    t0 = time.perf_counter()
    layout = run_sync(project(es, np.arange(300), "umap", {"n_neighbors": 10}, cache=False))
    ok = layout.coords.shape == (300, 3) and bool(np.isfinite(layout.coords).all())
    if not ok:
        raise RuntimeError(f"UMAP returned {layout.coords.shape}")
    return f"300 words in 3D in {time.perf_counter() - t0:.1f} s"
