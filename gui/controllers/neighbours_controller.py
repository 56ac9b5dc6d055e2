"""Neighbours of the query: computed on a worker whenever the query, its settings, the chosen search
backend or the set change, stored in ``session.neighbours.lookup`` (with who answered), and selected
(``session.selection``: the query and its neighbours, which the point cloud highlights). A single
selected word that is not the query (a click elsewhere) becomes the query."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import Lookup, lookup
from core.embeddings.search.base import BACKEND_LABELS, SearchBackend
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "neighbours"


def lookup_job(es: EmbeddingSet, query: str, k: int, metric: str, restrict: int,
               backend: SearchBackend | None = None, missing: str = "") -> Job[Lookup]:
    """``missing``: the backend the user chose that this set does not have (exact search answers)."""
    yield Progress(-1, f"neighbours of {query}")
    found = lookup(es, query, k, metric, restrict, backend=backend)
    if missing and found.answer is not None:
        note = f"no {BACKEND_LABELS[missing]} for this set yet (Index…); exact search answered"
        found = replace(found, answer=replace(found.answer, note=note))
    return found


class NeighboursController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.job = RoomJob(runner, KIND, session.neighbours, parent=self)
        self.request = Debouncer(30, self._request, self)
        model = session.neighbours
        for signal in (session.events.embeddings, model.events.query, model.events.metric, model.events.k,
                       model.events.restrict, model.events.backend, model.events.engines):
            bind(self, signal, self.request)
        bind(self, session.events.selection, self._on_selection_changed)
        self.request()

    def _request(self) -> None:
        s, model = self._session, self._session.neighbours
        es, query = s.embeddings, model.query
        if es is None or not query:
            self.job.stop()
            model.lookup = None
            return
        k, metric, restrict = model.k, model.metric, model.restrict
        backend = model.chosen_backend()
        missing = model.backend if backend is None and model.backend != "exact" else ""
        self.job.start(lambda: lookup_job(es, query, k, metric, restrict, backend, missing),
                       lambda result: self._on_lookup(result, es), label=f"neighbours of {query}")

    def _on_lookup(self, result: Lookup, es: EmbeddingSet) -> None:
        s = self._session
        if result.query != s.neighbours.query or es is not s.embeddings:  # a result for the previous set
            return  # that landed before the debounced request for the new one started
        s.neighbours.lookup = result
        s.selection = result.rows

    def _on_selection_changed(self) -> None:
        s = self._session
        sel, es, found = s.selection, s.embeddings, s.neighbours.lookup
        query_row = found.resolved.index if found is not None and found.resolved is not None else -1
        if es is not None and len(sel) == 1 and 0 <= sel[0] < len(es) and sel[0] != query_row:
            s.neighbours.query = es.words[sel[0]]
