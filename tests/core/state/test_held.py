"""What the Session says it holds (core.state.held): real sets, layouts and model sessions."""

from __future__ import annotations

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.inference import registry, runtime
from core.projections import cache as layouts
from core.state.held import held, nbytes, summary
from core.state.session import Session


def _row(rows: list[dict], kind: str) -> dict:
    return next(r for r in rows if r["kind"] == kind)


def test_an_array_and_its_views_count_once_and_a_memory_map_counts_nothing(tmp_path):
    a = np.ones((1000, 50), dtype=np.float32)
    assert nbytes((a, a[:10], a.T, {"again": a})) == a.nbytes
    m = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", dtype=np.float32, shape=(1000, 50))
    assert nbytes(m) == 0


def test_the_active_set_and_the_lent_one_are_counted_apart(glove_small):
    session = Session()
    mine = EmbeddingSet(list(glove_small.words[:1000]), np.array(glove_small.vectors[:1000]), name="mine")
    session.set_embeddings(mine)
    rows = held(session)
    assert _row(rows, "active set")["bytes"] >= mine.vectors.nbytes
    other = mine.subset(range(100), name="other")
    session.borrow("test", other)
    rows = held(session)
    assert "mine" in _row(rows, "sets lent (to go back to)")["what"]
    assert _row(rows, "sets lent (to go back to)")["bytes"] >= mine.vectors.nbytes
    assert _row(rows, "active set")["bytes"] < mine.vectors.nbytes
    session.give_back("test")
    assert _row(held(session), "sets lent (to go back to)")["bytes"] == 0


def test_remembered_layouts_and_open_model_sessions_are_listed(glove_small):
    from core.progress import run_sync
    from core.projections.linear import pca

    session = Session()
    es = glove_small.subset(range(2000), name="2k")
    session.set_embeddings(es)
    layouts.clear_memory()
    rows = np.arange(2000)
    layout = run_sync(pca(es, rows))
    layouts.remember(es, rows, "pca", (), layout)
    assert _row(held(session), "layouts")["bytes"] >= 2000 * 3 * 4
    runtime.clear_cache()
    assert _row(held(session), "model sessions")["bytes"] == 0
    registry.open(registry.DIGITS)  # the tests' set-up builds every model
    listed = _row(held(session), "model sessions")
    assert listed["bytes"] > 0 and "mnist" in listed["what"]
    assert "model sessions" in summary(held(session), at_least=1)
