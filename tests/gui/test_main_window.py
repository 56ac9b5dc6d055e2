"""Main window: docks, menus, status bar, theme, layout and what persists (opening and exporting files:
test_window_files.py)."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QWidget

from core.embeddings.default_set import LICENCE
from core.progress import Progress
from core.state.session import Session
from core.state.settings import Settings
from gui.docks import DOCKS
from gui.main_window import MainWindow
from tests.gui.conftest import found, wait_idle


def test_docks_menus_and_status_bar(window, session):
    assert set(window.docks) == {d.name for d in DOCKS}
    for name, dock in window.docks.items():
        assert isinstance(dock, QDockWidget) and dock.objectName() == name
        assert window.findChild(QDockWidget, name) is dock
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Search", "&Help"]
    view = window.menuBar().actions()[1].menu()
    toggles = [a for a in view.actions() if a.isCheckable()]
    assert {a.text() for a in toggles} >= {d.title for d in DOCKS}
    assert window.centralWidget() is not None
    label = window.status.embedding_label.text()
    assert "GloVe 20k" in label and "20,000 words" in label and "50 dimensions" in label


def test_panels_share_the_session(qtbot, window, session, runner):
    session.neighbours.query = "king"
    session.arithmetic.expression = "paris - france + italy"
    wait_idle(qtbot, runner)
    neighbours = window.panel("neighbours")
    calculator = window.panel("calculator")
    assert neighbours.table.words()[0] == "prince"
    assert calculator.table.words()[0] == "rome"
    assert calculator.expression_box.text() == "paris - france + italy"


def test_status_bar_shows_a_running_job_and_cancels_it(qtbot, window, runner):
    def slow():
        for i in range(200):
            yield Progress(i / 200, f"step {i}")
            import time
            time.sleep(0.01)
        return "done"

    results = []
    window.show()
    runner.run("slow", slow, results.append, label="a slow job")
    qtbot.waitUntil(lambda: window.status.cancel_button.isVisible(), timeout=3000)
    assert window.status.shown_job() == "slow"
    qtbot.waitUntil(lambda: "step" in window.status.job_label.text(), timeout=3000)
    assert window.status.job_label.text().startswith("a slow job: step")
    with qtbot.waitSignal(runner.cancelled, timeout=3000):
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert window.status.shown_job() != "slow"  # another job (the digits the pad reads) may show now
    wait_idle(qtbot, runner)
    assert not window.status.cancel_button.isVisible()
    assert results == []


def test_about_lists_versions_providers_and_licences(window):
    text = window.about_text()
    for part in ("Python 3.", "Qt 6.", "numpy 2.", "onnxruntime 1.", "CPUExecutionProvider", LICENCE,
                 "Held in memory now: "):
        assert part in text
    window.show_about()
    assert window._about_box.isVisible() and not window._about_box.isModal()
    window._about_box.close()


def test_theme(window):
    window.set_theme("dark")
    assert window.settings.theme == "dark" and window.theme_actions["dark"].isChecked()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80
    window.theme_actions["light"].trigger()
    assert window.settings.theme == "light"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 180


def test_raise_panel_and_reset_layout(window):
    assert window.raise_panel("benchmarks")
    assert not window.raise_panel("nope")
    window.docks["directions"].close()
    assert window.docks["directions"].isHidden()
    window.reset_layout()
    assert not window.docks["directions"].isHidden()


def test_layout_and_preferences_persist(qtbot, session, runner, tmp_path, small_glove_file):
    path = tmp_path / "settings.json"
    w = MainWindow(session, runner, settings_file=path, central=QWidget())
    qtbot.addWidget(w)
    w.show()
    w.docks["benchmarks"].close()
    session.neighbours.k = 7
    w.settings.add_recent(small_glove_file)
    w.close()
    data = json.loads(path.read_text())
    assert data["workspace_states"]["words"] and data["k"] == 7 and data["recent_files"] == [str(small_glove_file)]
    session2 = Session()
    w2 = MainWindow(session2, settings_file=path, central=QWidget())
    qtbot.addWidget(w2)
    assert w2.docks["benchmarks"].isHidden() and not w2.docks["neighbours"].isHidden()
    assert session2.neighbours.k == 7
    assert [a.text() for a in w2.recent_menu.actions()] == [str(small_glove_file)]
    w2.runner.shutdown()


def test_central_is_the_point_cloud_or_a_placeholder(qtbot, session, runner):
    w = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(w)
    try:
        from gui.panels.cloud.point_cloud_panel import PointCloudPanel
    except ImportError:
        assert isinstance(w.centralWidget(), QLabel)
    else:
        assert isinstance(w.centralWidget(), PointCloudPanel)
    w.runner.shutdown()


def test_the_window_keeps_its_size_while_a_set_loads_and_panels_react(qtbot, session, runner, small_glove_file):
    """Panels' texts change with every job; none may widen the window (a resize re-exposes it whole)."""
    w = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(w)
    w.resize(1280, 820)
    w.show()
    qtbot.waitExposed(w)
    wait_idle(qtbot, runner)
    size = w.size()
    assert size.width() == 1280 and w.minimumSizeHint().width() < 1280
    w.open_file(small_glove_file, "glove")
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    assert len(session.embeddings) == 500 and "trustworthiness" in w.centralWidget().controls.quality.text()
    for method in ("tsne", "axes", "pca"):  # every page of the cloud's parameters
        session.cloud.method = method
        qtbot.wait(20)
        assert w.size() == size, (method, {n: d.minimumSizeHint().width() for n, d in w.docks.items()})
    wait_idle(qtbot, runner)
    assert w.size() == size
    w.runner.shutdown()


@pytest.mark.parametrize("docks", [None, []], ids=["neighbours dock closed", "no docks at all"])
def test_neighbours_are_highlighted_with_their_dock_closed(qtbot, session, runner, docks):
    """The controllers belong to the window, not to the docks: a query set another way (as --query does,
    or a click on a word in the cloud) still gets its neighbours, which the cloud highlights."""
    from core.state.cloud_roles import roles_of
    from gui.panels.cloud.point_cloud_panel import PointCloudPanel

    session.cloud.point_count = 3000
    w = MainWindow(session, runner, settings=Settings(), persist=False, docks=docks)
    qtbot.addWidget(w)
    w.show()
    if "neighbours" in w.docks:
        w.docks["neighbours"].close()
        assert not w.docks["neighbours"].isVisible()
    cloud = w.centralWidget()
    assert isinstance(cloud, PointCloudPanel)
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=10000)
    session.neighbours.query = "queen"  # what --query does
    wait_idle(qtbot, runner)
    roles = roles_of(session).rows
    assert roles["query"] == [session.embeddings.id_of("queen")]
    assert roles["neighbour"] == [n.index for n in found(session)] and len(roles["neighbour"]) == 10
    assert len(cloud.view.highlight.data) == len(cloud.scene.highlights(roles)[0]) >= 11  # drawn
    i = cloud.scene.index_of(session.embeddings.id_of("paris"))
    cloud.view.point_clicked.emit(i)  # a click on "paris" in the cloud
    wait_idle(qtbot, runner)
    assert session.neighbours.query == "paris" and found(session)[0].word == "france"
    assert session.selection[0] == session.embeddings.id_of("paris") and len(session.selection) == 11
    w.runner.shutdown()


def test_an_opened_set_gets_its_fast_exact_copy_and_the_search_menu(qtbot, window, session, runner, glove_small):
    from core.embeddings.search import compressed

    es = glove_small.subset(range(4000), name="4k for the warm-up")
    window._on_loaded(es, None)
    session.neighbours.query = "king"
    wait_idle(qtbot, runner)
    assert compressed.get(es) is not None
    session.neighbours.query = "queen"
    wait_idle(qtbot, runner)
    assert session.neighbours.lookup.answer.note == "int8 scan + exact re-rank"
    search = window.menuBar().actions()[2].menu()
    assert [a.text() for a in search.actions()] == ["&Index…", "&Exact search"]
    session.neighbours.backend = "hnsw"
    search.actions()[1].trigger()
    assert session.neighbours.backend == "exact"
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Export to &Milvus…" in texts and "Open Milvus &collection…" in texts
    wait_idle(qtbot, runner)  # the lookup the switch asked for ends with this window


def test_a_dock_sets_its_state_flag_when_it_is_first_shown(qtbot, session, runner):
    """DockSpec.activates: the window sets the flag when the dock shows (a panel needs no paint hook)."""
    from gui.docks import DockSpec

    spec = DockSpec("probe", "Probe", "", "left", ("words",), activates="language.show_logits",
                    factory=lambda _session, _runner: QLabel("a panel whose model opens when shown"))
    w = MainWindow(session, runner, settings=Settings(), persist=False, docks=[spec], central=QWidget())
    qtbot.addWidget(w)
    w.workspaces.switch("train")  # not its workspace: the dock stays hidden, the flag unset
    w.show()
    qtbot.wait(50)
    assert not session.language.show_logits
    w.workspaces.switch("words")
    qtbot.waitUntil(lambda: session.language.show_logits, timeout=2000)
    w.runner.shutdown()
