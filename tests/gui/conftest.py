"""GUI fixtures: a Session on the 20k GloVe subset, a TaskRunner shut down after each test."""
from __future__ import annotations

import pytest

from core.session import Session
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
    """Until every job is done and debounced requests have fired (they start jobs)."""
    def idle():
        assert not runner.is_running()
    qtbot.wait(60)  # debounce timers of requests (30 ms)
    qtbot.waitUntil(idle, timeout=timeout)
