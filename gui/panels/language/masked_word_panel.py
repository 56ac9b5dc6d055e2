"""Masked word: a sentence with one [MASK], and bars for the words that could fill it.

Enter (or Fill) commits the sentence to ``session.language.masked.sentence``; the
MaskedWordController scores the candidates (seconds, with progress and Cancel). Clicking a bar
shows the sentence with that word filled in. The panel says plainly how the scores are made:
a left-to-right model stands in for a masked (BERT-style) one.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.inference.masked_fill import MASK, MASKED_FILL_EXPLAINED, fill_in
from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.pickable import faint
from gui.panels.language.token_bars import BarRow, TokenBars
from gui.panels.language.token_chips import TokenChips, score_chips
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage


class MaskedWordPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = m = session.language.masked

        self.sentence = QLineEdit(placeholderText=f"A sentence with one {MASK}, e.g. The {MASK} sat on the throne.",
                                  clearButtonEnabled=True)
        self.sentence.setObjectName("sentence")
        self.fill = QPushButton("Fill", toolTip="score the words that could stand in the gap")
        self.explanation = QLabel(MASKED_FILL_EXPLAINED, wordWrap=True)
        muted = self.explanation.palette()
        muted.setColor(QPalette.ColorRole.WindowText, faint(muted, 170))
        self.explanation.setPalette(muted)
        self.note = InlineMessage()
        self.busy = BusyRow(delay_ms=0)
        self.progress, self.cancel = self.busy.progress, self.busy.cancel
        self.header = QLabel()
        self.bars = TokenBars(empty="Candidates appear here.")
        self.filled = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.filled.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._attention = session.language.attention
        self.why = QLabel(wordWrap=True)  # what before the gap made the word likely (AttentionController)
        self.why_chips = TokenChips()

        row = QHBoxLayout()
        row.addWidget(self.sentence, 1)
        row.addWidget(self.fill)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.busy)
        layout.addWidget(self.header)
        layout.addWidget(self.bars)
        layout.addWidget(self.filled)
        layout.addWidget(self.why)
        layout.addWidget(self.why_chips)
        layout.addWidget(self.explanation)
        layout.addStretch(1)

        self.sentence.returnPressed.connect(self._commit)
        self.fill.clicked.connect(self._commit)
        self.bars.picked.connect(self._choose)
        self.cancel.clicked.connect(lambda: setattr(m, "cancel", m.cancel + 1))

        ev = m.events
        bind(self, ev.sentence, self._on_sentence_changed)
        bind(self, ev.fills, self._on_fills_changed)
        bind(self, ev.chosen, self._on_chosen_changed)
        bind(self, ev.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, ev.problem, self._on_problem_changed)
        bind(self, self._attention.events.masked_attribution, self._on_why_changed)
        bind(self, self._attention.events.masked_note, self._on_why_changed)
        self._on_sentence_changed()
        self._on_fills_changed()
        self._on_problem_changed()
        self._on_why_changed()

    # -- widgets -> session ---------------------------------------------------------------
    def _commit(self) -> None:
        self._model.sentence = self.sentence.text().strip()

    def _choose(self, index: int) -> None:
        fills = self._model.fills
        if fills is not None and 0 <= index < len(fills.fills):
            self._model.chosen = fills.fills[index].word

    # -- session -> widgets ---------------------------------------------------------------
    def _on_sentence_changed(self) -> None:
        if self.sentence.text().strip() != self._model.sentence:
            self.sentence.setText(self._model.sentence)

    def _on_fills_changed(self) -> None:
        fills = self._model.fills
        if fills is None:
            self.header.setText("")
            self.bars.set_rows([], clickable=False)
        else:
            top = max((f.prob for f in fills.fills), default=1.0) or 1.0
            self.header.setText(f"Best of the candidates for: {fills.sentence}")
            self.bars.set_rows(
                [
                    BarRow(
                        i,
                        f.word,
                        f.prob / top,
                        f"{f.prob:.3f}",
                        f"log p {f.logprob:.1f}",
                        tip=f"{f.sentence}\nsentence log-probability {f.logprob:.2f}; click to fill it in",
                    )
                    for i, f in enumerate(fills.fills)
                ]
            )
        self._on_chosen_changed()

    def _on_chosen_changed(self) -> None:
        m = self._model
        if m.fills is None or not m.chosen:
            self.filled.setText("")
            return
        left, _, right = m.fills.sentence.partition(MASK)
        self.filled.setText(f"{html.escape(left)}<b>{html.escape(m.chosen)}</b>{html.escape(right)}")
        self.filled.setToolTip(fill_in(m.fills.sentence, m.chosen))

    def _on_why_changed(self) -> None:
        a, note = self._attention.masked_attribution, self._attention.masked_note
        if a is None:
            self.why.setText(note)
            self.why_chips.set_chips([])
            return
        self.why.setText(f"What before the gap made <b>{html.escape(a.target)}</b> likely there (occlusion: the drop "
                         "in its log-probability when a token is removed; the words after the gap are not read by "
                         "a left-to-right model)" + (f"; {html.escape(note)}" if note else ""))
        self.why_chips.set_chips(score_chips(a.tokens, a.scores["occlusion"], "occlusion"))

    def _on_problem_changed(self) -> None:
        self.note.show_message(self._model.problem, "error")
