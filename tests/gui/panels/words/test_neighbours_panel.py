"""Neighbours panel: typing, completion, metric/k, clicks, unknown words, case folding, linked selection."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.state.session import Session
from gui.controllers import Controllers
from gui.panels.words.neighbours_panel import NeighboursPanel
from tests.gui.conftest import found, note, wait_idle


def test_typing_a_word_sets_the_query_and_fills_the_table(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    qtbot.keyClicks(panel.search, "king")
    qtbot.waitUntil(lambda: session.neighbours.query == "king", timeout=3000)
    wait_idle(qtbot, runner)
    words = [n.word for n in found(session)]
    assert words[:2] == ["prince", "queen"]
    assert panel.table.words() == words
    assert session.selection[0] == session.embeddings.id_of("king")
    assert len(session.selection) == 1 + session.neighbours.k
    assert not panel.note.is_shown()


def test_enter_commits_at_once(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    qtbot.keyClicks(panel.search, "paris")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert session.neighbours.query == "paris"


def test_completion_is_fed_from_the_prefix(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "kin")
    model = panel.completer.model()
    items = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert items[:3] == ["king", "kind", "kingdom"]
    assert 0 < len(items) <= 15


def test_session_query_updates_the_widgets(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.query = "france"
    assert panel.search.text() == "france"
    wait_idle(qtbot, runner)
    assert "spain" in panel.table.words()


def test_metric_and_k(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.query = "king"
    panel._k.setValue(5)
    assert session.neighbours.k == 5
    panel._metric.setCurrentIndex(panel._metric.findData("euclid"))
    assert session.neighbours.metric == "euclid"
    wait_idle(qtbot, runner)
    scores = [n.score for n in found(session)]
    assert len(scores) == 5 and scores == sorted(scores)  # distances rise
    session.neighbours.metric = "dot"
    assert panel._metric.currentData() == "dot"
    session.neighbours.k = 3
    assert panel._k.value() == 3
    wait_idle(qtbot, runner)
    assert len(panel.table.words()) == 3


def test_clicking_a_result_makes_it_the_query(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.query = "king"
    wait_idle(qtbot, runner)
    rect = panel.table.visualItemRect(panel.table.item(1, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.neighbours.query == "queen"
    assert panel.search.text() == "queen"


def test_unknown_word_shows_close_spellings(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.query = "kingg"
    wait_idle(qtbot, runner)
    assert found(session) == ()
    assert panel.note.is_shown() and panel.note.kind == "error"
    assert "did you mean" in note(session) and "king" in note(session)
    assert 'href="word:king"' in panel.note.text()
    panel.note.linkActivated.emit("word:king")  # what a click on the link does
    assert session.neighbours.query == "king"


def test_case_folding_is_shown(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.query = "King"
    wait_idle(qtbot, runner)
    assert note(session) == "showing king for King"
    assert panel.note.is_shown() and panel.note.kind == "info"
    assert found(session)[0].word == "prince"


def test_a_single_selected_point_becomes_the_query(qtbot, session, runner, show):
    show(NeighboursPanel)
    session.neighbours.query = "king"
    wait_idle(qtbot, runner)
    session.selection = (session.embeddings.id_of("paris"),)
    assert session.neighbours.query == "paris"
    wait_idle(qtbot, runner)
    assert session.selection[0] == session.embeddings.id_of("paris") and len(session.selection) > 1


def test_stale_results_are_dropped(qtbot, session, runner, show):
    show(NeighboursPanel)
    for w in ("cat", "dog", "house", "river"):
        session.neighbours.query = w
    wait_idle(qtbot, runner)
    assert found(session) and session.selection[0] == session.embeddings.id_of("river")


def test_no_embeddings_yet(qtbot, runner):
    s = Session()
    Controllers(s, runner)
    panel = NeighboursPanel(s, runner)
    qtbot.addWidget(panel)
    qtbot.keyClicks(panel.search, "king")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert s.neighbours.query == "king" and s.neighbours.lookup is None


def test_results_exist_without_the_panel(qtbot, session, runner, controllers):
    """The controller computes neighbours whether or not the panel is open."""
    session.neighbours.query = "queen"
    wait_idle(qtbot, runner)
    assert found(session)[0].word == "princess"
    assert session.selection[0] == session.embeddings.id_of("queen")


def test_backend_buttons_show_what_the_set_has_and_who_answered(qtbot, session, runner, show):
    from core.embeddings.search.base import Engines
    from core.embeddings.search.exact import ExactBackend

    panel = show(NeighboursPanel)
    buttons = panel.backend.buttons
    assert buttons["exact"].isChecked() and buttons["exact"].isEnabled()
    assert not buttons["hnsw"].isEnabled() and "Index…" in buttons["hnsw"].toolTip()
    session.neighbours.query = "king"
    wait_idle(qtbot, runner)
    assert panel.backend.answer.text().startswith("answered by exact · recall@10 1.000 · ")
    stand_in = ExactBackend(session.embeddings)  # any backend object will do for the buttons
    stand_in.name, stand_in.label, stand_in.recall = "hnsw", "HNSW (stand-in)", 0.97
    session.neighbours.engines = Engines(hnsw=stand_in, message="HNSW index built")
    assert buttons["hnsw"].isEnabled() and panel.backend.message.plain == "HNSW index built"
    qtbot.mouseClick(buttons["hnsw"], Qt.MouseButton.LeftButton)
    assert session.neighbours.backend == "hnsw" and buttons["hnsw"].isChecked()
    wait_idle(qtbot, runner)
    assert "answered by HNSW (stand-in) · recall@10 0.970" in panel.backend.answer.text()
    qtbot.mouseClick(buttons["exact"], Qt.MouseButton.LeftButton)  # exact, one click away
    assert session.neighbours.backend == "exact"
    session.neighbours.engines = Engines(message="Milvus at x does not answer", problem=True)
    assert panel.backend.message.kind == "error"
    with qtbot.waitSignal(panel.index_requested):
        qtbot.mouseClick(panel.backend.index_button, Qt.MouseButton.LeftButton)


def test_a_chosen_backend_the_set_lacks_says_exact_answered(qtbot, session, runner, show):
    panel = show(NeighboursPanel)
    session.neighbours.backend = "milvus"
    session.neighbours.query = "queen"
    wait_idle(qtbot, runner)
    assert session.neighbours.lookup.answer.backend == "exact"
    assert "no Milvus for this set yet (Index…); exact search answered" in panel.backend.answer.text()
