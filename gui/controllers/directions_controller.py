"""Semantic directions: the direction of the typed pairs and the typed words' positions along it (or,
with ``from_selection``, the selected words'), into ``session.directions.outcome``. Scoring a handful of
words takes well under a millisecond (a selection of 400,000 rows about 50 ms), so it runs here on the GUI
thread, once per burst of changes."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.directions import score_words
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.lifetime import bind


class DirectionsController(QObject):
    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.request = Debouncer(20, self._recompute, self)
        model = session.directions
        for signal in (session.events.embeddings, model.events.pairs, model.events.probes, model.events.orthogonal,
                       model.events.from_selection):
            bind(self, signal, self.request)
        bind(self, session.events.selection, self._on_selection_changed)
        self.request()

    def _on_selection_changed(self) -> None:
        if self._session.directions.from_selection:  # the words to place changed
            self.request()

    def _recompute(self) -> None:
        s = self._session
        m = s.directions
        rows = s.selection if m.from_selection else None
        m.outcome = score_words(s.embeddings, m.pairs, m.probes, m.orthogonal, rows) if s.embeddings is not None \
            else None
