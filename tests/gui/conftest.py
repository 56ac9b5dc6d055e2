"""GUI fixtures: a Session on the 20k GloVe subset, a TaskRunner shut down after each test, the
window's controllers, and ``show(PanelClass)`` to build and show a panel on them; helpers that read
results out of the Session; ``window`` (the MainWindow around a plain central widget) and
``small_glove_file`` (a real GloVe text file) for the window's tests."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from core.embeddings.exporters import write_word2vec_text
from core.progress import run_sync
from core.state.session import Session
from core.state.settings import Settings
from gui.controllers import Controllers
from gui.main_window import MainWindow
from gui.task_runner import TaskRunner

# The offscreen platform plugin says these when a window or popup is shown; they are harmless
# and only these are ignored (qt_log_level_fail = WARNING catches everything else).
OFFSCREEN_NOTICES = (
    r"^This plugin does not support propagateSizeHints\(\)$",
    r"^This plugin does not support raise\(\)$",
    r"^This plugin does not support grabbing the keyboard$",
    r"^This plugin does not support grabbing the mouse$",  # a popup opened while a button is held (the monkey)
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


@pytest.fixture
def controllers(qtbot, session, runner) -> Controllers:
    """What computes neighbours, arithmetic and directions in the window (panels only show them)."""
    return Controllers(session, runner)


@pytest.fixture
def show(qtbot, session, runner, controllers):
    """``show(PanelClass)``: the panel on the session and runner, shown, closed after the test."""
    def make(cls, *args, **kwargs):
        panel = cls(session, runner, *args, **kwargs)
        qtbot.addWidget(panel)
        panel.show()
        return panel

    return make


def found(session: Session) -> tuple:
    """The neighbours of the current lookup (empty when there is none)."""
    lk = session.neighbours.lookup
    return lk.neighbours if lk is not None else ()


def note(session: Session) -> str:
    lk = session.neighbours.lookup
    return lk.note if lk is not None else ""


def problem(session: Session):
    """The arithmetic outcome (``.error``, ``.column``), or an empty one."""
    from core.embeddings.arithmetic import Outcome

    return session.arithmetic.outcome or Outcome(session.arithmetic.expression)


def scores(session: Session) -> list:
    out = session.directions.outcome
    return list(out.scores) if out is not None else []


def wait_idle(qtbot, runner: TaskRunner, timeout: int = 30000) -> None:
    """Until no job has run for 150 ms: debounced requests (30 ms) have fired and their jobs ended. The
    timeout is generous: on a 2-core machine busy with other work (a build beside the test run), a layout's
    follow-up jobs (trustworthiness, names) once took longer than 10 s, and a fixture failed."""
    waited, stable = 0, 0
    while stable < 5:
        qtbot.wait(30)
        waited += 30
        stable = 0 if runner.is_running() else stable + 1
        assert waited < timeout, f"still running after {timeout} ms: {runner.running()}"


@pytest.fixture
def small_glove_file(tmp_path, glove_small):
    """A real GloVe text file of the 500 most frequent words."""
    path = tmp_path / "small.txt"
    run_sync(write_word2vec_text(glove_small, path, header=False, rows=range(500)))
    return path


@pytest.fixture
def window(qtbot, session, runner):
    """The window around a plain central widget: the point cloud has its own tests (and one here)."""
    w = MainWindow(session, runner, settings=Settings(), persist=False, central=QWidget())
    qtbot.addWidget(w)
    yield w
    w.runner.shutdown()
