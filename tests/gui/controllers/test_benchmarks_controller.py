"""The benchmarks controller with no panel built: Run (``benchmarks.run``) evaluates the active set in the
background with the inputs as they were, progress in ``activity``, the result in ``result``; Cancel
(``benchmarks.cancel``) stops it and says so in ``problem``; no set open is an inline problem, never the
error reporter."""
from __future__ import annotations

from core.embeddings.evaluation import AnalogyResult, PairResult
from core.state.benchmarks import CANCELLED
from tests.gui.conftest import wait_idle


def test_run_stores_the_result_and_its_progress(qtbot, session, runner, controllers):
    b, failed, activity = session.benchmarks, [], []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    b.events.activity.connect(lambda *_: activity.append(b.activity))
    b.dataset, b.restrict = "ws353", 3000
    with qtbot.waitSignal(runner.finished, timeout=20000):
        b.run += 1
    res = b.result
    assert isinstance(res, PairResult) and res.name == "ws353" and 0.3 < res.spearman < 0.8
    assert activity[0].message.startswith("Running WordSim-353 on the 3,000 most frequent words")
    assert activity[-1] is None and b.activity is None and b.problem == "" and not failed
    b.dataset, b.method = "analogies", "mul"
    with qtbot.waitSignal(runner.finished, timeout=30000):
        b.run += 1
    assert isinstance(b.result, AnalogyResult) and b.result.method == "mul" and b.result.restrict == 3000


def test_cancel_stops_the_run_and_keeps_the_last_result(qtbot, session, runner, controllers):
    b = session.benchmarks
    b.dataset, b.restrict = "analogies", 20000
    b.run += 1
    assert runner.is_running("benchmark") and b.activity is not None
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        b.cancel += 1
    assert b.problem == CANCELLED and b.activity is None
    wait_idle(qtbot, runner)
    qtbot.wait(200)  # a late result of the cancelled job must not show up
    assert b.result is None


def test_no_set_is_an_inline_problem(qtbot, session, runner, controllers):
    failed = []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    session.set_embeddings(None)
    session.benchmarks.run += 1
    assert session.benchmarks.problem == "Open an embedding set first." and not runner.is_running("benchmark")
    assert not failed and session.benchmarks.result is None
