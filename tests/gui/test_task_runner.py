"""The task runner: results, progress, one slot per kind, stale results dropped, cancel closes the job."""
from __future__ import annotations

import threading
import time

import pytest

from core.errors import FileFormatError
from core.progress import Progress
from gui.task_runner import TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown()


def counting_job(n, delay=0.01, closed=None, gate=None):
    try:
        for i in range(n):
            if gate is not None:
                gate.wait(5)
            time.sleep(delay)
            yield Progress((i + 1) / n, f"step {i + 1}")
        return n
    finally:
        if closed is not None:
            closed.set()


def test_result_and_progress_reach_the_gui_thread(qtbot, runner):
    got, progress = [], []
    runner.progress.connect(lambda kind, f, msg: progress.append((kind, f)))
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.run("count", lambda: counting_job(5), got.append)
    assert got == [5]
    assert progress[-1] == ("count", 1.0)
    assert not runner.is_running()


def test_a_new_job_of_the_same_kind_cancels_the_old_and_its_result_is_dropped(qtbot, runner):
    got = []
    closed = threading.Event()
    with qtbot.waitSignal(runner.progress, timeout=5000):  # the first job is running
        runner.run("count", lambda: counting_job(200, 0.01, closed), got.append)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.run("count", lambda: counting_job(3), got.append)
    qtbot.waitUntil(closed.is_set, timeout=5000)
    qtbot.wait(50)
    assert got == [3]


def test_cancel_stops_the_job_and_runs_its_cleanup(qtbot, runner):
    got = []
    closed = threading.Event()
    gate = threading.Event()
    gate.set()
    with qtbot.waitSignal(runner.progress, timeout=5000):
        runner.run("slow", lambda: counting_job(10_000, 0.005, closed, gate), got.append)
    with qtbot.waitSignal(runner.cancelled, timeout=2000):
        runner.cancel("slow")
    qtbot.waitUntil(closed.is_set, timeout=5000)  # the finally block ran
    qtbot.wait(50)
    assert got == [] and not runner.is_running("slow")


def test_an_expected_error_goes_to_on_error_only(qtbot, runner):
    def bad():
        yield Progress(0.5, "half")
        raise FileFormatError("x.txt", "broken", line=3)

    errors, failed = [], []
    runner.failed.connect(lambda kind, exc: failed.append(kind))
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.run("load", bad, lambda v: None, on_error=errors.append)
    assert len(errors) == 1 and isinstance(errors[0], FileFormatError) and "x.txt, line 3" in str(errors[0])
    assert failed == []  # shown inline by the job's owner, not by the error reporter too


def test_a_bug_or_an_unhandled_error_goes_to_failed_only(qtbot, runner):
    def buggy():
        yield Progress(0.5, "half")
        return 1 / 0

    def expected():
        yield Progress(0.5, "half")
        raise FileFormatError("y.txt", "broken")

    errors = []
    with qtbot.waitSignal(runner.failed, timeout=5000) as sig:
        runner.run("job", buggy, lambda v: None, on_error=errors.append)
    assert sig.args[0] == "job" and isinstance(sig.args[1], ZeroDivisionError) and errors == []
    with qtbot.waitSignal(runner.failed, timeout=5000) as sig:
        runner.run("other", expected, lambda v: None)  # no on_error: the reporter shows it
    assert sig.args[0] == "other" and isinstance(sig.args[1], FileFormatError)

def test_when_quiet_waits_for_the_running_jobs_or_a_limit_and_not_after_shutdown(qtbot, runner):
    def job(n):
        for _ in range(n):
            time.sleep(0.01)
            yield Progress(0.5, "")
        return n

    calls = []
    runner.run("a", lambda: job(20))
    runner.when_quiet(lambda: calls.append(runner.is_running()))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    assert calls == [False]  # after the job ended
    runner.run("a", lambda: job(1000))  # ten seconds: the limit comes first
    runner.when_quiet(lambda: calls.append(runner.is_running()), at_most_s=0.2)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    assert calls[1] is True
    runner.when_quiet(lambda: calls.append("late"))
    runner.shutdown()
    qtbot.wait(300)
    assert calls == [False, True]


def test_a_result_for_a_deleted_widget_is_dropped_quietly(qtbot, runner):
    """A panel that asked for work and was closed before it came back: neither its method nor its lambda
    runs (they would raise "Internal C++ object already deleted")."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    from core.progress import Progress
    from gui.task_runner import alive

    def job():
        yield Progress(0.5, "half")
        return "done"

    label = QLabel()
    runner.run("a", job, label.setText)
    runner.run("b", job, lambda v: label.setText(v))
    shiboken6.delete(label)
    assert not alive(label.setText)
    with qtbot.waitSignals([runner.finished, runner.finished], timeout=5000):
        pass
    kept = QLabel()
    qtbot.addWidget(kept)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.run("c", job, kept.setText)
    assert kept.text() == "done" and alive(kept.setText)
