"""The controllers' job base: activity and problem in the room's state, Cancel through the state,
stale results dropped."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from psygnal import evented

from core.errors import ExplorerError
from core.progress import Progress
from core.state.session import Activity
from gui.controllers.job import RoomJob


@evented
@dataclass
class Room:
    result: object = None
    activity: Activity | None = None
    problem: str = ""
    cancel: int = 0


def slow_job(value, gate: threading.Event | None = None, steps: int = 3):
    for i in range(steps):
        if gate is not None:
            gate.wait(5)
        time.sleep(0.01)
        yield Progress((i + 1) / steps, f"step {i + 1}")
    return value


def failing_job():
    yield Progress(-1, "reading")
    raise ExplorerError("not a vector file (line 1)")


def test_a_result_and_its_activity(qtbot, runner):
    room, activities = Room(), []
    room.events.activity.connect(activities.append)
    job = RoomJob(runner, "room", room)
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start(lambda: slow_job(7), lambda v: setattr(room, "result", v), label="computing")
    assert room.result == 7
    assert activities[0] == Activity("computing")
    assert Activity("step 3", 1.0) in activities
    assert room.activity is None and room.problem == ""


def test_an_expected_problem_goes_to_the_state_not_the_reporter(qtbot, runner):
    room, failed = Room(), []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    job = RoomJob(runner, "room", room)
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start(failing_job, lambda v: setattr(room, "result", v))
    assert room.problem == "not a vector file (line 1)"
    assert failed == [] and room.result is None


def test_cancel_through_the_state(qtbot, runner):
    room, gate = Room(), threading.Event()
    job = RoomJob(runner, "room", room, cancelled="cancelled; edit to try again")
    job.start(lambda: slow_job(1, gate), lambda v: setattr(room, "result", v))
    assert job.running
    with qtbot.waitSignal(job.cancelled, timeout=2000):
        room.cancel += 1  # what a panel's Cancel button does
    gate.set()
    qtbot.wait(100)
    assert not job.running and room.result is None
    assert room.activity is None and room.problem == "cancelled; edit to try again"


def test_a_stopped_or_superseded_request_is_dropped(qtbot, runner):
    room, got, gate = Room(), [], threading.Event()
    job = RoomJob(runner, "room", room)
    first = job.start(lambda: slow_job("old", gate), got.append)
    second = job.start(lambda: slow_job("new"), got.append)
    assert second == first + 1 == job.request
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    qtbot.wait(50)
    assert got == ["new"]
    job.start(lambda: slow_job("stopped", gate), got.append)
    job.stop()
    qtbot.wait(150)
    assert got == ["new"] and room.activity is None


def test_a_state_without_problem_sends_problems_to_the_reporter(qtbot, runner):
    failed = []
    runner.failed.connect(lambda kind, exc: failed.append(str(exc)))
    job = RoomJob(runner, "plain")
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start(failing_job)
    assert failed == ["not a vector file (line 1)"]
