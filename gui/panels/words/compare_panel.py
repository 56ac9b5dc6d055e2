"""Compare two sets: pick two (the active set, the bundled GloVe, a word2vec run's epochs, SmolLM2's token
embeddings in fp32 and from its 4-bit copy), align them on their shared words and rank the words by how far
they moved and how much their nearest neighbours overlap; the words that moved most are drawn as arrows in
the cloud. A source that is not at hand (the 4-bit copy not built) is listed greyed, its tooltip says why.

The panel writes ``session.compare`` (a, b, k, sort, arrows_shown; Compare and Cancel are counters); the
CompareController runs the comparison and places the arrows. Clicking a word selects it in the cloud.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from core.state.compare import CANCELLED, SORTS, TOKEN_PRECISIONS, sources, token_sources
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage
from gui.widgets.progress_bar import LazyProgressBar

ROWS_SHOWN = 500  # the ranking's first rows in the table


def moved_text(v: float) -> str:
    """A cosine distance: three decimals, or two significant digits below 0.001 (fp32 against its 4-bit
    copy moves a token by about 5e-5, which three decimals showed as 0.000 on every row)."""
    return f"{v:.3f}" if v == 0 or abs(v) >= 0.001 else f"{v:.1e}"


class ComparePanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._st = session, session.compare
        self._build()
        self._bind_state()

    def _build(self) -> None:
        self._a, self._b = QComboBox(), QComboBox()
        for box in (self._a, self._b):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(18)
        self._k = QSpinBox(minimum=1, maximum=100, toolTip="nearest neighbours compared (Jaccard index)")
        self._sort = QComboBox(toolTip="the ranking's order; the arrows follow it")
        for key, label in SORTS.items():
            self._sort.addItem(label, key)
        self._arrows = QSpinBox(minimum=0, maximum=500, toolTip="the first words of the ranking drawn as arrows "
                                "in the cloud (from the word to where its other vector lands)")
        self._run = QPushButton("Compare")
        self._cancel = QPushButton("Cancel", enabled=False)
        self._progress = LazyProgressBar(maximum=1000, text_visible=True)
        policy = self._progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # shown while comparing and with a result: nothing below moves
        self._progress.setSizePolicy(policy)
        self._progress.hide()
        self._status = QLabel("Pick two sets and press Compare.", wordWrap=True)
        self._message = InlineMessage()
        self._note = QLabel(wordWrap=True)
        self._table = QTableWidget(0, 3)
        self._table.setHorizontalHeaderLabels(["word", "moved", "overlap"])
        self._table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.verticalHeader().setVisible(False)
        self._table.setToolTip("moved: cosine distance after alignment; overlap: Jaccard index of the k nearest "
                               "neighbours in either set. Click a word to select it in the cloud.")
        header = self._table.horizontalHeader()
        # the word takes what is left (a long token is elided); sized to contents, 500 rows of words had made
        # the table wider than a 1366-pixel screen's dock, the overlap column cut off
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self._table.verticalHeader().setDefaultSectionSize(22)  # as the other rankings (ScoreTable)
        self._table.setMinimumHeight(6 * 22 + 26)  # a few rows at least: a short dock scrolls instead
        grid = QGridLayout()
        grid.addWidget(QLabel("A:"), 0, 0)
        grid.addWidget(self._a, 0, 1)
        grid.addWidget(QLabel("B:"), 1, 0)
        grid.addWidget(self._b, 1, 1)
        grid.setColumnStretch(1, 1)
        runs = QHBoxLayout()
        for w in (QLabel("k:"), self._k, self._run, self._cancel):
            runs.addWidget(w)
        runs.addStretch(1)
        shown = QHBoxLayout()
        for w in (self._sort, QLabel("arrows:"), self._arrows):
            shown.addWidget(w)
        shown.addStretch(1)
        layout = QVBoxLayout(self)
        for part in (grid, runs, self._progress, self._status, self._message, shown, self._note):
            (layout.addWidget if isinstance(part, QWidget) else layout.addLayout)(part)
        layout.addWidget(self._table, 1)

    def _bind_state(self) -> None:
        st, s = self._st, self._session
        self._run.clicked.connect(self.start)
        self._cancel.clicked.connect(self.cancel)
        self._a.currentIndexChanged.connect(lambda _i: self._write("a", self._a.currentData()))
        self._b.currentIndexChanged.connect(lambda _i: self._write("b", self._b.currentData()))
        self._k.valueChanged.connect(lambda v: setattr(st, "k", v))
        self._sort.currentIndexChanged.connect(lambda _i: setattr(st, "sort", self._sort.currentData()))
        self._arrows.valueChanged.connect(lambda v: setattr(st, "arrows_shown", v))
        self._table.cellClicked.connect(self._on_clicked)
        for e in (s.events.embeddings, s.training.events.run, s.training.events.other):
            bind(self, e, self._fill_sources)
        for e in (st.events.a, st.events.b, st.events.k, st.events.sort, st.events.arrows_shown):
            bind(self, e, self._on_inputs_changed)
        bind(self, st.events.activity, self._on_activity_changed)
        bind(self, st.events.problem, self._on_problem_changed)
        bind(self, st.events.result, self._on_result_changed)
        bind(self, st.events.sort, self._on_result_changed)
        bind(self, st.events.note, self._on_note_changed)
        self._fill_sources()
        self._on_activity_changed()
        self._on_problem_changed()
        self._on_result_changed()
        self._on_note_changed()

    def _write(self, field: str, key: str | None) -> None:
        if key is not None:
            setattr(self._st, field, key)

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        self._st.run += 1

    def cancel(self) -> None:
        self._st.cancel += 1

    def _on_activity_changed(self) -> None:
        act = self._st.activity
        busy = act is not None
        if busy:
            self._message.clear_message()
            self._progress.setValue(int(act.fraction * 1000) if act.fraction >= 0 else 0)
            self._status.setText(act.message)
        self._run.setEnabled(not busy)
        self._cancel.setEnabled(busy)
        self._progress.setVisible(busy or self._st.result is not None)

    def _on_problem_changed(self) -> None:
        problem = self._st.problem
        if problem == CANCELLED:
            self._message.clear_message()
            self._status.setText("Cancelled.")
        elif problem:
            self._message.show_message(problem, "error")
            self._status.setText("Not compared.")
        else:
            self._message.clear_message()

    def _on_note_changed(self) -> None:
        self._note.setText(self._st.note)

    # -- the ranking -------------------------------------------------------------------------
    def _on_result_changed(self, *_changed) -> None:
        cmp = self._st.result
        t = self._table
        if cmp is None:
            t.setRowCount(0)
            self._progress.setVisible(self._st.activity is not None)
            return
        self._progress.setValue(1000)
        self._progress.show()
        overlaps = cmp.overlap[~np.isnan(cmp.overlap)]
        mean_ov = f" · mean overlap {overlaps.mean():.2f} among the {cmp.pool:,} most frequent" if len(overlaps) else ""
        unit = "tokens" if self._st.a in TOKEN_PRECISIONS and self._st.b in TOKEN_PRECISIONS else "words"
        # the sets' names are in A and B above (and in the tooltip): the text leaves the ranking its room
        self._status.setText(f"{cmp.shared:,} shared {unit} · median moved "
                             f"{moved_text(float(np.median(cmp.moved)))}{mean_ov} (k = {cmp.k})")
        self._status.setToolTip(" vs ".join(cmp.names))
        if cmp.notice:
            self._message.show_message(cmp.notice, "warning")
        idx = cmp.order(self._st.sort)[:ROWS_SHOWN]
        t.setRowCount(len(idx))
        for i, j in enumerate(idx.tolist()):
            ov = cmp.overlap[j]
            cells = (cmp.words[j], moved_text(float(cmp.moved[j])), "—" if np.isnan(ov) else f"{ov:.2f}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, col, item)

    def _on_clicked(self, row: int, _col: int) -> None:
        item = self._table.item(row, 0)
        if item is not None:
            self._session.select_words([item.text()])

    # -- session -> widgets --------------------------------------------------------------
    def _fill_sources(self, *_changed) -> None:
        s = self._session
        tokens = token_sources()
        found = sources(s.embeddings, s.training.run, s.training.other, tokens)
        missing = [(key, label, why) for key, label, why in tokens if why]
        for box in (self._a, self._b):
            with signals_blocked(box):
                box.clear()
                for key, label in found:
                    box.addItem(label, key)
                for key, label, why in missing:  # listed, greyed, saying why
                    box.addItem(f"{label}: not available", key)
                    i = box.count() - 1
                    box.setItemData(i, why, Qt.ItemDataRole.ToolTipRole)
                    box.model().item(i).setEnabled(False)
        self._on_inputs_changed()

    def _on_inputs_changed(self, *_changed) -> None:
        st = self._st
        with signals_blocked(self._k), signals_blocked(self._sort), signals_blocked(self._arrows):
            self._k.setValue(st.k)
            self._sort.setCurrentIndex(max(self._sort.findData(st.sort), 0))
            self._arrows.setValue(st.arrows_shown)
        for box, key in ((self._a, st.a), (self._b, st.b)):
            with signals_blocked(box):
                i = box.findData(key)
                if i < 0:  # not at hand now (no run yet): shown as such, kept in the state
                    box.addItem(f"({key}: not available)", key)
                    i = box.count() - 1
                box.setCurrentIndex(i)

    # -- for tests ------------------------------------------------------------------------
    @property
    def table(self) -> QTableWidget:
        return self._table

    @property
    def message(self) -> InlineMessage:
        return self._message
