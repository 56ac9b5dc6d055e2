"""Semantic directions: the direction of the typed pairs and the typed words' positions along it,
into ``session.directions.outcome``. Scoring a handful of words takes well under a millisecond, so
it runs here on the GUI thread, once per burst of changes."""
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
        for signal in (session.events.embeddings, model.events.pairs, model.events.probes, model.events.orthogonal):
            bind(self, signal, self.request)
        self.request()

    def _recompute(self) -> None:
        s = self._session
        m = s.directions
        m.outcome = score_words(s.embeddings, m.pairs, m.probes, m.orthogonal) if s.embeddings is not None else None
