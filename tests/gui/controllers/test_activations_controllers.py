"""The activations controllers with no panel built: layers keep up with a stream of inputs without
queueing stale ones; units; the pad's digit placed as a probe while the digits are the active set."""
from __future__ import annotations

import numpy as np

from core.inference import registry
from core.inference.digit_embeddings import image_set_job
from core.inference.digit_layers import DigitInput
from core.inference.mnist import load_digits
from core.progress import run_sync
from tests.gui.conftest import wait_idle
from tests.models.helpers import built


def test_a_stream_of_inputs_computes_the_latest_never_a_queue(qtbot, session, runner, controllers):
    built(registry.DIGITS)
    digits = load_digits()
    started = []
    runner.started.connect(lambda kind, label: started.append(kind) if kind == "activations.layers" else None)
    rows = digits.heldout[:40]
    for r in rows:  # 40 inputs in one burst, faster than any job
        session.activations.digit = DigitInput.mnist(digits, int(r))
    wait_idle(qtbot, runner)
    assert len(started) <= 3  # the first, then only the latest
    res = session.activations.layers
    assert res.source.row == int(rows[-1]) and res.digit == int(np.argmax(res.probs))
    session.activations.digit = None
    assert session.activations.layers is None


def test_units_and_errors_without_panels(qtbot, session, runner, controllers, tmp_path):
    built(registry.DIGITS)
    session.activations.unit = ("probs", 4)
    qtbot.waitUntil(lambda: session.activations.exciting is not None, timeout=20000)
    assert (session.activations.exciting.labels == 4).all()
    (tmp_path / "x.png").write_bytes(b"nope")
    session.activations.digit = DigitInput.file(tmp_path / "x.png")
    wait_idle(qtbot, runner)
    assert "not an image" in session.activations.layers.error and not session.activations.layers.ok


def test_the_pad_digit_is_a_probe_only_while_the_digits_are_shown(qtbot, session, runner, controllers):
    built(registry.DIGITS)
    glove = session.embeddings
    imgs = run_sync(image_set_job(registry.open(registry.DIGITS), load_digits()))
    session.activations.digit = DigitInput.mnist(imgs.digits, 42)
    wait_idle(qtbot, runner)
    assert session.cloud.probes == () and session.activations.nearest is None
    session.activations.images = imgs
    session.set_embeddings(imgs.embeddings)
    (label, v), = session.cloud.probes
    assert label.startswith("pad: ") and session.activations.nearest.rows[0] == 42
    session.neighbours.query = imgs.embeddings.words[77]  # a click in the cloud or the neighbours list
    wait_idle(qtbot, runner)
    assert session.activations.digit.row == 77 and session.activations.layers.source.row == 77
    session.set_embeddings(glove)
    assert session.cloud.probes == () and session.activations.nearest is None


def test_the_mnist_digits_are_read_once_the_pad_is_shown(qtbot, session, runner, controllers):
    a = session.activations
    qtbot.wait(50)
    assert a.mnist is None and not runner.is_running("activations.digits")  # no pad shown: nothing read
    a.pad_shown = True
    qtbot.waitUntil(lambda: a.mnist is not None, timeout=60000)
    assert len(a.mnist) == 5000 and len(a.mnist.heldout) == 1000 and a.mnist_problem == ""
