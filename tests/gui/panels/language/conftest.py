"""What the language room's panel tests share: the built SmolLM2, a panel shown as the window shows
it (the state flag its dock activates set), and waiting for the next word's bars."""
from __future__ import annotations

import pytest

from core.inference import registry
from gui.docks import DOCKS, activate
from tests.models.helpers import built


@pytest.fixture
def lm_built():
    built(registry.LANGUAGE_MODEL)


@pytest.fixture
def show(show, session):
    """``show(PanelClass)``: the panel shown, then its dock's ``activates`` flag set (its model opens)."""
    def make(cls, *args, **kwargs):
        panel = show(cls, *args, **kwargs)
        for spec in DOCKS:
            if spec.panel == f"{cls.__module__}:{cls.__qualname__}" and spec.activates:
                activate(session, spec.activates)
        return panel

    return make


def wait_current(qtbot, session, timeout=60000):
    """Until the next word's bars answer the inputs and nothing runs."""
    m = session.language
    qtbot.waitUntil(lambda: m.view is not None and m.current and m.activity is None, timeout=timeout)
