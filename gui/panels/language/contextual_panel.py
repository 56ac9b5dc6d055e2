"""A word across layers: one word in several editable sentences (presets: "bank" by a river or for
money, "trouble" as bother or difficulty); its vector at every layer of SmolLM2 and MiniLM.

Beside the sentences: what each model can see, the sentence-by-sentence cosine matrix at a chosen
layer, and the mean within-sense and across-sense cosine per layer for both models. *Show in the
cloud* makes one model's trajectories the active set (a polyline per sentence, labelled by layer);
*Back* returns to the set shown before (the trajectories borrow the active set: Session.borrow).
ContextualController computes; this panel shows.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from core.inference.contextual import MODELS, PRESETS, Sentence
from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.trajectories import OWNER, gap_lines, is_trajectory_set, matrix_cells, show_trajectories
from gui.task_runner import TaskRunner
from gui.widgets.cell_grid import CellGrid
from gui.widgets.inline_message import InlineMessage
from gui.widgets.line_chart import LineChart

OWN = "(your own)"
NAMES = {"smollm2": "SmolLM2-135M", "minilm": "all-MiniLM-L6-v2"}


class ContextualPanel(QWidget):
    cloud_requested = Signal()  # "Show in the cloud": the window shows the 3D cloud if its workspace hides it

    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._m = session, session.language.contextual
        self._shown: tuple | None = None  # the (result, model) whose trajectories are the active set
        self.word = QLineEdit(placeholderText="the shared word", maximumWidth=160)
        self.preset = QComboBox(toolTip="example sentences")
        self.preset.addItems([*PRESETS, OWN])
        self.show_cloud = QPushButton("Show in the cloud", toolTip="the chosen model's trajectories as the active set")
        self.back = QPushButton("Back", visible=False)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["sense", "sentence (with the word)"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(110)
        self.add = QPushButton("+ sentence")
        self.remove = QPushButton("− sentence")
        self.sees = QLabel(wordWrap=True)
        self.model = QComboBox()
        for key in MODELS:
            self.model.addItem(NAMES[key], key)
        self.layer = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=30)
        self.layer_label = QLabel(minimumWidth=40)
        self.matrix = CellGrid(cell_height=22, min_cell_width=44, table="signed",
                               empty="The cosine matrix appears once both models have read the sentences.")
        self.charts = {key: LineChart(height=80) for key in MODELS}
        self.note = InlineMessage()
        self.busy = BusyRow()
        self._lay_out()
        self._bind_state()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        for w in (QLabel("word"), self.word, self.preset, self.add, self.remove):
            top.addWidget(w)
        top.addStretch(1)
        for w in (self.show_cloud, self.back):
            top.addWidget(w)
        pick = QHBoxLayout()
        for w in (self.model, QLabel("layer"), self.layer, self.layer_label):
            pick.addWidget(w)
        left = QVBoxLayout()
        left.addLayout(pick)
        left.addWidget(self.matrix, 1)
        right = QVBoxLayout()
        for key in MODELS:
            right.addWidget(self.charts[key])
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        for w in (self.note, self.sees):
            layout.addWidget(w)
        layout.addLayout(body, 2)
        layout.addWidget(self.busy)

    def _bind_state(self) -> None:
        m, session = self._m, self._session
        self.word.editingFinished.connect(lambda: setattr(m, "word", self.word.text().strip()))
        self.preset.currentTextChanged.connect(self._on_preset_chosen)
        self.table.itemChanged.connect(self._commit_table)
        self.add.clicked.connect(self._add_row)
        self.remove.clicked.connect(self._remove_row)
        self.model.currentIndexChanged.connect(lambda i: setattr(m, "model", self.model.itemData(i)))
        self.layer.valueChanged.connect(lambda v: setattr(m, "layer", v))
        self.show_cloud.clicked.connect(self.show_in_cloud)
        self.back.clicked.connect(self.go_back)
        self.busy.cancel.clicked.connect(lambda: setattr(self._m, "cancel", self._m.cancel + 1))
        ev = m.events
        for signal in (ev.word, ev.sentences):
            bind(self, signal, self._on_inputs_changed)
        for signal in (ev.result, ev.model, ev.layer):
            bind(self, signal, self._on_result_changed)
        bind(self, ev.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, ev.problem, lambda: self.note.show_message(m.problem, "error"))
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        self._on_inputs_changed()
        self._on_result_changed()
        self._on_embeddings_changed()

    # -- widgets -> session -----------------------------------------------------------------------
    def _on_preset_chosen(self, name: str) -> None:
        if name in PRESETS:
            self._m.sentences = PRESETS[name]
            self._m.word = name

    def _commit_table(self, *_changed) -> None:
        rows = []
        for r in range(self.table.rowCount()):
            sense, text = (self.table.item(r, c) for c in range(2))
            rows.append(Sentence(sense.text().strip() if sense else "", text.text().strip() if text else ""))
        self._m.sentences = tuple(rows)

    def _add_row(self) -> None:
        self._m.sentences = (*self._m.sentences, Sentence("", f"Another sentence with the word {self._m.word}."))

    def _remove_row(self) -> None:
        row = self.table.currentRow()
        row = row if row >= 0 else self.table.rowCount() - 1
        if row >= 0:
            self._m.sentences = tuple(s for i, s in enumerate(self._m.sentences) if i != row)

    def show_in_cloud(self) -> None:
        result = self._m.result
        if result is None:
            return
        self._shown = (result, self._m.model)
        show_trajectories(self._session, result, self._m.model)
        self.cloud_requested.emit()

    def go_back(self) -> None:
        self._session.give_back(OWNER)  # the cloud controller drops the sentence colouring

    # -- session -> widgets -----------------------------------------------------------------------
    def _on_inputs_changed(self) -> None:
        m = self._m
        with signals_blocked(self.word):
            self.word.setText(m.word)
        with signals_blocked(self.table):
            self.table.setRowCount(len(m.sentences))
            for r, s in enumerate(m.sentences):
                for c, text in enumerate((s.sense, s.text)):
                    self.table.setItem(r, c, QTableWidgetItem(text))
        preset = next((k for k, v in PRESETS.items() if k == m.word and v == m.sentences), OWN)
        with signals_blocked(self.preset):
            self.preset.setCurrentText(preset)

    def _on_result_changed(self) -> None:
        m, result = self._m, self._m.result
        with signals_blocked(self.model):
            self.model.setCurrentIndex(max(self.model.findData(m.model), 0))
        if result is None:
            self.matrix.clear()
            self.sees.setText("")
            for chart in self.charts.values():
                chart.set_lines({}, x_range=(0, 1), y_range=(0, 1))
            return
        traj = result.model(m.model)
        layer = min(max(m.layer, 0), traj.layers - 1)
        with signals_blocked(self.layer):
            self.layer.setMaximum(traj.layers - 1)
            self.layer.setValue(layer)
        self.layer_label.setText(f"L{layer}")
        values, texts, names, tips = matrix_cells(result, m.model, layer)
        self.matrix.set_cells(values, texts, rows=names, columns=names, tips=tips)
        for key, chart in self.charts.items():
            lines, y_range = gap_lines(result, key)
            t = result.model(key)
            chart.set_lines(lines, x_range=(0, t.layers - 1), y_range=y_range)
            chart.set_marker(layer if key == m.model else None)
            chart.title.setText(f"{NAMES[key]}: mean cosine <span style='color:#faaa28'>within</span> and "
                                f"<span style='color:#5aa0f0'>across</span> senses, by layer" if lines else
                                f"{NAMES[key]}: give the sentences two or more senses to compare them")
        word = html.escape(result.word)
        lines = ["<b>What the models see</b> (“" + word + "”):"] + [f"{html.escape(t.sees)}." for t in result.models]
        lines.append("SmolLM2's last point (L30) is after its final norm, which rescales every dimension.")
        split = [f"In {t.model} “{word}” is several tokens ({' + '.join(map(html.escape, t.pieces[i]))}); its vector "
                 "is their mean." for t in result.models for i in range(len(t.pieces)) if len(t.pieces[i]) > 1][:2]
        self.sees.setText("<br>".join(lines + split))
        if is_trajectory_set(self._session) and self._shown != (result, m.model):
            self._shown = (result, m.model)
            show_trajectories(self._session, result, m.model)  # follow edits and the model choice, not the layer

    def _on_embeddings_changed(self) -> None:
        lender = self._session.lender(OWNER)
        self.back.setVisible(is_trajectory_set(self._session) and lender is not None)
        if lender is not None:
            self.back.setText(f"Back to {lender.name}")
