"""Calculator panel: live expressions, 3CosAdd/3CosMul, analogy form, seeds, inline errors with a caret."""
from __future__ import annotations

from PySide6.QtCore import Qt

from gui.panels.words.calculator_panel import SEEDS, CalculatorPanel
from tests.gui.conftest import wait_idle


def make(qtbot, session, runner):
    panel = CalculatorPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_typing_an_expression_evaluates_it_live(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    qtbot.keyClicks(panel.expression_box, "king - man + woman")
    qtbot.waitUntil(lambda: session.expression == "king - man + woman", timeout=3000)
    wait_idle(qtbot, runner)
    res = session.arithmetic
    assert res is not None and res.best.word == "queen"
    assert res.input_words == ("king", "man", "woman")
    assert panel.table.words()[0] == "queen"
    assert session.expression_error == "" and not panel.error.is_shown()


def test_malformed_expression_points_at_the_column(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    qtbot.keyClicks(panel.expression_box, "king - + man")
    qtbot.keyClick(panel.expression_box, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert session.arithmetic is None
    assert session.expression_error_column == 8
    assert "two operators" in session.expression_error
    lines = panel.error.plain.splitlines()
    assert lines[0] == "king - + man"
    assert lines[1] == " " * 7 + "^"
    assert panel.error.is_shown() and panel.error.kind == "error"
    assert panel.table.rowCount() == 0


def test_unknown_word_is_underlined_with_suggestions(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.expression = "king - mna + woman"
    wait_idle(qtbot, runner)
    assert session.expression_error_column == 8
    assert "did you mean" in session.expression_error and "man" in session.expression_error
    assert panel.error.plain.splitlines()[1] == " " * 7 + "^^^"
    session.expression = "king - man + woman"  # fixing it clears the error
    wait_idle(qtbot, runner)
    assert not panel.error.is_shown() and session.arithmetic.best.word == "queen"


def test_method_switch(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.expression = "paris - france + italy"
    wait_idle(qtbot, runner)
    assert session.arithmetic.method == "add" and session.arithmetic.best.word == "rome"
    qtbot.mouseClick(panel.method_button("mul"), Qt.MouseButton.LeftButton)
    assert session.arithmetic_method == "mul"
    wait_idle(qtbot, runner)
    assert session.arithmetic.method == "mul" and session.arithmetic.best.word == "rome"
    session.arithmetic_method = "add"
    assert panel.method_button("add").isChecked()


def test_analogy_form(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    for box, word in ((panel._a, "man"), (panel._b, "king"), (panel._c, "woman")):
        qtbot.keyClicks(box, word)
    qtbot.mouseClick(panel._solve, Qt.MouseButton.LeftButton)
    assert session.expression == "man : king :: woman : ?"
    wait_idle(qtbot, runner)
    assert session.arithmetic.best.word == "queen"


def test_session_expression_fills_the_form_and_box(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.expression = "france : paris :: japan : ?"
    assert panel.expression_box.text() == "france : paris :: japan : ?"
    assert (panel._a.text(), panel._b.text(), panel._c.text()) == ("france", "paris", "japan")
    wait_idle(qtbot, runner)
    assert session.arithmetic.best.word == "tokyo"


def test_seed_examples_are_one_click_away(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    assert [b.text() for b in panel.seed_buttons] == list(SEEDS)
    qtbot.mouseClick(panel.seed_buttons[0], Qt.MouseButton.LeftButton)
    assert session.expression == SEEDS[0]
    wait_idle(qtbot, runner)
    assert session.arithmetic.best.word == "queen"


def test_exclude_inputs(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.expression = "king - man + woman"
    panel._exclude.setChecked(False)
    assert session.exclude_inputs is False
    wait_idle(qtbot, runner)
    assert "king" in [n.word for n in session.arithmetic.results]


def test_activating_a_result_makes_it_the_query(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    panel.table.cellActivated.emit(0, 1)
    assert session.query == "queen"
