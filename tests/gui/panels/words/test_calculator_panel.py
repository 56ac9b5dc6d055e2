"""Calculator panel: live expressions, 3CosAdd/3CosMul, analogy form, seeds, inline errors with a caret."""
from __future__ import annotations

from PySide6.QtCore import Qt

from gui.panels.words.calculator_panel import SEEDS, CalculatorPanel
from tests.gui.conftest import problem, wait_idle


def test_typing_an_expression_evaluates_it_live(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    qtbot.keyClicks(panel.expression_box, "king - man + woman")
    qtbot.waitUntil(lambda: session.arithmetic.expression == "king - man + woman", timeout=3000)
    wait_idle(qtbot, runner)
    res = session.arithmetic.result
    assert res is not None and res.best.word == "queen"
    assert res.input_words == ("king", "man", "woman")
    assert panel.table.words()[0] == "queen"
    assert problem(session).error == "" and not panel.error.is_shown()


def test_malformed_expression_points_at_the_column(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    qtbot.keyClicks(panel.expression_box, "king - + man")
    qtbot.keyClick(panel.expression_box, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert session.arithmetic.result is None
    assert problem(session).column == 8
    assert "two operators" in problem(session).error
    lines = panel.error.plain.splitlines()
    assert lines[0] == "king - + man"
    assert lines[1] == " " * 7 + "^"
    assert panel.error.is_shown() and panel.error.kind == "error"
    assert panel.table.rowCount() == 0


def test_unknown_word_is_underlined_with_suggestions(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "king - mna + woman"
    wait_idle(qtbot, runner)
    assert problem(session).column == 8
    assert "did you mean" in problem(session).error and "man" in problem(session).error
    assert panel.error.plain.splitlines()[1] == " " * 7 + "^^^"
    session.arithmetic.expression = "king - man + woman"  # fixing it clears the error
    wait_idle(qtbot, runner)
    assert not panel.error.is_shown() and session.arithmetic.result.best.word == "queen"


def test_method_switch(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "paris - france + italy"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.method == "add" and session.arithmetic.result.best.word == "rome"
    qtbot.mouseClick(panel.method_button("mul"), Qt.MouseButton.LeftButton)
    assert session.arithmetic.method == "mul"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.method == "mul" and session.arithmetic.result.best.word == "rome"
    session.arithmetic.method = "add"
    assert panel.method_button("add").isChecked()


def test_analogy_form(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    for box, word in ((panel._a, "man"), (panel._b, "king"), (panel._c, "woman")):
        qtbot.keyClicks(box, word)
    qtbot.mouseClick(panel._solve, Qt.MouseButton.LeftButton)
    assert session.arithmetic.expression == "man : king :: woman : ?"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.best.word == "queen"


def test_session_expression_fills_the_form_and_box(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "france : paris :: japan : ?"
    assert panel.expression_box.text() == "france : paris :: japan : ?"
    assert (panel._a.text(), panel._b.text(), panel._c.text()) == ("france", "paris", "japan")
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.best.word == "tokyo"


def test_seed_examples_are_one_click_away(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    assert [b.text() for b in panel.seed_buttons] == list(SEEDS)
    qtbot.mouseClick(panel.seed_buttons[0], Qt.MouseButton.LeftButton)
    assert session.arithmetic.expression == SEEDS[0]
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.best.word == "queen"


def test_exclude_inputs(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "king - man + woman"
    panel._exclude.setChecked(False)
    assert session.arithmetic.exclude_inputs is False
    wait_idle(qtbot, runner)
    assert "king" in [n.word for n in session.arithmetic.result.results]


def test_activating_a_result_makes_it_the_query(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    panel.table.cellActivated.emit(0, 1)
    assert session.neighbours.query == "queen"


def test_the_answer_among_the_selection_only(qtbot, session, runner, show):
    panel = show(CalculatorPanel)
    session.arithmetic.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.best.word == "queen"
    session.select_words(["princess", "mother", "girl", "dog", "car", "king", "woman"])
    panel._in_selection.setChecked(True)  # the box, as a user ticks it
    assert session.arithmetic.in_selection and "7 selected" in panel._in_selection.text()
    wait_idle(qtbot, runner)
    res = session.arithmetic.result
    assert [n.word for n in res.results][:3] == ["princess", "mother", "girl"]  # queen is not selected
    assert {n.word for n in res.results} <= {"princess", "mother", "girl", "dog", "car"}  # inputs excluded
    assert "among the 7 selected words" in res.answer.note and "among the 7" in panel._summary.text()
    session.select_words(["queen", "dog"])  # a new selection: evaluated again
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.best.word == "queen"
    session.selection = ()
    wait_idle(qtbot, runner)
    assert "selection is empty" in session.arithmetic.outcome.error
