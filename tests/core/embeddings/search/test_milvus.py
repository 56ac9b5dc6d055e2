"""Milvus for real: an embedded Milvus Lite database in a temporary folder (no mocks). Export (batched,
resumable without duplicates), attach as a backend of the set it holds, open a collection by itself,
recall against exact; and the problems: a URI that does not answer, a collection without the named
vector field, a dimension mismatch, a collection holding another set."""
from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import lookup, nearest
from core.embeddings.search import index_store, milvus_backend, milvus_connect, milvus_export
from core.embeddings.search.milvus_connect import MilvusError, MilvusTarget
from core.progress import run_sync

N = 3000


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory):
    """The export records (and the default database) go to a temporary data folder, never the user's."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBEDDING_EXPLORER_DATA", str(folder))
        yield folder


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    """A Milvus Lite database of its own, released (files unlocked) after the module."""
    target = MilvusTarget(str(tmp_path_factory.mktemp("milvus") / "test.db"))
    yield target
    milvus_connect.release(target)


@pytest.fixture(scope="module")
def small(glove_small) -> EmbeddingSet:
    return glove_small.subset(range(N), name="GloVe 3k")


@pytest.fixture(scope="module")
def exported(lite, small):
    fp = index_store.set_fingerprint(small)
    job = milvus_export.export(small, lite, "glove_3k", fingerprint=fp, batch=500, queries=200)
    for p in job:  # interrupted after two batches, as a cancel or a lost connection would
        if p.message.startswith("wrote 1,000"):
            break
    job.close()
    client = run_sync(milvus_connect.connect(lite))
    assert milvus_backend.count(client, "glove_3k") == 1000
    result = run_sync(milvus_export.export(small, lite, "glove_3k", fingerprint=fp, batch=500, queries=200))
    return result


def keys_of(target: MilvusTarget, collection: str) -> list[int]:
    client = run_sync(milvus_connect.connect(target))
    it = client.query_iterator(collection, batch_size=1000, output_fields=["id"])
    keys = []
    while batch := it.next():
        keys += [r["id"] for r in batch]
    it.close()
    return keys


def test_an_interrupted_export_resumes_without_duplicates(lite, exported):
    assert exported.count == N and exported.inserted == N - 1000  # only the missing rows were sent
    keys = keys_of(lite, "glove_3k")
    assert len(keys) == N and sorted(keys) == list(range(N))


def test_export_again_sends_nothing(lite, small, exported):
    again = run_sync(milvus_export.export(small, lite, "glove_3k", fingerprint=index_store.set_fingerprint(small),
                                          measure=False))
    assert again.inserted == 0 and len(keys_of(lite, "glove_3k")) == N


def test_the_export_is_recorded_with_its_recall(lite, small, exported):
    assert exported.recall is not None and exported.recall >= 0.95
    assert exported.queries_per_second > 0
    found = milvus_connect.exports_of(index_store.set_fingerprint(small))
    assert [(d["uri"], d["collection"], d["count"], d["recall"]) for d in found] == \
        [(lite.resolved, "glove_3k", N, exported.recall)]


def test_attached_collection_answers_like_exact_search(lite, small, exported):
    backend = run_sync(milvus_backend.attach(small, lite, "glove_3k", index_store.set_fingerprint(small)))
    assert backend.recall == exported.recall and not backend.remote
    for w in ("king", "water", "paris", "computer"):
        lk = lookup(small, w, 10, backend=backend)
        assert lk.answer.backend == "milvus" and "glove_3k" in lk.answer.label
        assert [n.word for n in lk.neighbours] == [n.word for n in nearest(small, w, 10)]
        assert [n.score for n in lk.neighbours] == [n.score for n in nearest(small, w, 10)]  # scored exactly here
    dot = lookup(small, "king", 5, "dot", backend=backend)
    assert dot.answer.backend == "exact" and "cosine similarity only" in dot.answer.note
    r = lookup(small, "king", 5, restrict=500, backend=backend)  # keys are rows: Milvus filters them
    assert r.answer.backend == "milvus" and all(n.index < 500 for n in r.neighbours)
    assert [n.word for n in r.neighbours] == [n.word for n in nearest(small, "king", 5, restrict=500)]


def test_a_collection_opened_by_itself_queries_milvus(lite, small, exported):
    opened = run_sync(milvus_backend.open_collection(lite, "glove_3k", sample=500))
    assert opened.total == N and len(opened.sample) == 500
    assert opened.sample.name == "glove_3k (Milvus: 500 of 3,000)"
    assert opened.sample.words == small.words[:500]  # keys are frequency ranks: the most frequent come first
    # a word outside the sample is found in Milvus; its neighbours come from the whole collection
    outside = small.words[2500]
    lk = lookup(opened.sample, outside, 10, backend=opened.backend)
    assert lk.resolved is not None and lk.resolved.index == -1 and lk.resolved.word == outside
    assert [n.word for n in lk.neighbours] == [n.word for n in nearest(small, outside, 10)]
    assert all(n.index == (small.id_of(n.word) if small.id_of(n.word) < 500 else -1) for n in lk.neighbours)
    assert lk.rows == tuple(n.index for n in lk.neighbours if n.index >= 0)
    inside = lookup(opened.sample, "king", 10, backend=opened.backend)
    assert [n.word for n in inside.neighbours] == [n.word for n in nearest(small, "king", 10)]
    missing = lookup(opened.sample, "qqqzzz", 10, backend=opened.backend)
    assert missing.error is not None and "unknown word" in str(missing.error)
    euclid = lookup(opened.sample, "king", 10, "euclid", backend=opened.backend)
    assert euclid.error is not None and "cosine similarity only" in str(euclid.error)


def test_a_collection_without_the_named_vector_field(lite, exported):
    with pytest.raises(MilvusError, match=r"no vector field 'embedding'.*float vector fields: vector"):
        run_sync(milvus_backend.open_collection(lite, "glove_3k", vector_field="embedding"))
    with pytest.raises(MilvusError, match=r"no text field 'label'.*text fields: word"):
        run_sync(milvus_backend.open_collection(lite, "glove_3k", label_field="label"))
    with pytest.raises(MilvusError, match=r"'norm' .* is FLOAT, not a float vector"):
        run_sync(milvus_backend.open_collection(lite, "glove_3k", vector_field="norm"))
    with pytest.raises(MilvusError, match=r"no collection 'nope' \(collections there: glove_3k"):
        run_sync(milvus_backend.open_collection(lite, "nope"))


def test_dimension_mismatch_and_another_sets_collection(lite, small, exported):
    other = EmbeddingSet([f"w{i}" for i in range(100)],
                         np.random.default_rng(0).standard_normal((100, 20)).astype(np.float32), name="random 20d")
    with pytest.raises(MilvusError, match="holds GloVe 3k, not the open set 'random 20d'"):
        run_sync(milvus_backend.attach(other, lite, "glove_3k", index_store.set_fingerprint(other)))
    with pytest.raises(MilvusError, match="already holds GloVe 3k; choose another name"):
        run_sync(milvus_export.export(other, lite, "glove_3k", fingerprint=index_store.set_fingerprint(other)))
    backend = run_sync(milvus_backend.attach(small, lite, "glove_3k", index_store.set_fingerprint(small)))
    with pytest.raises(MilvusError, match="holds 50-dimensional vectors; the query has 20"):
        backend.search(np.ones((1, 20), np.float32), 5)
    opened = run_sync(milvus_backend.open_collection(lite, "glove_3k", sample=10))
    lk = lookup(other, "w1", 5, backend=opened.backend)  # a 20-d set searching a 50-d collection
    assert lk.error is not None and "50-dimensional" in str(lk.error)
    with pytest.raises(MilvusError, match="not a valid collection name"):
        run_sync(milvus_export.export(small, lite, "9 lives", fingerprint="x"))


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung server, a wrong service)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def test_a_uri_that_does_not_answer_fails_within_seconds(silent_server):
    t0 = time.monotonic()
    with pytest.raises(MilvusError, match=r"does not answer \(waited \d s\); check the address"):
        run_sync(milvus_connect.connect(MilvusTarget(silent_server, token="root:secret", timeout=2.0)))
    assert time.monotonic() - t0 < 6


def test_a_refused_port_fails_at_once():
    t0 = time.monotonic()
    with pytest.raises(MilvusError, match="does not answer"):
        run_sync(milvus_connect.connect(MilvusTarget("http://127.0.0.1:1", timeout=2.0)))
    assert time.monotonic() - t0 < 3


def test_connecting_can_be_cancelled_at_once(silent_server):
    job = milvus_connect.connect(MilvusTarget(silent_server, timeout=5.0))
    t0 = time.monotonic()
    next(job)
    next(job)  # waiting on the helper thread
    job.close()
    assert time.monotonic() - t0 < 1.0


def test_the_token_never_reaches_a_message_or_a_record(silent_server, lite, small, exported):
    target = MilvusTarget(silent_server, token="root:secret", timeout=1.0)
    assert "secret" not in repr(target) and "secret" not in target.shown
    with pytest.raises(MilvusError) as e:
        run_sync(milvus_connect.connect(target))
    assert "secret" not in str(e.value)
    assert all("token" not in d for d in milvus_connect.read_registry())


def test_the_default_database_lives_in_the_user_data_folder(data_dir):
    t = MilvusTarget()
    assert t.is_lite and t.lite_path == data_dir / "milvus" / "explorer.db"
    assert not MilvusTarget("http://milvus.lab:19530").is_lite
    assert MilvusTarget("https://x.zillizcloud.com").shown == "Milvus https://x.zillizcloud.com"
