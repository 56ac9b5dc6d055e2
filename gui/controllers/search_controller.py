"""Semantic search: once its panel has been shown, the corpus (``session.language.search.corpus``,
"" = the default Lee news texts) is encoded with MiniLM off the GUI thread, with progress and
Cancel (or opened from the cache when the file is unchanged), into ``index``; each query is then
encoded and searched (exact cosine) into ``hits``. Cancel (``search.cancel``) stops the encoding.
An export asked for (``search.export``, a path) writes the passage vectors as Projector TSV."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.exporters import write_projector_tsv
from core.embeddings.passages import open_source
from core.errors import ExplorerError
from core.inference import registry
from core.inference.passage_index import Hits, PassageIndex, find, index_job
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

INDEX, QUERY, EXPORT = "search.index", "search.query", "search.export"
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
        self._session, self._m = session, session.language.search
        self._corpus: tuple | None = None  # (corpus, split) of the index on show or being built
        self.indexer = RoomJob(runner, INDEX, self._m, parent=self,
                               cancelled="cancelled: the passages were not encoded; choose the corpus again "
                                         "to encode them")
        self.indexer.cancelled.connect(lambda: setattr(self, "_corpus", None))
        self.searcher = RoomJob(runner, QUERY, parent=self)  # quick: no activity, and no Cancel of its own
        self.exporter = RoomJob(runner, EXPORT, parent=self)
        self.reindex = Debouncer(0, self._reindex, self)
        self.research = Debouncer(TYPING_MS, self._research, self)
        ev = self._m.events
        for signal in (ev.active, ev.corpus, ev.split):
            bind(self, signal, self.reindex)
        for signal in (ev.query, ev.k, ev.index):
            bind(self, signal, self.research)
        bind(self, ev.export, self._export)
        self.reindex()

    def _reindex(self) -> None:
        m = self._m
        key = (m.corpus, m.split)
        if not m.active or key == self._corpus:
            return
        self._corpus = key
        self.searcher.stop()
        m.hits, m.index = None, None  # hits first: no moment shows hits without their index
        self.indexer.start(lambda: corpus_job(*key), self._on_index, label="encoding the passages",
                           message="checking the corpus file", on_error=self._on_error)

    def _research(self) -> None:
        m = self._m
        index, query, k = m.index, m.query, m.k
        if index is None:
            return
        if not query:
            self.searcher.stop()
            m.hits, m.problem = None, ""
            return
        self.searcher.start(lambda: query_job(index, query, k), self._on_hits, label="searching",
                            on_error=self._on_error)

    def _export(self) -> None:
        m, path = self._m, self._m.export
        index = m.index
        if not path:
            return
        m.export = ""  # asked for: the same path can be asked for again
        if index is None:
            return

        def done(_paths) -> None:
            self._session.status = f"exported {len(index):,} passage vectors to {path} (and metadata.tsv)"

        self.exporter.start(lambda: write_projector_tsv(index.embedding_set(len(index)), path), done,
                            label="exporting passages", on_error=lambda exc: setattr(m, "problem", str(exc)))

    def _on_index(self, index: PassageIndex) -> None:
        self._m.index, self._m.problem = index, ""

    def _on_hits(self, hits: Hits) -> None:
        self._m.hits, self._m.problem = hits, ""

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)
        if self._m.index is None:
            self._m.hits = None
