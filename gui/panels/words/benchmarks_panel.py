"""Benchmarks: the Google analogies, WordSim-353 and SimLex-999, run in the background.

The panel writes the inputs and counts Run and Cancel in ``session.benchmarks``; the
BenchmarksController runs the job and stores its progress, result and problems there.
Analogies show a table per section and the list of failures; clicking a failure
puts it into ``session.arithmetic.expression``, where the calculator picks it up.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from core.embeddings.evaluation import AnalogyResult, PairResult
from core.state.benchmarks import CANCELLED, DATASETS
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage
from gui.widgets.progress_bar import LazyProgressBar

MAX_FAILURES_SHOWN = 2000
FAILURE_ROLE = Qt.ItemDataRole.UserRole


class BenchmarksPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._b = session, session.benchmarks
        self._busy = False  # a benchmark runs (``activity`` is set)
        self._before: AnalogyResult | PairResult | None = None  # the result when it started
        self._build()
        self._lay_out()
        self._bind_state()

    def _build(self) -> None:
        self._dataset = QComboBox()
        for key, label in DATASETS.items():
            self._dataset.addItem(label, key)
        self._restrict = QSpinBox(minimum=100, maximum=10_000_000, singleStep=10000,
                                  toolTip="use only the N most frequent words (gensim's restrict_vocab)")
        self._method = QComboBox()
        self._method.addItem("3CosAdd", "add")
        self._method.addItem("3CosMul", "mul")
        self._run = QPushButton("Run")
        self._cancel = QPushButton("Cancel", enabled=False)
        self._progress = LazyProgressBar(maximum=1000, text_visible=True)
        self._status = QLabel("Not run yet.", wordWrap=True)
        self._message = InlineMessage()
        self._table = QTableWidget(0, 0)
        self._table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.verticalHeader().setVisible(False)
        self._table.setAlternatingRowColors(True)
        self._failures = QListWidget()
        self._failures.setToolTip("click a failure to load it into the calculator")
        self._failures_label = QLabel("Failures")

    def _lay_out(self) -> None:
        top = QHBoxLayout()  # two rows: the panel fits a side column (gui.workspaces)
        for w in (self._dataset, QLabel("words:"), self._restrict):
            top.addWidget(w)
        runs = QHBoxLayout()
        for w in (self._method, self._run, self._cancel):
            runs.addWidget(w)
        runs.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._table)
        failures_box = QWidget()
        fl = QVBoxLayout(failures_box)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self._failures_label)
        fl.addWidget(self._failures)
        split.addWidget(failures_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(runs)
        layout.addWidget(self._progress)
        layout.addWidget(self._status)
        layout.addWidget(self._message)
        layout.addWidget(split, 1)

    def _bind_state(self) -> None:
        b = self._b
        # widgets -> session
        self._run.clicked.connect(self.start)
        self._cancel.clicked.connect(self.cancel)
        self._dataset.currentIndexChanged.connect(lambda _i: setattr(b, "dataset", self._dataset.currentData()))
        self._restrict.valueChanged.connect(lambda value: setattr(b, "restrict", value))
        self._method.currentIndexChanged.connect(lambda _i: setattr(b, "method", self._method.currentData()))
        self._failures.itemClicked.connect(self._on_failure_clicked)
        self._table.itemSelectionChanged.connect(self._fill_failures)
        # session -> widgets
        for e in (b.events.dataset, b.events.restrict, b.events.method):
            bind(self, e, self._on_inputs_changed)
        bind(self, b.events.activity, self._on_activity_changed)
        bind(self, b.events.result, self._on_result_changed)
        bind(self, b.events.problem, self._on_problem_changed)
        bind(self, self._session.events.embeddings, self._sync_buttons)
        self._on_inputs_changed()
        self._on_activity_changed()
        self._on_result_changed()
        self._on_problem_changed()

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        """Run (the BenchmarksController starts the job)."""
        self._b.run += 1

    def cancel(self) -> None:
        self._b.cancel += 1

    def _on_activity_changed(self) -> None:
        act, b = self._b.activity, self._b
        if act is not None:
            if not self._busy:
                self._busy, self._before = True, b.result
                self._message.clear_message()
            self._progress.setValue(int(act.fraction * 1000) if act.fraction >= 0 else 0)
            self._status.setText(act.message)
        elif self._busy:
            self._busy = False
            if b.result is self._before and not b.problem:  # cancelled (problem follows) or a bug
                self._status.setText("Failed: see the error report.")  # the ErrorReporter shows a bug, once
        self._sync_buttons()

    def _on_problem_changed(self) -> None:
        problem = self._b.problem
        if problem == CANCELLED:
            self._message.clear_message()
            self._status.setText("Cancelled.")
        elif problem:
            self._message.show_message(problem, "error")  # an expected problem, shown here only
            self._status.setText("Failed.")
        else:
            self._message.clear_message()

    def _sync_buttons(self, *_changed) -> None:
        busy = self._b.activity is not None
        self._run.setEnabled(self._session.embeddings is not None and not busy)
        self._cancel.setEnabled(busy)

    # -- results ---------------------------------------------------------------------------
    @property
    def result(self) -> AnalogyResult | PairResult | None:
        return self._b.result

    def _on_result_changed(self) -> None:
        result = self._b.result
        if result is None:
            self._set_table([], [])
            self._fill_failures()
            return
        self._progress.setValue(1000)
        if isinstance(result, AnalogyResult):
            self._status.setText(
                f"Accuracy {result.accuracy:.1%} ({result.correct:,}/{result.total:,} questions, "
                f"{result.skipped:,} skipped as out of vocabulary; {result.restrict:,} words, "
                f"{'3CosAdd' if result.method == 'add' else '3CosMul'}"
                + (f"; answers proposed by {result.answered_by}" if result.answered_by != "exact" else "") + ")")
            rows = [(s.name, f"{s.accuracy:.1%}", f"{s.correct:,}", f"{s.total:,}", f"{s.skipped:,}")
                    for s in result.sections]
            self._set_table(["section", "accuracy", "correct", "questions", "skipped"], rows)
        else:
            self._status.setText(
                f"{DATASETS.get(result.name, result.name)}: Spearman {result.spearman:.3f}, Pearson "
                f"{result.pearson:.3f} on {result.pairs:,} pairs ({result.oov:,} out of vocabulary)")
            rows = [(a, b, f"{h:.2f}", f"{c:.3f}") for a, b, h, c in result.rows]
            self._set_table(["word", "word", "human", "cosine"], rows)
        self._fill_failures()

    def _set_table(self, headers: list[str], rows: list[tuple[str, ...]]) -> None:
        t = self._table
        t.clear()
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                item = QTableWidgetItem(value)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, j, item)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)

    def _fill_failures(self) -> None:
        """Failures of the selected sections (all when none is selected)."""
        self._failures.clear()
        res = self.result
        if not isinstance(res, AnalogyResult):
            self._failures_label.setText("Failures (analogies only)")
            return
        picked = {self._table.item(i.row(), 0).text() for i in self._table.selectionModel().selectedRows()}
        failures = [f for f in res.failures if not picked or f.section in picked]
        for f in failures[:MAX_FAILURES_SHOWN]:
            item = QListWidgetItem(f"{f.a} : {f.b} :: {f.c} : {f.expected}   (got {f.predicted})")
            item.setData(FAILURE_ROLE, f.expression)
            item.setToolTip(f"{f.section}: {f.expression}")
            self._failures.addItem(item)
        more = f", first {MAX_FAILURES_SHOWN:,} shown" if len(failures) > MAX_FAILURES_SHOWN else ""
        self._failures_label.setText(f"Failures: {len(failures):,}{more} (click one to open it in the calculator)")

    def _on_failure_clicked(self, item: QListWidgetItem) -> None:
        self._session.arithmetic.expression = item.data(FAILURE_ROLE)

    # -- session -> widgets --------------------------------------------------------------
    def _on_inputs_changed(self) -> None:
        b = self._b
        with signals_blocked(self._dataset), signals_blocked(self._restrict), signals_blocked(self._method):
            self._dataset.setCurrentIndex(max(self._dataset.findData(b.dataset), 0))
            self._restrict.setValue(b.restrict)
            self._method.setCurrentIndex(max(self._method.findData(b.method), 0))
        self._method.setEnabled(b.dataset == "analogies")

    # -- for tests ------------------------------------------------------------------------
    @property
    def message(self) -> InlineMessage:
        return self._message

    @property
    def failures(self) -> QListWidget:
        return self._failures

    @property
    def table(self) -> QTableWidget:
        return self._table
