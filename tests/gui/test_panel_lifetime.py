"""A panel that is closed and deleted while work it asked for is running: the result arrives, reaches no
deleted widget, and nothing raises (pytest-qt fails a test on an exception in any slot). On a slow
machine this was "Internal C++ object (QCheckBox) already deleted" when a neighbours lookup came back
to a point cloud panel that a test had closed."""
from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QDockWidget, QWidget

from core.state.settings import Settings
from gui.main_window import MainWindow
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from gui.panels.words.neighbours_panel import NeighboursPanel
from tests.gui.conftest import found, wait_idle


def test_a_lookup_that_returns_to_a_deleted_cloud_panel_is_dropped(qtbot, session, runner, controllers):
    cloud = PointCloudPanel(session, runner)
    hood = NeighboursPanel(session, runner)
    for w in (cloud, hood):
        w.show()
    wait_idle(qtbot, runner)
    session.neighbours.query = "king"  # the lookup starts on a worker (debounced)
    shiboken6.delete(cloud)  # the C++ widgets go now, the Python objects stay referenced here
    shiboken6.delete(hood)
    wait_idle(qtbot, runner)
    assert [n.word for n in found(session)][:1] == ["prince"]  # the controller still answered
    session.neighbours.query = "queen"  # and later changes reach no deleted panel either
    session.set_embeddings(session.embeddings.subset(range(5000), name="GloVe 5k"))
    wait_idle(qtbot, runner)


def test_every_dock_deleted_while_its_work_is_in_flight(qtbot, session, runner):
    w = MainWindow(session, runner, settings=Settings(), persist=False, central=QWidget())
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, runner, timeout=60000)
    docks = w.findChildren(QDockWidget)
    assert len(docks) >= 14
    for dock in docks:  # every panel is shown once (panels that start work when first shown)
        dock.show()
        dock.raise_()
    qtbot.wait(50)
    # work for every room at once: a lookup, arithmetic, directions, the next word and the lens
    session.neighbours.query = "paris"
    session.arithmetic.expression = "king - man + woman"
    session.directions.pairs = "man -> woman, king -> queen"
    session.language.prompt = "Once upon a"
    panels = [d.widget() for d in docks]
    for dock, panel in zip(docks, panels):
        dock.close()
        shiboken6.delete(panel)
    wait_idle(qtbot, runner, timeout=120000)
    session.neighbours.query = "london"  # results of later work have no panel to reach
    session.language.prompt = "The capital of France is"
    session.set_embeddings(session.embeddings.subset(range(3000), name="GloVe 3k"))
    wait_idle(qtbot, runner, timeout=120000)
    assert found(session)
