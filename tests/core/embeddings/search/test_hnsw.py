"""The HNSW index (faiss): built with progress and cancel, recall measured against exact search, stored
beside the set's cache and reused; a changed set, another set's index, a damaged or truncated file are
each rebuilt with a notice; what it cannot answer goes to exact search, and the answer says so."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import lookup, nearest
from core.embeddings.search import index_store
from core.embeddings.search.recall import exact_truth, measure, sample_rows
from core.progress import run_sync


@pytest.fixture(scope="module")
def small(glove_small) -> EmbeddingSet:
    return glove_small.subset(range(8000), name="GloVe 8k")


@pytest.fixture(scope="module")
def built(small):
    shutil.rmtree(index_store.index_folder(small), ignore_errors=True)
    seen = []
    index = run_sync(index_store.build_index(small, queries=300), seen.append)
    fractions = [p.fraction for p in seen if p.fraction >= 0]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("HNSW graph" in p.message for p in seen)
    return index


def test_built_index_reaches_the_target_recall_and_is_stored(small, built):
    assert built.recall >= 0.95
    assert built.info.recall == pytest.approx(built.recall, abs=1e-4) and built.info.recall_queries == 300
    folder = index_store.index_folder(small)
    manifest = json.loads((folder / index_store.MANIFEST).read_text())
    assert manifest["fingerprint"] == index_store.set_fingerprint(small) and manifest["count"] == 8000
    # measured again, the same way, on other words
    truth = run_sync(exact_truth(small, sample_rows(len(small), 200, seed=5)))
    assert run_sync(measure(built, truth)).recall >= 0.9


def test_the_stored_index_is_reused(small, built):
    opened = run_sync(index_store.open_index(small))
    assert opened.notice == "" and opened.index is not None
    assert opened.index.ef == built.ef and opened.index.recall == built.recall
    a = lookup(small, "king", 10, backend=opened.index)
    assert a.answer.backend == "hnsw" and a.answer.recall == built.recall and "ef" in a.answer.label
    exact = [n.word for n in nearest(small, "king", 10)]
    assert len(set(n.word for n in a.neighbours) & set(exact)) >= 8
    # the proposed rows are scored exactly: a word found by both has the same score
    ex = {n.word: n.score for n in nearest(small, "king", 10)}
    for n in a.neighbours:
        if n.word in ex:
            assert n.score == ex[n.word]


def test_what_hnsw_cannot_answer_goes_to_exact_search(small, built):
    a = lookup(small, "king", 5, "dot", backend=built)
    assert a.answer.backend == "exact" and "cosine similarity only" in a.answer.note
    assert [n.word for n in a.neighbours] == [n.word for n in nearest(small, "king", 5, metric="dot")]
    b = lookup(small, "king", 5, "cos", restrict=1000, backend=built)
    assert b.answer.backend == "exact" and "restricted" in b.answer.note
    assert [n.word for n in b.neighbours] == [n.word for n in nearest(small, "king", 5, restrict=1000)]
    c = lookup(small, "king", 5, "cos", restrict=7000, backend=built)  # most rows pass: the graph filters
    assert c.answer.backend == "hnsw" and all(n.index < 7000 for n in c.neighbours)


def _copy_of(small: EmbeddingSet, **changes) -> EmbeddingSet:
    vectors = np.array(small.vectors, dtype=np.float32)
    if "row" in changes:
        vectors[changes["row"]] *= 1.5
    return EmbeddingSet(list(small.words), vectors, name=small.name, source=small.source)


def test_a_changed_set_rebuilds_with_a_notice(small, built):
    changed = _copy_of(small, row=42)
    assert index_store.index_folder(changed) == index_store.index_folder(small)
    opened = run_sync(index_store.open_index(changed))
    assert opened.index is None and opened.needs_rebuild and "another set" in opened.notice


@pytest.mark.parametrize("damage, words", [
    ("truncate", "truncated"),
    ("flip", "checksum"),
    ("manifest", "manifest"),
    ("foreign", "another set"),
])
def test_damaged_or_foreign_index_files_are_rebuilt_with_a_notice(small, built, tmp_path, damage, words):
    folder = index_store.index_folder(small)
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    try:
        path = folder / index_store.FILE
        if damage == "truncate":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        elif damage == "flip":
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))
        elif damage == "manifest":
            (folder / index_store.MANIFEST).write_text("{not json")
        else:  # another set's index and manifest copied into this set's folder
            other = small.subset(range(3000), name=small.name)
            run_sync(index_store.build_index(other, queries=50))
        opened = run_sync(index_store.open_index(small))
        assert opened.index is None and opened.needs_rebuild and words in opened.notice
        assert str(folder) in opened.notice
        rebuilt = run_sync(index_store.build_index(small, queries=100))
        assert run_sync(index_store.open_index(small)).index is not None and rebuilt.recall > 0.9
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(saved, folder)


def test_a_cancelled_build_leaves_the_stored_index_alone(small, built):
    folder = index_store.index_folder(small)
    before = (folder / index_store.MANIFEST).read_text()
    job = index_store.build_index(small, queries=100)
    for p in job:
        if "HNSW graph" in p.message and p.fraction > 0.2:
            break
    job.close()
    assert (folder / index_store.MANIFEST).read_text() == before
    assert not [p for p in folder.parent.iterdir() if p.name.endswith(".partial")]
    assert run_sync(index_store.open_index(small)).index is not None


def test_a_set_without_an_index_has_no_notice(glove_small):
    other = glove_small.subset(range(500), name="never indexed")
    opened = run_sync(index_store.open_index(other))
    assert opened.index is None and opened.notice == "" and not opened.needs_rebuild


def test_the_analogy_benchmark_through_the_index(small, built):
    from core.embeddings.evaluation import evaluate_analogies

    exact = run_sync(evaluate_analogies(small, restrict=len(small)))
    fast = run_sync(evaluate_analogies(small, restrict=len(small), backend=built))
    assert exact.answered_by == "exact" and fast.answered_by == built.label
    assert fast.total == exact.total > 1000
    assert abs(fast.correct - exact.correct) <= 0.02 * exact.total
    assert run_sync(evaluate_analogies(small, restrict=3000, backend=built)).answered_by == "exact"
