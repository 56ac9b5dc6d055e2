"""The cloud keeps its orientation when a new set shares the words on show (the next epoch of training,
a replay): the new PCA is turned onto the previous layout (core/projections/align.py), so points move
a little instead of jumping; an unrelated set, or a new layout of the same set, is not turned."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.state.session import CloudState, Session
from tests.gui.conftest import wait_idle


@pytest.fixture
def shown(qtbot, glove_small, runner, cloud):
    es = glove_small.subset(range(3000), name="epoch 1")
    s = Session(cloud=CloudState(point_count=3000))
    panel = cloud(s)
    s.set_embeddings(es)
    qtbot.waitUntil(lambda: panel.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    return s, panel, es


def next_epoch(es: EmbeddingSet, flip: bool) -> EmbeddingSet:
    """The same words (the same list), vectors a little changed; `flip` mirrors them so PCA flips too."""
    rng = np.random.default_rng(1)
    v = es.vectors + 0.1 * rng.standard_normal(es.vectors.shape).astype(np.float32)
    return EmbeddingSet(es.words, -v if flip else v, name="epoch 2")


@pytest.mark.parametrize("flip", [False, True])
def test_the_next_epoch_is_turned_onto_the_last_layout(qtbot, runner, shown, flip):
    s, panel, es = shown
    before = panel.layout_.coords.copy()
    s.set_embeddings(next_epoch(es, flip))
    qtbot.waitUntil(lambda: panel.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    lay = panel.layout_
    assert lay.info["aligned"]["shared"] == 3000 and lay.axis_labels[0] == "PC1 (aligned)"
    moved = np.linalg.norm(lay.coords - before, axis=1).mean()
    assert moved < 0.25 * np.linalg.norm(before, axis=1).mean()  # small steps, not a mirror image
    assert s.cloud.layout is lay


def test_unrelated_sets_and_new_settings_are_not_turned(qtbot, runner, shown, glove_small):
    s, panel, _ = shown
    s.set_embeddings(glove_small.subset(range(10_000, 13_000), name="other words"))
    qtbot.waitUntil(lambda: panel.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    assert "aligned" not in panel.layout_.info
    s.cloud.point_count = 2000  # the same set, another point count: a fresh PCA
    qtbot.waitUntil(lambda: len(panel.layout_.rows) == 2000, timeout=10000)
    assert "aligned" not in panel.layout_.info
