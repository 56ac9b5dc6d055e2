"""Benchmarks: the Google analogies, WordSim-353 and SimLex-999, run in the background.

Runs through the runner (kind "benchmark") with its own progress bar and Cancel.
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

from core.embeddings.evaluation import AnalogyResult, PairResult, evaluate_analogies, evaluate_pairs
from core.errors import Cancelled
from core.progress import Progress
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage
from gui.widgets.progress_bar import LazyProgressBar

DATASETS = {"analogies": "Google analogies (19,544)", "ws353": "WordSim-353", "simlex": "SimLex-999"}
MAX_FAILURES_SHOWN = 2000
FAILURE_ROLE = Qt.ItemDataRole.UserRole


class BenchmarksPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self.result: AnalogyResult | PairResult | None = None

        # -- widgets ---------------------------------------------------------------
        self._dataset = QComboBox()
        for key, label in DATASETS.items():
            self._dataset.addItem(label, key)
        self._restrict = QSpinBox(minimum=100, maximum=10_000_000, value=30000, singleStep=10000,
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
        self._failures_label = QLabel("Failures")
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

        # -- widgets -> jobs / session ----------------------------------------------
        self._run.clicked.connect(self.start)
        self._cancel.clicked.connect(lambda: runner.cancel("benchmark"))
        self._dataset.currentIndexChanged.connect(self._on_dataset_chosen)
        self._failures.itemClicked.connect(self._on_failure_clicked)
        self._table.itemSelectionChanged.connect(self._fill_failures)
        bind(self, runner.finished, self._on_job_finished)
        bind(self, runner.cancelled, self._on_job_cancelled)
        bind(self, runner.failed, self._on_job_failed)

        # -- session -> widgets ----------------------------------------------------
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        self._on_embeddings_changed()
        self._on_dataset_chosen()

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        es = self._session.embeddings
        if es is None:
            self._message.show_message("Open an embedding set first.", "error")
            return
        dataset, restrict, method = self._dataset.currentData(), self._restrict.value(), self._method.currentData()
        backend = self._session.neighbours.chosen_backend()  # the neighbours panel's choice (3CosAdd asks it)
        if dataset == "analogies":
            def factory():
                return evaluate_analogies(es, restrict=restrict, method=method, backend=backend)
        else:
            def factory():
                return evaluate_pairs(es, dataset, restrict=restrict)
        self._message.clear_message()
        self._progress.setValue(0)
        self._status.setText(f"Running {DATASETS[dataset]} on the {min(restrict, len(es)):,} most frequent words…")
        self._run.setEnabled(False)
        self._cancel.setEnabled(True)
        self._runner.run("benchmark", factory, on_result=self._show_result, on_progress=self._on_progress,
                         label=f"benchmark: {DATASETS[dataset]}", on_error=self._on_problem)

    def _on_progress(self, p: Progress) -> None:
        if p.fraction >= 0:
            self._progress.setValue(int(p.fraction * 1000))
        if p.message:
            self._status.setText(p.message)

    def _on_job_finished(self, kind: str) -> None:
        if kind == "benchmark":
            self._run.setEnabled(self._session.embeddings is not None)
            self._cancel.setEnabled(False)

    def _on_job_cancelled(self, kind: str) -> None:
        if kind == "benchmark":
            self._status.setText("Cancelled.")

    def _on_problem(self, exc: BaseException) -> None:
        """An expected problem (core's ExplorerError), shown here only; a bug goes to the error dialog."""
        self._message.show_message(str(exc), "error")
        self._status.setText("Failed.")

    def _on_job_failed(self, kind: str, exc: BaseException) -> None:
        if kind == "benchmark" and not isinstance(exc, Cancelled):
            self._status.setText("Failed: see the error report.")  # the ErrorReporter shows it, once

    # -- results ---------------------------------------------------------------------------
    def _show_result(self, result: AnalogyResult | PairResult) -> None:
        self.result = result
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
    def _on_embeddings_changed(self) -> None:
        self._run.setEnabled(self._session.embeddings is not None and not self._runner.is_running("benchmark"))

    def _on_dataset_chosen(self, *_args) -> None:
        self._method.setEnabled(self._dataset.currentData() == "analogies")

    # -- for tests ------------------------------------------------------------------------
    @property
    def failures(self) -> QListWidget:
        return self._failures

    @property
    def table(self) -> QTableWidget:
        return self._table
