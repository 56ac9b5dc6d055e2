"""A monkey in the window: 2,000 seeded random actions on the real MainWindow (benchmarks/monkey.py;
the long run is that script). Fails on any uncaught exception (pytest-qt's hook), any Qt warning
(qt_log_level_fail), any report to the ErrorReporter, or a job still running after the final cancel."""
from __future__ import annotations

import pytest

from benchmarks.monkey import Monkey, write_files
from core.state.settings import Settings
from gui.main_window import MainWindow
from tests.gui.conftest import wait_idle


@pytest.mark.parametrize("seed", [15])
def test_a_monkey_in_the_window(qtbot, session, runner, tmp_path, glove_small, seed):
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, runner)
    files = write_files(tmp_path, glove_small)
    with Monkey(window, files, seed) as monkey:
        try:
            for _ in range(2000):
                monkey.step()
            left = monkey.finish()
        finally:
            print("the last actions:", *monkey.log, sep="\n  ")  # shown when the test fails
    assert left == {}
    assert not window.reporter.history, "\n".join(f"{t}: {m}" for t, m in window.reporter.history)
    assert sum(monkey.counts.values()) == 2000 and len(monkey.counts) >= 12
    assert session.embeddings is not None
    window.runner.shutdown()
