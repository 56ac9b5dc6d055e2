"""The training controller with no panel built: a request trains in the background, each epoch becomes
the active set (at most every SWITCH_MS), the epoch on show can be chosen, a request of None cancels,
expected problems land in ``session.training.problem`` (never the error reporter), probe words can be
changed after a run, Compare trains the other architecture too, and a save request writes an epoch."""
from __future__ import annotations

import dataclasses

import numpy as np

from core.embeddings import store
from core.embeddings.training import TrainingSettings
from core.state.session import SaveRequest, TrainingRequest
from tests.gui.conftest import wait_idle

FAST = TrainingSettings(epochs=3)


def train(qtbot, session, runner, request: TrainingRequest, timeout: int = 60000) -> None:
    session.training.request = request
    qtbot.waitUntil(lambda: not runner.is_running("training"), timeout=timeout)
    wait_idle(qtbot, runner)


def test_a_request_trains_and_every_room_gets_the_trained_set(qtbot, session, runner, controllers):
    failed, sets = [], []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    session.events.embeddings.connect(lambda *_: sets.append(session.embeddings))
    session.neighbours.query = "king"  # in the Lee corpus too, but not a probe word
    train(qtbot, session, runner, TrainingRequest("lee", FAST))
    run = session.training.run
    assert not failed and run.finished and [r.epoch for r in run.epochs] == [0, 1, 2, 3]
    assert session.embeddings is run.final and "epoch 3" in session.embeddings.name
    assert all(s.words is run.final.words for s in sets)  # only snapshots of this run were shown
    assert session.neighbours.query == run.probes[0] == "government"  # the first probe word
    assert session.neighbours.lookup.error is None and len(session.neighbours.lookup.neighbours) == 10
    assert session.status.startswith("trained skip-gram on Lee news corpus")


def test_the_epoch_on_show_is_the_active_set(qtbot, session, runner, controllers):
    train(qtbot, session, runner, TrainingRequest("lee", FAST))
    run = session.training.run
    for epoch, shown in ((1, run.epochs[1]), (0, run.epochs[0]), (-1, run.epochs[-1])):
        session.training.epoch = epoch  # shown at once, or SWITCH_MS after the last switch
        qtbot.waitUntil(lambda shown=shown: session.embeddings is shown.embeddings, timeout=2000)
    switches = []
    session.events.embeddings.connect(lambda *_: switches.append(session.embeddings))
    for epoch in (0, 1, 2, 3, 2, 1):  # a dragged slider
        session.training.epoch = epoch
    qtbot.waitUntil(lambda: session.embeddings is run.epochs[1].embeddings, timeout=2000)
    assert len(switches) <= 2


def test_none_cancels_and_keeps_the_epochs_so_far(qtbot, session, runner, controllers):
    session.training.request = TrainingRequest("head500", dataclasses.replace(FAST, epochs=50))
    qtbot.waitUntil(lambda: session.training.run is not None and len(session.training.run.epochs) >= 2,
                    timeout=60000)
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        session.training.request = None
    wait_idle(qtbot, runner)
    run = session.training.run
    assert not run.finished and 2 <= len(run.epochs) < 51 and not runner.is_running("training")
    assert session.training.problem == ""


def test_expected_problems_go_to_the_model_not_the_reporter(qtbot, session, runner, controllers, tmp_path):
    failed = []
    runner.failed.connect(lambda kind, exc: failed.append(exc))
    binary = tmp_path / "model.onnx"
    binary.write_bytes(np.arange(4096, dtype=np.int32).tobytes())
    train(qtbot, session, runner, TrainingRequest(str(binary), FAST))
    assert "this is a binary file, not text" in session.training.problem and str(binary) in session.training.problem
    train(qtbot, session, runner, TrainingRequest("lee", dataclasses.replace(FAST, min_count=5000)))
    assert "lower the minimum count" in session.training.problem
    assert not failed and session.training.run is None
    train(qtbot, session, runner, TrainingRequest("lee", FAST))
    assert session.training.problem == "" and session.training.run.finished


def test_probe_words_changed_after_a_run_are_looked_up_at_every_epoch(qtbot, session, runner, controllers):
    train(qtbot, session, runner, TrainingRequest("lee", FAST, ("fire",)))
    assert [w for w, _ in session.training.run.epochs[-1].neighbours] == ["fire"]
    shown = session.embeddings
    session.training.probes = "police, bush"
    qtbot.waitUntil(lambda: session.training.run.probes == ("police", "bush"), timeout=10000)
    assert all([w for w, _ in r.neighbours] == ["police", "bush"] for r in session.training.run.epochs)
    assert session.embeddings is shown  # the same snapshots


def test_compare_trains_the_other_architecture_on_the_same_seed(qtbot, session, runner, controllers):
    train(qtbot, session, runner, TrainingRequest("lee", dataclasses.replace(FAST, sg=False), (), compare=True))
    run, other = session.training.run, session.training.other
    assert (run.settings.sg, other.settings.sg) == (False, True) and run.finished and other.finished
    assert session.embeddings is run.final  # the requested architecture drives the rooms
    assert run.probes == other.probes


def test_a_save_request_writes_that_epoch(qtbot, session, runner, controllers, tmp_path):
    train(qtbot, session, runner, TrainingRequest("lee", FAST))
    run, model = session.training.run, session.training
    model.save = SaveRequest(str(tmp_path / "set"), "folder", 1)
    qtbot.waitUntil(lambda: bool(model.saved), timeout=10000)
    assert np.array_equal(store.open_set(tmp_path / "set").vectors, run.epochs[1].embeddings.vectors)
    assert model.saved == f"Saved 1,799 words to {tmp_path / 'set'}" and model.problem == ""
    (tmp_path / "file").write_text("in the way")  # an expected problem: inline, never the error reporter
    model.save = SaveRequest(str(tmp_path / "file"), "folder")
    qtbot.waitUntil(lambda: bool(model.problem), timeout=10000)
    assert "exists and is not a saved set" in model.problem and model.saved == ""
