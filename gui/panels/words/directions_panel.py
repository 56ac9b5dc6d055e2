"""Semantic directions: a direction from word pairs, and a bar chart of words along it.

Pairs and probe words live in ``session.directions.pairs`` / ``probes``; ``orthogonal``
names a preset whose direction is removed first (e.g. plural with gender taken out). The
"the selection" box (``from_selection``) places the words selected in the cloud instead of the
typed ones, again whenever the selection changes.
The DirectionsController scores them (core.embeddings.directions) into
``session.directions.outcome``, which this panel draws.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from superqt.utils import qdebounced, signals_blocked

from core.embeddings.directions import PRESET_PROBES, PRESETS, parse_pairs
from core.errors import ExplorerError
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.bar_chart import BarChart
from gui.widgets.inline_message import InlineMessage

CUSTOM = "custom"


def pairs_text(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{a} -> {b}" for a, b in pairs)


class DirectionsPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._model = model = session.directions

        # -- widgets ---------------------------------------------------------------
        self._preset = QComboBox()
        self._preset.addItem(CUSTOM)
        self._preset.addItems(list(PRESETS))
        self._pairs = QLineEdit(placeholderText="cat -> cats, dog -> dogs", clearButtonEnabled=True)
        self._probes = QLineEdit(placeholderText="one, two, three, four", clearButtonEnabled=True)
        self._from_selection = QCheckBox("the selection", toolTip="place the words selected in the cloud (box, "
                                         "lasso, regex: the Selection panel) instead of the typed ones")
        self._ortho_on = QCheckBox("orthogonalise against")
        self._ortho = QComboBox()
        self._ortho.addItems(list(PRESETS))
        self._ortho.setCurrentText("gender")
        self._info = QLabel(wordWrap=True)
        self._message = InlineMessage()
        self._chart = BarChart(title="cosine with the direction")
        self._chart.setMinimumHeight(160)

        form = QFormLayout()
        form.addRow("Preset", self._preset)
        form.addRow("Pairs (from -> to)", self._pairs)
        probes_row = QHBoxLayout()
        probes_row.addWidget(self._probes, 1)
        probes_row.addWidget(self._from_selection)
        form.addRow("Words to place", probes_row)
        ortho_row = QHBoxLayout()
        ortho_row.addWidget(self._ortho_on)
        ortho_row.addWidget(self._ortho, 1)
        form.addRow(ortho_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._message)
        layout.addWidget(self._info)
        layout.addWidget(self._chart, 1)

        # -- widgets -> session ----------------------------------------------------
        self._preset.currentTextChanged.connect(self._on_preset_chosen)
        self._pairs.textEdited.connect(lambda _t: self._commit_typed())
        self._probes.textEdited.connect(lambda _t: self._commit_typed())
        self._pairs.returnPressed.connect(self._commit_typed.flush)
        self._probes.returnPressed.connect(self._commit_typed.flush)
        self._from_selection.toggled.connect(lambda on: setattr(model, "from_selection", on))
        self._ortho_on.toggled.connect(self._on_ortho_edited)
        self._ortho.currentTextChanged.connect(self._on_ortho_edited)

        # -- session -> widgets ----------------------------------------------------
        ev = model.events
        bind(self, ev.pairs, self._on_pairs_changed)
        bind(self, ev.probes, self._on_probes_changed)
        bind(self, ev.orthogonal, self._on_orthogonal_changed)
        bind(self, ev.from_selection, self._on_from_selection_changed)
        bind(self, session.events.selection, self._on_from_selection_changed)
        bind(self, ev.outcome, self._on_outcome_changed)
        self._on_pairs_changed()
        self._on_probes_changed()
        self._on_orthogonal_changed()
        self._on_from_selection_changed()
        self._on_outcome_changed()

    # -- widgets -> session --------------------------------------------------------------
    def _on_preset_chosen(self, name: str) -> None:
        if name in PRESETS:
            self._model.pairs = pairs_text(PRESETS[name])
            self._model.probes = ", ".join(PRESET_PROBES[name])

    @qdebounced(timeout=300)
    def _commit_typed(self) -> None:
        self._model.pairs = self._pairs.text().strip()
        self._model.probes = self._probes.text().strip()

    def _on_ortho_edited(self, *_args) -> None:
        self._model.orthogonal = self._ortho.currentText() if self._ortho_on.isChecked() else ""

    # -- session -> widgets --------------------------------------------------------------
    def _on_pairs_changed(self) -> None:
        text = self._model.pairs
        if self._pairs.text().strip() != text:
            with signals_blocked(self._pairs):
                self._pairs.setText(text)
                self._pairs.setCursorPosition(0)  # a preset's pairs read from their start, not their end
        try:
            pairs = parse_pairs(text)
        except ExplorerError:
            pairs = None
        match = next((n for n, p in PRESETS.items() if p == pairs), CUSTOM)
        with signals_blocked(self._preset):
            self._preset.setCurrentText(match)

    def _on_probes_changed(self) -> None:
        text = self._model.probes
        if self._probes.text().strip() != text:
            with signals_blocked(self._probes):
                self._probes.setText(text)
                self._probes.setCursorPosition(0)

    def _on_orthogonal_changed(self) -> None:
        name = self._model.orthogonal
        with signals_blocked(self._ortho_on), signals_blocked(self._ortho):
            self._ortho_on.setChecked(bool(name))
            if name in PRESETS:
                self._ortho.setCurrentText(name)

    def _on_from_selection_changed(self, *_changed) -> None:
        on = self._model.from_selection
        with signals_blocked(self._from_selection):
            self._from_selection.setChecked(on)
        n = len(self._session.selection)
        self._from_selection.setText(f"the {n:,} selected" if n else "the selection")
        self._probes.setEnabled(not on)

    def _on_outcome_changed(self) -> None:
        out = self._model.outcome
        if out is None:
            self._show([], "", "")
        elif out.error:
            self._show([], out.error, "")
        else:
            info = "; ".join(x for x in (out.info, out.note) if x)
            self._show(list(out.scores), f"not in the vocabulary: {', '.join(out.unknown)}" if out.unknown else "",
                       info)

    def _show(self, data: list[tuple[str, float]], message: str, info: str) -> None:
        self._message.show_message(message, "error")
        self._info.setText(info)
        h = np.array([v for _, v in data], dtype=float)
        lim = max(0.1, float(np.abs(h).max()) * 1.15) if len(h) else 1.0
        # each side as deep as its own bars: a few small negatives left half the chart empty under 40 bars
        low = -max(0.25 * lim, -float(h.min()) * 1.15) if (h < 0).any() else 0.0
        high = max(0.25 * lim, float(h.max()) * 1.15) if (h > 0).any() else 0.25 * lim
        self._chart.set_values(h, labels=[w for w, _ in data], low=low, high=high,
                               fmt="{:+.3f}", mark_top=False, every_value=len(h) <= 12)

    # -- for tests ------------------------------------------------------------------------
    @property
    def chart(self) -> BarChart:
        return self._chart

    @property
    def message(self) -> InlineMessage:
        return self._message
