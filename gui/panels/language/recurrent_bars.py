"""The GRU's next words for the Next word prompt, as bars beside SmolLM2's (shown by the Next word
panel): the recurrent network reads the same prompt word by word, its state h carrying the past,
while SmolLM2 looks back at every token. The RecurrentNextController stores the reading in
``session.language.recurrent.next``; this widget only draws it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.token_bars import BarRow, TokenBars

TITLE = "<b>GRU</b> (recurrent, trained here) · next word"


class RecurrentBars(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m = session.language.recurrent.next
        self.title = QLabel(TITLE, wordWrap=True)
        self.bars = TokenBars(empty="The recurrent network's next words appear once it has read the prompt.")
        self.bars.setObjectName("recurrent_bars")
        self.note = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.bars, self.note):
            layout.addWidget(w)
        bind(self, self._m.events.reading, self._on_reading_changed)
        bind(self, self._m.events.problem, self._on_reading_changed)
        self._on_reading_changed()

    def _on_reading_changed(self, *_changed) -> None:
        r, problem = self._m.reading, self._m.problem
        if problem or r is None:
            self.bars.set_rows([], clickable=False)
            self.note.setText(problem)
            return
        top = r.steps[-1].top
        high = max((p for _, p in top), default=1.0) or 1.0
        self.bars.set_rows([BarRow(i, w, p / high, f"{p:.3f}", tip=f"{w}: probability {p:.4f} after "
                                   f"“{' '.join(r.tokens[-8:])}” (the GRU's own words)") for i, (w, p) in
                            enumerate(top)], clickable=False)
        unknown = f"; read as <unk>: {', '.join(r.unknown)}" if r.unknown else ""
        self.note.setText(f"{len(r.steps)} words read, |h| = {float((r.final ** 2).sum()) ** 0.5:.2f}{unknown}")
