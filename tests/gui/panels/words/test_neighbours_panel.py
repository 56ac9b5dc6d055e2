"""Neighbours panel: typing, completion, metric/k, clicks, unknown words, case folding, linked selection."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.state.session import Session
from gui.panels.words.neighbours_panel import NeighboursPanel
from tests.gui.conftest import wait_idle


def make(qtbot, session, runner):
    panel = NeighboursPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_typing_a_word_sets_the_query_and_fills_the_table(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    qtbot.keyClicks(panel.search, "king")
    qtbot.waitUntil(lambda: session.query == "king", timeout=3000)
    wait_idle(qtbot, runner)
    words = [n.word for n in session.neighbours]
    assert words[:2] == ["prince", "queen"]
    assert panel.table.words() == words
    assert session.selection[0] == session.embeddings.id_of("king")
    assert len(session.selection) == 1 + session.k
    assert not panel.note.is_shown()


def test_enter_commits_at_once(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    qtbot.keyClicks(panel.search, "paris")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert session.query == "paris"


def test_completion_is_fed_from_the_prefix(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "kin")
    model = panel.completer.model()
    items = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert items[:3] == ["king", "kind", "kingdom"]
    assert 0 < len(items) <= 15


def test_session_query_updates_the_widgets(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.query = "france"
    assert panel.search.text() == "france"
    wait_idle(qtbot, runner)
    assert "spain" in panel.table.words()


def test_metric_and_k(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.query = "king"
    panel._k.setValue(5)
    assert session.k == 5
    panel._metric.setCurrentIndex(panel._metric.findData("euclid"))
    assert session.metric == "euclid"
    wait_idle(qtbot, runner)
    scores = [n.score for n in session.neighbours]
    assert len(scores) == 5 and scores == sorted(scores)  # distances rise
    session.metric = "dot"
    assert panel._metric.currentData() == "dot"
    session.k = 3
    assert panel._k.value() == 3
    wait_idle(qtbot, runner)
    assert len(panel.table.words()) == 3


def test_clicking_a_result_makes_it_the_query(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.query = "king"
    wait_idle(qtbot, runner)
    rect = panel.table.visualItemRect(panel.table.item(1, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.query == "queen"
    assert panel.search.text() == "queen"


def test_unknown_word_shows_close_spellings(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.query = "kingg"
    wait_idle(qtbot, runner)
    assert session.neighbours == ()
    assert panel.note.is_shown() and panel.note.kind == "error"
    assert "did you mean" in session.query_note and "king" in session.query_note
    assert 'href="word:king"' in panel.note.text()
    panel.note.linkActivated.emit("word:king")  # what a click on the link does
    assert session.query == "king"


def test_case_folding_is_shown(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.query = "King"
    wait_idle(qtbot, runner)
    assert session.query_note == "showing king for King"
    assert panel.note.is_shown() and panel.note.kind == "info"
    assert session.neighbours[0].word == "prince"


def test_a_single_selected_point_becomes_the_query(qtbot, session, runner):
    make(qtbot, session, runner)
    session.query = "king"
    wait_idle(qtbot, runner)
    session.selection = (session.embeddings.id_of("paris"),)
    assert session.query == "paris"
    wait_idle(qtbot, runner)
    assert session.selection[0] == session.embeddings.id_of("paris") and len(session.selection) > 1


def test_stale_results_are_dropped(qtbot, session, runner):
    make(qtbot, session, runner)
    for w in ("cat", "dog", "house", "river"):
        session.query = w
    wait_idle(qtbot, runner)
    assert session.neighbours and session.selection[0] == session.embeddings.id_of("river")


def test_no_embeddings_yet(qtbot, runner):
    s = Session()
    panel = make(qtbot, s, runner)
    qtbot.keyClicks(panel.search, "king")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert s.neighbours == ()
