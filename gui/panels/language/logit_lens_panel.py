"""Logit lens: what each layer of SmolLM2 would predict, for every position of the Next word prompt.

A grid of layers (last on top) x positions: each cell the token that layer's hidden state gives
through the model's final norm and unembedding, coloured by its probability. Under it, the
probability and rank of the model's final choice for the followed column, layer by layer, and the
top 10 of a clicked cell (by default the last layer's: the Next word bars). The prompt is the Next
word panel's (editing it here edits it there). LensController computes; this panel shows.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget
from superqt.utils import qdebounced, signals_blocked

from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.pickable import FitScroll
from gui.panels.language.token_bars import ROW_H, BarRow, TokenBars
from gui.task_runner import TaskRunner
from gui.widgets.cell_grid import CellGrid
from gui.widgets.inline_message import InlineMessage
from gui.widgets.line_chart import LineChart

PROB, RANK = (250, 170, 40), (90, 160, 240)


def pct(p: float) -> str:
    return f"{p:.0%}" if p >= 0.1 else f"{p:.1%}" if p >= 0.001 else "<0.1%"


class LogitLensPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._lang, self._m = session, session.language, session.language.lens
        self.header = QLabel(
            "<b>Logit lens</b> · SmolLM2-135M (fp32): every layer's hidden state read through the "
            "model's own final norm and unembedding; a cell's colour is its probability (dark 0, bright 1)",
            wordWrap=True,
        )
        self.prompt = QLineEdit(placeholderText="a prompt, e.g. The capital of France is  (shared with Next word)")
        self.note = InlineMessage()
        self.summary = QLabel(wordWrap=True)
        self.grid = CellGrid(empty="The lens appears once the model has read the prompt.")
        self.grid_scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        self.grid_scroll.setWidget(self.grid)
        self.prob_chart = LineChart(height=90)
        self.rank_chart = LineChart(log_y=True, height=90)
        self.bars_title = QLabel()
        self.bars = TokenBars(empty="Click a cell to see that layer's top 10.")
        self.busy = BusyRow()
        side = QVBoxLayout()
        for w in (self.prob_chart, self.rank_chart, self.bars_title):
            side.addWidget(w)
        side.addWidget(FitScroll(self.bars, 10_000, min_height=4 * ROW_H), 1)
        body = QHBoxLayout()
        body.addWidget(self.grid_scroll, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        for w in (self.header, self.prompt, self.note, self.summary):
            layout.addWidget(w)
        layout.addLayout(body, 1)
        layout.addWidget(self.busy)

        self.prompt.textEdited.connect(self._commit_prompt)
        self.grid.cell_clicked.connect(self._on_cell_clicked)
        self.busy.cancel.clicked.connect(lambda: setattr(self._m, "cancel", self._m.cancel + 1))
        ev, lang = self._m.events, self._lang.events
        bind(self, ev.lens, self._on_lens_changed)
        bind(self, ev.cell, self._on_marks_changed)
        bind(self, ev.position, self._on_marks_changed)
        bind(self, ev.activity, lambda: self.busy.set_activity(self._m.activity))
        bind(self, ev.problem, self._on_note_changed)
        bind(self, lang.prompt, self._on_prompt_changed)
        for signal in (lang.model_path, lang.trace):
            bind(self, signal, self._on_note_changed)
        self._on_prompt_changed()
        self._on_lens_changed()

    # -- widgets -> session ------------------------------------------------------------------------
    @qdebounced(timeout=40)
    def _commit_prompt(self) -> None:
        text = self.prompt.text()
        if text != self._lang.prompt:
            self._lang.appended = ()
            self._lang.prompt = text

    def _on_cell_clicked(self, row: int, col: int) -> None:
        lens = self._m.lens
        if lens is None:
            return
        self._m.position = col
        self._m.cell = (lens.shape[0] - 1 - row, col)

    # -- session -> widgets ------------------------------------------------------------------------
    def _on_prompt_changed(self) -> None:
        if self.prompt.text() != self._lang.prompt:
            with signals_blocked(self.prompt):
                self.prompt.setText(self._lang.prompt)

    def _column(self) -> int:
        lens = self._m.lens
        return (self._m.position if 0 <= self._m.position < lens.shape[1] else lens.shape[1] - 1) if lens else -1

    def _on_lens_changed(self) -> None:
        lens = self._m.lens
        if lens is None:
            self.grid.clear()
            self.summary.setText("")
        else:
            layers, positions = lens.shape
            inputs = [lens.label(t.id) for t in lens.tokens]
            order = list(reversed(range(layers)))  # the last layer on top
            texts = [[lens.label(lens.top_ids[i, p]) for p in range(positions)] for i in order]
            tips = [[self._tip(lens, i, p, inputs) for p in range(positions)] for i in order]
            self.grid.set_cells(lens.top_probs[order], texts, rows=[f"L{i}" for i in order], columns=inputs, tips=tips)
        self._on_marks_changed()
        self._on_note_changed()

    @staticmethod
    def _tip(lens, layer: int, pos: int, inputs: list[str]) -> str:
        top, final = lens.label(lens.top_ids[layer, pos]), lens.label(lens.final_ids[pos])
        name = lens.layer_names[layer] if layer < len(lens.layer_names) else f"layer {layer}"
        text = (
            f"<b>{html.escape(name)}</b> after “{html.escape(inputs[pos])}”: “{html.escape(top)}” "
            f"{pct(float(lens.top_probs[layer, pos]))}"
        )
        if lens.top_ids[layer, pos] != lens.final_ids[pos]:
            text += (
                f"<br>the model's final choice “{html.escape(final)}” is rank {int(lens.final_ranks[layer, pos]):,}"
                f" here ({pct(float(lens.final_probs[layer, pos]))})"
            )
        return text + "<br>click for this layer's top 10"

    def _on_marks_changed(self) -> None:
        lens, col = self._m.lens, self._column()
        if lens is None:
            self.prob_chart.set_lines({}, x_range=(0, 30), y_range=(0, 1))
            self.rank_chart.set_lines({}, x_range=(0, 30), y_range=(1, 50_000))
            self.bars.set_rows([], clickable=False)
            self.bars_title.setText("")
            return
        layers = lens.shape[0]
        layer, pos = self._m.cell if self._m.cell is not None else (layers - 1, col)
        self.grid.set_marks((layers - 1 - layer, pos), col)
        x = np.arange(layers)
        final, after = lens.label(lens.final_ids[col]), lens.label(lens.tokens[col].id)
        self.prob_chart.title.setText(f"probability of “{html.escape(final)}” after “{html.escape(after)}”, by layer")
        self.rank_chart.title.setText("its rank (1 = the layer's top token; log scale)")
        self.prob_chart.set_lines(
            {"prob": (x, lens.final_probs[:, col], PROB, False)}, x_range=(0, layers - 1), y_range=(0, 1)
        )
        self.rank_chart.set_lines(
            {"rank": (x, lens.final_ranks[:, col], RANK, False)}, x_range=(0, layers - 1), y_range=(1, lens.head.vocab)
        )
        for chart in (self.prob_chart, self.rank_chart):
            chart.set_marker(layer)
        first, settled = lens.first_top(col), lens.settled(col)
        self.summary.setText(
            f"After “{html.escape(after)}” the model predicts <b>“{html.escape(final)}”</b> "
            f"({pct(float(lens.final_probs[-1, col]))}); it is first the top token at "
            f"<b>layer {first}</b>"
            + (f" and stays on top from layer {settled}" if settled != first else "")
            + f" (rank {int(lens.final_ranks[0, col]):,} in the "
            "embeddings). Click a cell for that layer's top 10; its column is followed below."
        )
        rows = [
            BarRow(i, lens.label(i), p, f"{p:.3f}", f"id {i}", tip=f"{lens.label(i)} (id {i}): {p:.4f}")
            for i, p in lens.top(layer, pos, 10)
        ]
        self.bars.set_rows(rows, clickable=False)
        self.bars_title.setText(
            f"<b>Top 10</b> at L{layer} after “{html.escape(lens.label(lens.tokens[pos].id))}”"
            + (" (the Next word bars)" if layer == layers - 1 and pos == lens.shape[1] - 1 else "")
        )

    def _on_note_changed(self) -> None:
        m, lang = self._m, self._lang
        if m.problem:
            self.note.show_message(m.problem, "error")
            return
        notes = []
        if lang.model_path:
            notes.append("Next word reads another model; the lens reads the built SmolLM2-135M (prompt only)")
        elif lang.trace is not None and lang.trace.answered == "q4":
            notes.append(
                "the Next word bars came from the 4-bit files; the lens reads fp32 (choose fp32 there to "
                "compare them exactly)"
            )
        lens = m.lens
        if lens is not None and lens.first:
            notes.append(f"showing the last {lens.shape[1]} of {lens.first + lens.shape[1]} positions")
        self.note.show_message("; ".join(notes), "info")
