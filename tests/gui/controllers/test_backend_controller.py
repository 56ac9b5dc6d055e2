"""Search backends in the window's state: an HNSW index built (progress, cancel), stored and reused,
a damaged one rebuilt with a notice; a set exported to Milvus Lite and answering; a collection opened
by itself (a sample in the cloud, queries in Milvus); a Milvus URI that does not answer reported in a
few seconds while the window keeps running. Real faiss, real Milvus Lite, no mocks."""
from __future__ import annotations

import shutil
import socket
import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from core.embeddings.neighbours import nearest
from core.embeddings.search import index_store, milvus_connect
from core.embeddings.search.milvus_connect import MilvusTarget
from core.state.session import Session
from gui.controllers import Controllers
from tests.gui.conftest import found, wait_idle


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_DATA", str(tmp_path / "data"))


@pytest.fixture
def small(glove_small, request):
    """A 5,000-word set of its own name (so its stored index is its own)."""
    es = glove_small.subset(range(5000), name=f"5k {request.node.name[:40]}")
    shutil.rmtree(index_store.index_folder(es), ignore_errors=True)
    yield es
    shutil.rmtree(index_store.index_folder(es), ignore_errors=True)


def wait_for(qtbot, runner, kind: str, timeout: int = 60000):
    qtbot.waitUntil(lambda: not runner.is_running(kind), timeout=timeout)
    wait_idle(qtbot, runner, timeout)


def test_build_an_index_and_see_who_answers(qtbot, runner, small):
    s = Session()
    s.set_embeddings(small)
    controllers = Controllers(s, runner)
    s.neighbours.query = "king"
    wait_idle(qtbot, runner)
    assert s.neighbours.lookup.answer.backend == "exact"
    progress = []
    runner.progress.connect(lambda kind, f, m: progress.append((kind, f)))
    controllers.backends.build_hnsw()
    assert s.neighbours.engines.message == "building the HNSW index…"
    wait_for(qtbot, runner, "hnsw-index")
    assert [f for k, f in progress if k == "hnsw-index"][-1] == 1.0
    e = s.neighbours.engines
    assert e.hnsw is not None and e.hnsw.recall >= 0.95 and "recall@10" in e.message
    assert s.neighbours.backend == "hnsw"  # the new index answers
    a = s.neighbours.lookup.answer
    assert a.backend == "hnsw" and a.recall == e.hnsw.recall and a.latency_ms > 0
    s.neighbours.backend = "exact"  # one click away
    wait_idle(qtbot, runner)
    assert s.neighbours.lookup.answer.backend == "exact"
    assert [n.word for n in found(s)] == [n.word for n in nearest(small, "king", 10)]


def test_the_stored_index_is_reused_and_a_damaged_one_rebuilt(qtbot, runner, small):
    s = Session()
    controllers = Controllers(s, runner)
    s.set_embeddings(small)
    controllers.backends.build_hnsw()
    wait_for(qtbot, runner, "hnsw-index")
    s.set_embeddings(None)
    s.set_embeddings(small)  # opened again: the stored index is found
    wait_idle(qtbot, runner)
    assert s.neighbours.engines.hnsw is not None and s.neighbours.engines.message == ""
    path = index_store.index_folder(small) / index_store.FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x55
    path.write_bytes(bytes(data))
    rebuilt = []
    runner.started.connect(lambda kind, label: rebuilt.append(kind))
    s.set_embeddings(None)
    s.set_embeddings(small)
    qtbot.waitUntil(lambda: "hnsw-index" in rebuilt, timeout=20000)
    assert "checksum does not match" in s.neighbours.engines.message
    wait_for(qtbot, runner, "hnsw-index")
    e = s.neighbours.engines
    assert e.hnsw is not None and "rebuilt" in e.message and "recall@10" in e.message and not e.problem
    assert run_open(small).index is not None


def run_open(es):
    from core.progress import run_sync
    return run_sync(index_store.open_index(es))


def test_cancelling_a_build_stores_nothing(qtbot, runner, glove_small):
    es = glove_small.subset(range(15000), name="15k cancelled")
    shutil.rmtree(index_store.index_folder(es), ignore_errors=True)
    s = Session()
    controllers = Controllers(s, runner)
    s.set_embeddings(es)
    seen = []
    runner.progress.connect(lambda kind, f, m: seen.append(f))
    controllers.backends.build_hnsw()
    qtbot.waitUntil(lambda: any(f > 0.05 for f in seen), timeout=30000)
    runner.cancel("hnsw-index")
    wait_idle(qtbot, runner)
    assert s.neighbours.engines.hnsw is None
    assert not index_store.index_folder(es).exists() or not (index_store.index_folder(es) / "manifest.json").exists()


def test_export_to_milvus_lite_and_query_it(qtbot, runner, small, tmp_path):
    s = Session()
    controllers = Controllers(s, runner)
    s.set_embeddings(small)
    target = MilvusTarget(str(tmp_path / "t.db"))
    try:
        controllers.backends.export_milvus(target, "five_k")
        wait_for(qtbot, runner, "milvus-export", 120000)
        e = s.neighbours.engines
        assert e.milvus is not None and not e.problem and "exported 5,000 words to five_k" in e.message
        assert s.neighbours.backend == "milvus"
        s.neighbours.query = "water"
        wait_idle(qtbot, runner)
        assert s.neighbours.lookup.answer.backend == "milvus"
        assert [n.word for n in found(s)] == [n.word for n in nearest(small, "water", 10)]
        s.arithmetic.expression = "king - man + woman"  # the calculator asks the same backend
        wait_idle(qtbot, runner)
        assert s.arithmetic.result.answer.backend == "milvus" and s.arithmetic.result.best.word == "queen"
        milvus_connect.release(target)
        # opened again: the export is noted, and Milvus Lite starts only when Milvus is chosen
        s2 = Session()
        controllers2 = Controllers(s2, runner)  # noqa: F841 (kept alive for the test)
        s2.set_embeddings(small)
        wait_for(qtbot, runner, "search-open")
        e = s2.neighbours.engines
        assert e.milvus is None and e.milvus_stored is not None and e.milvus_stored[1] == "five_k"
        s2.neighbours.query = "water"
        s2.neighbours.backend = "milvus"
        wait_for(qtbot, runner, "milvus-attach", 120000)
        assert s2.neighbours.engines.milvus is not None
        qtbot.waitUntil(lambda: s2.neighbours.lookup is not None and s2.neighbours.lookup.answer.backend == "milvus",
                        timeout=30000)
        assert [n.word for n in found(s2)] == [n.word for n in nearest(small, "water", 10)]
    finally:
        milvus_connect.release(target)


def test_open_a_collection_by_itself(qtbot, runner, small, tmp_path):
    target = MilvusTarget(str(tmp_path / "c.db"))
    s = Session()
    controllers = Controllers(s, runner)
    s.set_embeddings(small)
    try:
        controllers.backends.export_milvus(target, "coll")
        wait_for(qtbot, runner, "milvus-export", 120000)
        controllers.backends.open_collection(target, "coll", sample=1000)
        qtbot.waitUntil(lambda: s.embeddings is not small, timeout=30000)
        assert s.embeddings.name == "coll (Milvus: 1,000 of 5,000)" and len(s.embeddings) == 1000
        assert s.neighbours.engines.remote and "1,000 of 5,000" in s.neighbours.engines.message
        assert s.embeddings.sample_of == 5000
        s.neighbours.backend = "exact"  # a collection's vectors stay in Milvus: it answers anyway
        s.neighbours.query = small.words[4000]  # outside the sample
        wait_idle(qtbot, runner)
        lk = s.neighbours.lookup
        assert lk.answer.backend == "milvus" and lk.resolved.index == -1
        assert [n.word for n in lk.neighbours] == [n.word for n in nearest(small, small.words[4000], 10)]
        assert all(0 <= r < 1000 for r in s.selection)  # the cloud highlights what it shows
    finally:
        milvus_connect.release(target)


def test_a_milvus_uri_that_does_not_answer(qtbot, runner, small):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    s = Session()
    controllers = Controllers(s, runner)
    s.set_embeddings(small)
    beats, clock, last = [], QElapsedTimer(), [0]
    clock.start()

    def beat():
        now = clock.elapsed()
        beats.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=20)
    timer.timeout.connect(beat)
    timer.start()
    t0 = time.monotonic()
    try:
        controllers.backends.export_milvus(MilvusTarget(f"http://127.0.0.1:{srv.getsockname()[1]}", timeout=2.0), "x")
        qtbot.waitUntil(lambda: s.neighbours.engines.problem, timeout=10000)
    finally:
        timer.stop()
        srv.close()
    assert time.monotonic() - t0 < 6
    assert "does not answer" in s.neighbours.engines.message
    assert max(beats[1:]) < 500  # the window kept running while it waited
