"""Word arithmetic: an expression box evaluated live, 3CosAdd / 3CosMul, an analogy form.

The expression goes into ``session.arithmetic.expression`` (after a pause in typing);
the ArithmeticController evaluates it off the GUI thread and stores the outcome in
``session.arithmetic.outcome``: this panel shows its results, or its problem under the
box with a caret at the column.
"""
from __future__ import annotations

import html

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from core.embeddings.expression import parse
from core.errors import ExpressionError
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.theme import error_color
from gui.widgets.flow import flow_layout
from gui.widgets.inline_message import InlineMessage
from gui.widgets.score_table import ScoreTable

SEEDS = ("king - man + woman", "paris - france + italy", "sushi - japan + germany", "italy - germany + hitler")
METHODS = {"add": "3CosAdd", "mul": "3CosMul"}


class CalculatorPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._model = model = session.arithmetic

        # -- widgets ---------------------------------------------------------------
        self._expr = QLineEdit(placeholderText="king - man + woman   or   man : king :: woman : ?",
                               clearButtonEnabled=True)
        self._expr.setObjectName("expression")
        self._methods = QButtonGroup(self)
        method_row = flow_layout()  # wraps: "among the 400,000 selected" must not widen the dock
        for key, label in METHODS.items():
            b = QRadioButton(label)
            b.setProperty("method", key)
            self._methods.addButton(b)
            method_row.addWidget(b)
        self._exclude = QCheckBox("exclude inputs", toolTip="leave the words of the expression out of the results")
        method_row.addWidget(self._exclude)
        self._in_selection = QCheckBox("among the selection", toolTip="the answer only among the words selected "
                                       "in the cloud (box, lasso, regex: the Selection panel)")
        method_row.addWidget(self._in_selection)
        self._a, self._b, self._c = (QLineEdit(placeholderText=p) for p in ("man", "king", "woman"))
        self._solve = QPushButton("Solve")
        analogy = QHBoxLayout()
        for w in (self._a, QLabel(":"), self._b, QLabel("::"), self._c, QLabel(": ?"), self._solve):
            analogy.addWidget(w)
        seeds = flow_layout()
        seeds.addWidget(QLabel("Try:"))
        self._seed_buttons = []
        for text in SEEDS:
            b = QPushButton(text, flat=True, toolTip="evaluate this example")
            b.clicked.connect(lambda _=False, t=text: self._set_expression(t))
            self._seed_buttons.append(b)
            seeds.addWidget(b)
        self._error = InlineMessage(monospace=True)
        self._error.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._summary = QLabel(wordWrap=True)
        self._table = ScoreTable()
        self._table.setObjectName("calculator_results")

        layout = QVBoxLayout(self)
        layout.addWidget(self._expr)
        layout.addWidget(self._error)
        layout.addLayout(method_row)
        layout.addLayout(analogy)
        layout.addLayout(seeds)
        layout.addWidget(self._summary)
        layout.addWidget(self._table, 1)

        # -- widgets -> session ----------------------------------------------------
        self._expr.textEdited.connect(lambda _t: self._commit_typed())
        self._expr.returnPressed.connect(self._commit_now)
        self._methods.buttonToggled.connect(self._on_method_toggled)
        self._exclude.toggled.connect(lambda on: setattr(model, "exclude_inputs", on))
        self._in_selection.toggled.connect(lambda on: setattr(model, "in_selection", on))
        self._solve.clicked.connect(self._solve_analogy)
        for w in (self._a, self._b, self._c):
            w.returnPressed.connect(self._solve_analogy)
        self._table.word_activated.connect(lambda w: setattr(session.neighbours, "query", w))

        # -- session -> widgets ----------------------------------------------------
        ev = model.events
        bind(self, ev.expression, self._on_expression_changed)
        bind(self, ev.method, self._on_method_changed)
        bind(self, ev.exclude_inputs, self._on_exclude_inputs_changed)
        bind(self, ev.in_selection, self._on_exclude_inputs_changed)
        bind(self, session.events.selection, self._on_exclude_inputs_changed)
        bind(self, ev.outcome, self._on_outcome_changed)
        self._on_method_changed()
        self._on_exclude_inputs_changed()
        self._on_outcome_changed()
        self._on_expression_changed()

    # -- widgets -> session --------------------------------------------------------------
    @qdebounced(timeout=300)
    def _commit_typed(self) -> None:
        self._set_expression(self._expr.text())

    def _commit_now(self) -> None:
        self._commit_typed.cancel()
        self._set_expression(self._expr.text())

    def _set_expression(self, text: str) -> None:
        self._model.expression = text.strip()

    def _on_method_toggled(self, button, checked: bool) -> None:
        if checked:
            self._model.method = button.property("method")

    def _solve_analogy(self) -> None:
        a, b, c = (w.text().strip() or w.placeholderText() for w in (self._a, self._b, self._c))
        self._set_expression(f"{a} : {b} :: {c} : ?")

    # -- session -> widgets --------------------------------------------------------------
    def _on_expression_changed(self) -> None:
        text = self._model.expression
        if self._expr.text().strip() != text:
            with signals_blocked(self._expr):
                self._expr.setText(text)
        try:
            expr = parse(text) if "::" in text else None
        except ExpressionError:
            expr = None
        if expr is not None:  # b - a + c: show a, b, c in the form
            b, a, c = expr.words
            for w, v in ((self._a, a), (self._b, b), (self._c, c)):
                with signals_blocked(w):
                    w.setText(v)

    def _on_method_changed(self) -> None:
        for b in self._methods.buttons():
            if b.property("method") == self._model.method:
                with signals_blocked(self._methods):
                    b.setChecked(True)

    def _on_exclude_inputs_changed(self, *_changed) -> None:
        with signals_blocked(self._exclude), signals_blocked(self._in_selection):
            self._exclude.setChecked(self._model.exclude_inputs)
            self._in_selection.setChecked(self._model.in_selection)
        n = len(self._session.selection)
        self._in_selection.setText(f"among the {n:,} selected" if n else "among the selection")

    def _on_outcome_changed(self) -> None:
        out = self._model.outcome
        res = out.result if out is not None else None
        if res is None:
            self._table.set_rows([])
            self._summary.setText("")
        else:
            self._table.set_score_label("cosine" if res.method == "add" else "3CosMul score")
            self._table.set_rows([(n.word, n.score) for n in res.results],
                                 "similarity" if res.method == "add" else "larger")
            best = res.best
            shown = html.escape(str(res.expression))
            self._summary.setText(f"{shown} ≈ <b>{html.escape(best.word)}</b> ({best.score:.3f}, "
                                  f"{METHODS[res.method]})" if best else f"{shown}: no result")
            if res.answer is not None and res.answer.note.startswith("among"):
                self._summary.setText(f"{self._summary.text()} · {html.escape(res.answer.note)}")
        self._show_problem(out)

    def _show_problem(self, out) -> None:
        if out is None or not out.error:
            self._error.clear_message()
            self._expr.setStyleSheet("")
            self._expr.setToolTip("")
            return
        self._expr.setStyleSheet(f"QLineEdit {{ border: 1px solid {error_color()}; }}")
        self._expr.setToolTip(out.error)
        if out.column > 0:
            length = max(1, min(out.length, len(out.text) - out.column + 1))
            caret = " " * (out.column - 1) + "^" * length
            plain = f"{out.text}\n{caret}\n{out.error}"
        else:
            plain = out.error
        self._error.show_message(plain, "error")

    # -- for tests ------------------------------------------------------------------------
    @property
    def expression_box(self) -> QLineEdit:
        return self._expr

    @property
    def error(self) -> InlineMessage:
        return self._error

    @property
    def table(self) -> ScoreTable:
        return self._table

    @property
    def seed_buttons(self) -> list[QPushButton]:
        return list(self._seed_buttons)

    def method_button(self, key: str) -> QRadioButton:
        return next(b for b in self._methods.buttons() if b.property("method") == key)
