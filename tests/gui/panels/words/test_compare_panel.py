"""The Compare two sets panel on real data: a word2vec trained in the app (Lee corpus) against the bundled
GloVe, started from the train panel's "Compare with GloVe"; the ranking (moved, overlap), a click selects
the word, the moves drawn as arrows in the cloud; too few shared words and different widths shown inline."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.training import TrainingSettings
from core.state.compare import CANCELLED
from core.state.session import TrainingRequest
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from gui.panels.words.compare_panel import ComparePanel
from gui.panels.words.train_panel import TrainPanel
from tests.gui.conftest import wait_idle


def _compared(qtbot, session, runner, timeout=60000):
    qtbot.waitUntil(lambda: session.compare.activity is None and not runner.is_running("compare"), timeout=timeout)
    wait_idle(qtbot, runner, timeout)


def test_a_trained_word2vec_against_glove_ranks_selects_and_draws_arrows(qtbot, session, runner, show):
    cloud = show(PointCloudPanel)
    panel = show(ComparePanel)
    train = show(TrainPanel)
    session.training.request = TrainingRequest("lee", TrainingSettings(epochs=3))
    qtbot.waitUntil(lambda: session.training.run is not None and session.training.run.finished, timeout=90000)
    wait_idle(qtbot, runner, 30000)
    run = session.training.run
    assert session.embeddings is run.final
    labels = [panel._a.itemText(i) for i in range(panel._a.count())]
    assert any("latest epoch" in t for t in labels) and any("GloVe" in t for t in labels)
    assert panel._progress.isHidden()  # no "0 %" bar before anything was compared

    train.compare_with_glove()
    _compared(qtbot, session, runner)
    cmp = session.compare.result
    assert not panel._progress.isHidden()
    assert cmp is not None and not session.compare.problem
    assert cmp.names[0] == run.final.name and cmp.names[1] == "GloVe 6B 50d"
    assert 1000 < cmp.shared <= len(run.final)
    moved = [float(panel.table.item(i, 1).text()) for i in range(panel.table.rowCount())]
    assert moved == sorted(moved, reverse=True) and panel.table.rowCount() == min(500, cmp.shared)
    # the arrows: from the word's place in the cloud (the trained set is on show) to its GloVe vector's
    qtbot.waitUntil(lambda: len(session.compare.arrows) == session.compare.arrows_shown, timeout=20000)
    word, start, end = session.compare.arrows[0]
    assert word == panel.table.item(0, 0).text() and np.linalg.norm(end - start) > 0
    assert "arrows" in session.compare.note
    shafts = cloud.view.arrow_segments() if hasattr(cloud.view, "arrow_segments") else None
    assert shafts is None or len(shafts) >= 2 * len(session.compare.arrows)

    # sorted by overlap: fewest shared neighbours first; the arrows follow the order
    session.compare.sort = "overlap"
    overlaps = [panel.table.item(i, 2).text() for i in range(50)]
    assert [float(o) for o in overlaps] == sorted(float(o) for o in overlaps)
    qtbot.waitUntil(lambda: session.compare.arrows and session.compare.arrows[0][0] == panel.table.item(0, 0).text(),
                    timeout=20000)

    # a click selects the word in the cloud
    qtbot.mouseClick(panel.table.viewport(), qtbot_left(), pos=panel.table.visualItemRect(panel.table.item(2, 0))
                     .center())
    w = panel.table.item(2, 0).text()
    assert [session.embeddings.words[r] for r in session.selection] == [w]

    # the cloud shows neither set: no arrows, and it says why
    session.set_embeddings(session.compare.result and EmbeddingSet(["x", "y"], np.eye(2, dtype=np.float32)))
    qtbot.waitUntil(lambda: not session.compare.arrows and "neither" in session.compare.note, timeout=5000)


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_too_few_shared_words_and_different_widths_are_shown_inline(qtbot, session, runner, show, glove_small):
    panel = show(ComparePanel)
    session.set_embeddings(glove_small.subset(range(60), name="GloVe 60"))
    session.compare.a, session.compare.b = "active", "glove"
    session.compare.run += 1
    _compared(qtbot, session, runner)
    assert session.compare.result is None
    assert "share 60 words" in session.compare.problem and "at least 100" in session.compare.problem
    assert panel.message.is_shown()

    narrow = EmbeddingSet(glove_small.words[:3000], np.ascontiguousarray(glove_small.vectors[:3000, :30]),
                          name="GloVe 3k, 30 of 50 dims")
    session.set_embeddings(narrow)
    session.compare.run += 1
    _compared(qtbot, session, runner)
    cmp = session.compare.result
    assert cmp is not None and cmp.shared == 3000 and "least-squares" in cmp.notice
    assert panel.message.is_shown() and not session.compare.problem


def test_cancel_stops_a_comparison(qtbot, session, runner, show):
    show(ComparePanel)
    session.compare.a, session.compare.b = "active", "glove"
    session.compare.run += 1
    session.compare.cancel += 1
    _compared(qtbot, session, runner)
    assert session.compare.problem in (CANCELLED, "") and session.compare.activity is None


def test_no_run_yet_is_refused_with_the_reason(qtbot, session, runner, show):
    show(ComparePanel)
    session.compare.a, session.compare.b = "epoch:last", "glove"
    session.compare.run += 1
    assert "No word2vec run yet" in session.compare.problem


def test_smollm2_token_embeddings_fp32_against_its_4bit_copy(qtbot, session, runner, show):
    """SmolLM2's token embeddings against those its 4-bit file reads: every token shared, tiny moves, most
    neighbour lists unchanged; the cloud shows neither set, so no arrows."""
    from core.inference.token_embeddings import q4_unavailable

    why = q4_unavailable()
    if why:
        pytest.skip(why)
    panel = show(ComparePanel)
    keys = [panel._a.itemData(i) for i in range(panel._a.count())]
    assert {"tokens", "tokens-q4"} <= set(keys)
    i = panel._b.findData("tokens-q4")
    assert panel._b.model().item(i).isEnabled() and "4-bit" in panel._b.itemText(i)
    panel._a.setCurrentIndex(panel._a.findData("tokens"))
    panel._b.setCurrentIndex(i)
    assert (session.compare.a, session.compare.b) == ("tokens", "tokens-q4")
    panel._run.click()
    _compared(qtbot, session, runner, timeout=120000)
    cmp = session.compare.result
    assert cmp is not None and not session.compare.problem
    assert cmp.names == ("SmolLM2-135M token embeddings", "SmolLM2-135M 4-bit token embeddings")
    assert cmp.shared == 49152 and float(np.max(cmp.moved)) < 0.01
    overlaps = cmp.overlap[~np.isnan(cmp.overlap)]
    assert len(overlaps) == cmp.pool and overlaps.mean() > 0.8
    assert "49,152 shared tokens" in panel._status.text() and panel.table.rowCount() == 500
    assert not session.compare.arrows and "neither" in session.compare.note
    # moves of about 5e-5 read as such, not as 0.000 on every row
    assert panel.table.item(0, 1).text().endswith("e-04") and "median moved 5" in panel._status.text()


def test_a_move_reads_with_its_digits():
    from gui.panels.words.compare_panel import moved_text

    assert [moved_text(v) for v in (0.0, 0.25, 0.001, 5.5e-5, 1.6e-4)] == ["0.000", "0.250", "0.001", "5.5e-05",
                                                                          "1.6e-04"]


def test_no_4bit_copy_is_greyed_and_refused_with_the_reason(qtbot, session, runner, show, tmp_path, monkeypatch):
    import shutil

    from core.inference import registry
    from tests.models.helpers import built

    src = built(registry.LANGUAGE_MODEL)
    d = tmp_path / "models" / src.name
    d.mkdir(parents=True)
    for f in ("manifest.json", "tokenizer.json"):  # the model as listed, no 4-bit copy beside it
        shutil.copy2(src / f, d / f)
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    panel = show(ComparePanel)
    i = panel._b.findData("tokens-q4")
    assert i >= 0 and not panel._b.model().item(i).isEnabled() and "not available" in panel._b.itemText(i)
    from PySide6.QtCore import Qt

    assert "no 4-bit copy" in panel._b.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert panel._a.model().item(panel._a.findData("tokens")).isEnabled()
    session.compare.a, session.compare.b = "tokens", "tokens-q4"
    assert panel._b.currentIndex() == i
    session.compare.run += 1
    assert "No 4-bit token embeddings" in session.compare.problem and "no 4-bit copy" in session.compare.problem
    assert panel.message.is_shown()
