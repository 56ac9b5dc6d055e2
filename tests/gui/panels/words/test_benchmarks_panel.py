"""Benchmarks panel: the inputs both ways, run in the background (by the BenchmarksController), sections,
failures -> calculator, cancel, pair datasets."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.embeddings.evaluation import AnalogyResult, PairResult
from gui.panels.words.benchmarks_panel import BenchmarksPanel
from tests.gui.conftest import wait_idle


def test_analogies_run_and_failures_load_into_the_calculator(qtbot, session, runner, show):
    panel = show(BenchmarksPanel)
    panel._restrict.setValue(3000)
    with qtbot.waitSignal(runner.finished, timeout=30000):
        qtbot.mouseClick(panel._run, Qt.MouseButton.LeftButton)
    res = panel.result
    assert isinstance(res, AnalogyResult) and res.restrict == 3000 and 0.3 < res.accuracy < 0.9
    assert panel.table.rowCount() == len(res.sections) and panel.table.item(0, 0).text() == res.sections[0].name
    assert panel.failures.count() == min(len(res.failures), 2000) > 0
    assert panel._progress.value() == 1000 and "Accuracy" in panel._status.text()
    assert panel._run.isEnabled() and not panel._cancel.isEnabled()
    item = panel.failures.item(0)
    rect = panel.failures.visualItemRect(item)
    qtbot.mouseClick(panel.failures.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.arithmetic.expression == res.failures[0].expression
    # picking a section shows only its failures
    panel.table.selectRow(0)
    assert panel.failures.count() == min(sum(f.section == res.sections[0].name for f in res.failures), 2000)


def test_cancel(qtbot, session, runner, show):
    panel = show(BenchmarksPanel)
    panel._restrict.setValue(20000)
    qtbot.mouseClick(panel._run, Qt.MouseButton.LeftButton)
    assert runner.is_running("benchmark") and panel._cancel.isEnabled()
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        qtbot.mouseClick(panel._cancel, Qt.MouseButton.LeftButton)
    assert panel._status.text() == "Cancelled." and session.benchmarks.problem == "cancelled"
    assert panel.result is None and not panel.message.is_shown()
    assert panel._run.isEnabled() and not panel._cancel.isEnabled()
    wait_idle(qtbot, runner)
    qtbot.wait(200)  # a late result of the cancelled job must not show up
    assert panel.result is None


def test_word_pairs(qtbot, session, runner, show):
    panel = show(BenchmarksPanel)
    panel._dataset.setCurrentIndex(panel._dataset.findData("ws353"))
    assert session.benchmarks.dataset == "ws353" and not panel._method.isEnabled()
    with qtbot.waitSignal(runner.finished, timeout=10000):
        qtbot.mouseClick(panel._run, Qt.MouseButton.LeftButton)
    res = panel.result
    assert isinstance(res, PairResult) and 0.3 < res.spearman < 0.8
    assert panel.table.rowCount() == res.pairs
    assert "Spearman" in panel._status.text() and panel.failures.count() == 0


def test_inputs_both_ways(qtbot, session, show):
    panel = show(BenchmarksPanel)
    b = session.benchmarks
    b.dataset, b.restrict, b.method = "simlex", 5000, "mul"
    assert panel._dataset.currentData() == "simlex" and panel._restrict.value() == 5000
    assert panel._method.currentData() == "mul" and not panel._method.isEnabled()
    panel._dataset.setCurrentIndex(panel._dataset.findData("analogies"))
    panel._restrict.setValue(12000)
    panel._method.setCurrentIndex(panel._method.findData("add"))
    assert (b.dataset, b.restrict, b.method) == ("analogies", 12000, "add") and panel._method.isEnabled()


def test_no_set_is_named_inline(qtbot, session, runner, show):
    panel = show(BenchmarksPanel)
    assert panel._run.isEnabled()
    session.set_embeddings(None)
    assert not panel._run.isEnabled()
    panel.start()  # e.g. a script
    assert panel.message.is_shown() and "Open an embedding set first" in panel.message.plain
    assert panel._status.text() == "Failed." and not runner.is_running("benchmark")
