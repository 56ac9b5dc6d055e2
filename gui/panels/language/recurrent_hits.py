"""Semantic search's query answered by the GRU's states too (shown by the Search panel): a box to
ask for it and the passages nearest by the centred mean of the recurrent network's states, beside
MiniLM's. The RecurrentSearchController computes ``session.language.recurrent.search.hits``."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from core.state.session import Session
from gui.lifetime import bind
from gui.widgets.score_table import ScoreTable


class RecurrentHits(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m = session.language.recurrent.search
        self.box = QCheckBox("also rank them by the GRU's states (a recurrent network: the mean of h, centred)")
        self.note = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.results = ScoreTable(score_label="cosine (GRU)")
        self.results.setMaximumHeight(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.box, self.note, self.results):
            layout.addWidget(w)
        self.box.toggled.connect(lambda on: setattr(self._m, "on", on))
        for signal in (self._m.events.on, self._m.events.hits, self._m.events.problem, self._m.events.activity):
            bind(self, signal, self._on_hits_changed)
        self._on_hits_changed()

    def _on_hits_changed(self, *_changed) -> None:
        m = self._m
        if self.box.isChecked() != m.on:
            self.box.setChecked(m.on)
        self.results.setVisible(m.on)
        self.note.setVisible(m.on)
        hits = m.hits if m.on else None
        self.results.set_rows([(h.text, h.score) for h in hits.hits] if hits is not None else [])
        if m.problem:
            self.note.setText(m.problem)
        elif m.activity is not None:
            self.note.setText(m.activity.message)
        else:
            self.note.setText("the GRU's nearest passages" if hits is not None else "")
