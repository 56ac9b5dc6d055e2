"""The train panel: settings both ways, impossible values named inline, Train / Compare / Cancel, the
epoch slider and Replay driving the active set, the probe table and charts, problems shown once inline,
saving the epoch on show."""
from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt

from core.embeddings import store
from core.embeddings.training import TrainingSettings
from gui.panels.words.train_panel import TrainPanel
from gui.panels.words.training_views import SCORES
from tests.gui.conftest import wait_idle


def trained(qtbot, panel, runner, button=None, timeout=60000) -> None:
    qtbot.mouseClick(button or panel._train, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not runner.is_running("training"), timeout=timeout)
    wait_idle(qtbot, runner)


def test_settings_both_ways(qtbot, session, show):
    panel = show(TrainPanel)
    session.training.settings = TrainingSettings(sg=False, dimensions=30, window=3, epochs=7)
    assert panel._form.arch.currentIndex() == 1 and panel._form.spins["dimensions"].value() == 30
    assert panel._form.spins["window"].value() == 3 and "train skip-gram too" in panel._compare.toolTip()
    panel._form.spins["negative"].setValue(8)
    panel._form.arch.setCurrentIndex(0)
    panel._form.arch.activated.emit(0)
    assert session.training.settings == TrainingSettings(sg=True, dimensions=30, window=3, negative=8, epochs=7)
    session.training.corpus = "head500"
    assert panel._corpus.currentData() == "head500" and "Wikipedia" in panel._about.text()
    assert "war" in panel._probes.placeholderText()


def test_impossible_values_are_named_inline_and_train_waits(qtbot, session, show):
    panel = show(TrainPanel)
    for name, says in (("window", "window must be a whole number from 1 to 50, got 0"),
                       ("dimensions", "dimensions must be a whole number from 1 to 1000, got 0"),
                       ("negative", "negative must be a whole number from 1 to 50 (negative sampling needs")):
        panel._form.spins[name].setValue(0)
        assert panel.message.is_shown() and says in panel.message.plain
        assert not panel._train.isEnabled() and not panel._compare.isEnabled()
        panel._form.spins[name].setValue(5)
        assert not panel.message.is_shown() and panel._train.isEnabled()
    session.training.settings = dataclasses.replace(session.training.settings, negative=-1)  # e.g. a script
    assert "got -1" in panel.message.plain
    panel.start()
    assert session.training.request is None


def test_train_then_replay_the_epochs(qtbot, session, runner, show):
    panel = show(TrainPanel)
    session.training.settings = TrainingSettings(epochs=3)
    trained(qtbot, panel, runner)
    run = session.training.run
    assert run.finished and "Done: 1,799 words kept of 7,577" in panel._status.text()
    assert panel._slider.maximum() == 3 and panel._slider.value() == 3 and panel._play.isEnabled()
    assert panel._epoch_label.text() == "epoch 3 / 3" and panel._save.isEnabled()
    assert panel._table.rowCount() == len(run.probes) and panel._table.verticalHeaderItem(0).text() == "government"
    assert panel._table.cell_words(0) == [w for w, _ in run.epochs[-1].neighbours[0][1]]
    assert "skip-gram, epoch 3: loss" in panel._scores_text.text() and "(59 pairs)" in panel._scores_text.text()
    x, y = panel._loss.data("skip-gram")
    assert list(x) == [1, 2, 3] and np.allclose(y, [r.loss / 1000 for r in run.epochs[1:]])
    panel._slider.setValue(1)
    assert session.training.epoch == 1
    qtbot.waitUntil(lambda: session.embeddings is run.epochs[1].embeddings, timeout=2000)
    assert panel._loss.marker_at() == 1
    assert panel._table.cell_words(0) == [w for w, _ in run.epochs[1].neighbours[0][1]]
    panel._score_kind.setCurrentIndex(panel._score_kind.findData("gap"))
    assert np.allclose(panel._score.data("skip-gram")[1], [r.scores.related_gap for r in run.epochs])
    qtbot.mouseClick(panel._play, Qt.MouseButton.LeftButton)  # replays from here to the end
    assert panel._play.text() == "■ Stop"
    qtbot.waitUntil(lambda: panel._play.text() == "▶ Replay", timeout=10000)
    qtbot.waitUntil(lambda: session.embeddings is run.final, timeout=2000)


def test_compare_shows_both_side_by_side(qtbot, session, runner, show):
    panel = show(TrainPanel)
    session.training.settings = TrainingSettings(epochs=2)
    trained(qtbot, panel, runner, panel._compare)
    run, other = session.training.run, session.training.other
    assert panel._table.horizontalHeaderItem(0).text() == "epoch 2: skip-gram | CBOW"
    assert "━ CBOW" in panel._loss.title.text()
    text = panel._scores_text.text()
    assert text.startswith("epoch 2 · skip-gram: loss") and " · CBOW: loss " in text
    assert panel._table.item(0, 0).text().split("\n")[1].startswith("CBOW: ")
    assert panel._table.cell_words(0, 1) == [w for w, _ in other.epochs[-1].neighbours[0][1]]
    assert panel._table.cell_words(0, 0) == [w for w, _ in run.epochs[-1].neighbours[0][1]]
    assert set(panel._loss.canvas.lines) == {"skip-gram", "CBOW"} and len(panel._loss.data("CBOW")[0]) == 2


def test_cancel_keeps_the_epochs_so_far(qtbot, session, runner, show):
    panel = show(TrainPanel)
    session.training.corpus = "head500"
    session.training.settings = TrainingSettings(epochs=40)
    qtbot.mouseClick(panel._train, Qt.MouseButton.LeftButton)
    assert panel._cancel.isEnabled() and not panel._train.isEnabled() and not panel._probes.isEnabled()
    qtbot.waitUntil(lambda: session.training.run is not None and len(session.training.run.epochs) >= 2, timeout=60000)
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        qtbot.mouseClick(panel._cancel, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert panel._status.text().startswith("Cancelled after epoch") and panel._train.isEnabled()
    assert not panel.message.is_shown()


def test_a_binary_file_is_one_inline_message(qtbot, session, runner, show, tmp_path):
    failed = []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    panel = show(TrainPanel)
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    session.training.corpus = str(binary)
    assert panel._corpus.currentText() == "Text file: photo.png"
    trained(qtbot, panel, runner)
    assert panel.message.is_shown() and "this is a PNG image, not text" in panel.message.plain
    assert panel._status.text() == "Failed." and not failed


def test_save_the_epoch_on_show(qtbot, session, runner, show, tmp_path):
    panel = show(TrainPanel)
    session.training.settings = TrainingSettings(epochs=2)
    trained(qtbot, panel, runner)
    panel._slider.setValue(1)
    panel.save(str(tmp_path / "epoch1.txt"), "word2vec-text")
    qtbot.waitUntil(lambda: not runner.is_running("training.save"), timeout=10000)
    assert (tmp_path / "epoch1.txt").read_text(encoding="utf-8").startswith("1799 50\n")
    panel.save(str(tmp_path / "set"), "folder")
    qtbot.waitUntil(lambda: not runner.is_running("training.save"), timeout=10000)
    assert np.array_equal(store.open_set(tmp_path / "set").vectors, session.training.run.epochs[1].embeddings.vectors)
    assert "Saved 1,799 words" in panel._status.text()


def test_scores_a_small_vocabulary_cannot_give_draw_no_line(qtbot, session, runner, show, tmp_path):
    """A corpus too small for any WordSim pair or analogy: every score is NaN; the charts paint without
    a point (pyqtgraph, which drew them before, failed painting a line of only NaN; the monkey found it)."""
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(" ".join(f"zq{i % 30}" for i in range(600)), encoding="utf-8")  # no probe word
    panel = show(TrainPanel)
    session.training.corpus = str(corpus)
    session.training.settings = TrainingSettings(epochs=2, min_count=1)
    trained(qtbot, panel, runner)
    assert session.training.run is not None, panel.message.plain
    for key in SCORES:
        panel._score_kind.setCurrentIndex(panel._score_kind.findData(key))
        assert all(np.isnan(SCORES[key][1](rec.scores)) for rec in session.training.run.epochs)
        panel._score.grab()  # paints; an exception in paint fails the test (pytest-qt)
        assert len(panel._score.data("skip-gram")[0]) == 0
    assert len(panel._loss.data("skip-gram")[0]) == 2


def test_narrow_panel_puts_the_charts_under_the_settings(qtbot, session, show):
    """A 1366-pixel screen's Train dock (about 720 pixels): the charts leave the third column for the empty
    room under the settings, and every epoch button lies inside the middle column; wide again, three columns."""
    from gui.panels.words.train_panel import NARROW

    panel = show(TrainPanel)
    panel.resize(NARROW - 260, 640)
    qtbot.waitUntil(lambda: panel._charts.parent() is panel._left)
    left = panel._left.geometry()
    assert panel._charts.geometry().top() > panel._message.geometry().top() and panel._charts.width() > 200
    middle = panel._table.parentWidget()
    for button in (panel._play, panel._save, panel._vs_glove):
        box = button.geometry().translated(button.parentWidget().mapTo(middle, button.pos()) - button.pos())
        assert middle.rect().contains(box), (button.text(), box, middle.rect())
    panel.resize(NARROW + 300, 640)
    qtbot.waitUntil(lambda: panel._charts.parent() is panel)
    area = middle.parentWidget().parentWidget()  # the middle column's scroll area (viewport, then the area)
    qtbot.waitUntil(lambda: area.geometry().right() < panel._charts.geometry().left())
    assert left.right() < area.geometry().left()
