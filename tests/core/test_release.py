"""core.release: objects handed over are freed on the helper thread, after the delay, piece by piece;
what someone else still holds is left whole."""
from __future__ import annotations

import threading
import time
import weakref

import numpy as np
import pytest

from core import release
from core.embeddings.embedding_set import EmbeddingSet


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(release, "DELAY_S", 0.05)
    monkeypatch.setattr(release, "CHUNK", 1000)


def wait_released(timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while release.pending() and time.monotonic() < end:
        time.sleep(0.01)
    assert release.pending() == 0


def big_set(n: int = 50_000) -> EmbeddingSet:
    words = [f"w{i}" for i in range(n)]
    return EmbeddingSet(words, np.random.default_rng(0).standard_normal((n, 8)).astype(np.float32), name="big")


def test_a_set_nobody_holds_is_freed_on_the_helper_thread(monkeypatch):
    monkeypatch.setattr(release, "DELAY_S", 0.5)
    es = big_set()
    es.find("w7")  # builds the word index: a dict of 50,000 entries
    freed_on: list[str] = []
    gone = weakref.finalize(es, lambda: freed_on.append(threading.current_thread().name))
    words = weakref.ref(es.vectors)
    release.release_later(es, None)
    del es
    assert gone.alive  # kept for DELAY_S
    wait_released()
    assert not gone.alive and freed_on == ["release"] and words() is None


def test_what_someone_else_holds_is_left_whole():
    es = big_set()
    shared_words = es.words
    kept = big_set(2000)
    release.release_later(es, kept, (es.vectors,))
    del es
    wait_released()
    assert len(shared_words) == 50_000 and shared_words[-1] == "w49999"  # the list was not emptied
    assert len(kept) == 2000 and kept.find("w1999") is not None  # still held here: untouched


def test_objects_keep_their_attributes_until_the_delay_has_passed(monkeypatch):
    monkeypatch.setattr(release, "DELAY_S", 0.5)
    es = big_set(1000)
    ref = weakref.ref(es)
    release.release_later(es)
    del es
    time.sleep(0.1)
    assert ref() is not None and len(ref().words) == 1000  # a panel may still look at it
    wait_released()
    assert ref() is None
