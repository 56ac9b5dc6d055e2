"""GUI fixtures: a Session on the 20k GloVe subset, a TaskRunner shut down after each test."""
from __future__ import annotations

import pytest

from core.state.session import Session
from gui.task_runner import TaskRunner

# The offscreen platform plugin says these when a window or popup is shown; they are harmless
# and only these are ignored (qt_log_level_fail = WARNING catches everything else).
OFFSCREEN_NOTICES = (
    r"^This plugin does not support propagateSizeHints\(\)$",
    r"^This plugin does not support raise\(\)$",
    r"^This plugin does not support grabbing the keyboard$",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/gui" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOTICES))


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def session(glove_small) -> Session:
    s = Session()
    s.set_embeddings(glove_small)
    return s


def wait_idle(qtbot, runner: TaskRunner, timeout: int = 10000) -> None:
    """Until no job has run for 150 ms: debounced requests (30 ms) have fired and their jobs ended."""
    waited, stable = 0, 0
    while stable < 5:
        qtbot.wait(30)
        waited += 30
        stable = 0 if runner.is_running() else stable + 1
        assert waited < timeout, f"still running after {timeout} ms: {runner.running()}"
