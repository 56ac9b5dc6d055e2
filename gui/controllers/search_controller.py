"""Semantic search: once its panel has been shown, the corpus (``session.language.search.corpus``,
"" = the default Lee news texts) is encoded with MiniLM off the GUI thread, with progress and
Cancel (or opened from the cache when the file is unchanged), into ``index``; each query is then
encoded and searched (exact cosine) into ``hits``."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.passages import open_source
from core.errors import ExplorerError
from core.inference import registry
from core.inference.passage_index import Hits, PassageIndex, find, index_job
from core.progress import Job, Progress
from core.state.session import Activity, Session
from gui.controllers.debounce import Debouncer
from gui.lifetime import bind
from gui.task_runner import TaskRunner

INDEX, QUERY = "search.index", "search.query"
TYPING_MS = 150


def corpus_job(corpus: str, split: str) -> Job[PassageIndex]:
    yield Progress(0.0, "checking the corpus file")
    return (yield from index_job(open_source(corpus, split)))


def query_job(index: PassageIndex, query: str, k: int) -> Job[Hits]:
    yield Progress(-1, "searching")
    return find(index, registry.open(registry.ENCODER), query, k)


class SearchController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m, self._runner = session.language.search, runner
        self._corpus: tuple | None = None  # (corpus, split) of the index on show or being built
        self.reindex = Debouncer(0, self._reindex, self)
        self.research = Debouncer(TYPING_MS, self._research, self)
        ev = self._m.events
        for signal in (ev.active, ev.corpus, ev.split):
            bind(self, signal, self.reindex)
        for signal in (ev.query, ev.k, ev.index):
            bind(self, signal, self.research)
        bind(self, runner.finished, self._on_finished)
        bind(self, runner.cancelled, self._on_cancelled)
        self.reindex()

    def _reindex(self) -> None:
        m = self._m
        key = (m.corpus, m.split)
        if not m.active or key == self._corpus:
            return
        self._corpus = key
        self._runner.cancel(QUERY, emit=False)
        m.hits, m.index, m.problem = None, None, ""  # hits first: no moment shows hits without their index
        m.activity = Activity("checking the corpus file", 0.0)
        self._runner.run(INDEX, lambda: corpus_job(*key), self._on_index, label="encoding the passages",
                         on_error=self._on_error,
                         on_progress=lambda p: setattr(m, "activity", Activity(p.message, p.fraction)))

    def _research(self) -> None:
        m = self._m
        index, query, k = m.index, m.query, m.k
        if index is None:
            return
        if not query:
            self._runner.cancel(QUERY, emit=False)
            m.hits, m.problem = None, ""
            return
        self._runner.run(QUERY, lambda: query_job(index, query, k), self._on_hits, label="searching",
                         on_error=self._on_error)

    def _on_index(self, index: PassageIndex) -> None:
        self._m.index, self._m.problem = index, ""

    def _on_hits(self, hits: Hits) -> None:
        self._m.hits, self._m.problem = hits, ""

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)
        if self._m.index is None:
            self._m.hits = None

    def _on_finished(self, kind: str) -> None:
        if kind == INDEX:
            self._m.activity = None

    def _on_cancelled(self, kind: str) -> None:
        if kind == INDEX:
            self._corpus = None
            self._m.activity = None
            self._m.problem = "cancelled: the passages were not encoded; choose the corpus again to encode them"
