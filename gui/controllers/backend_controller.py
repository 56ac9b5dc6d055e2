"""The search backends of the open set: found, built, exported, opened; stored whole in
``session.neighbours.engines``.

* When a set opens, its stored HNSW index is checked and opened (mapped from its file), and a
  Milvus Lite collection it was exported to is noted; it is attached (Milvus Lite's in-process
  server started) only when Milvus is chosen. A stored index that is damaged, from another set or
  from before the set changed is rebuilt at once, with a notice.
* :meth:`build_hnsw`, :meth:`export_milvus` and :meth:`open_collection` run as jobs with progress
  and Cancel (in the status bar); their problems go into ``engines`` (shown by the neighbours panel).
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.search import index_store, milvus_backend, milvus_connect, milvus_export
from core.embeddings.search.base import Engines
from core.embeddings.search.milvus_connect import MilvusTarget
from core.progress import Job, scaled
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

OPEN, BUILD, EXPORT, LOAD, ATTACH = "search-open", "hnsw-index", "milvus-export", "load", "milvus-attach"


def has_stored(es: EmbeddingSet) -> bool:
    """Whether an index or an export of a set of this name and source may exist (cheap: no hashing)."""
    folder = index_store.index_folder(es)
    return folder.exists() or any(d.get("set_key") == folder.name for d in milvus_connect.read_registry())


def open_stored(es: EmbeddingSet) -> Job[tuple[index_store.Opened, tuple[str, str] | None]]:
    """The stored HNSW index (or why it must be rebuilt) and the Milvus Lite collection holding this set
    (URI, collection; attached later, when Milvus is chosen)."""
    opened = yield from scaled(index_store.open_index(es), 0.0, 0.9)
    for entry in milvus_connect.exports_of(index_store.set_fingerprint(es)):
        if MilvusTarget(entry["uri"]).is_lite:  # a server needs its token: File ▸ Export to Milvus… again
            return opened, (entry["uri"], entry["collection"])
    return opened, None


def attach_stored(es: EmbeddingSet, uri: str, collection: str):
    try:
        return (yield from milvus_backend.attach(es, MilvusTarget(uri), collection, index_store.set_fingerprint(es)))
    except milvus_connect.MilvusError as e:
        raise milvus_connect.MilvusError(f"the Milvus collection {collection!r} of this set cannot be used: {e}") \
            from None


def export_and_attach(es: EmbeddingSet, target: MilvusTarget, collection: str):
    fp = index_store.set_fingerprint(es)
    result = yield from scaled(milvus_export.export(es, target, collection or None, fingerprint=fp), 0.0, 0.95)
    backend = yield from scaled(milvus_backend.attach(es, target, result.collection, fp), 0.95, 1.0)
    return result, backend


class BackendController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.jobs = {kind: RoomJob(runner, kind, parent=self) for kind in (OPEN, BUILD, EXPORT, LOAD, ATTACH)}
        self._incoming: Engines | None = None  # engines that arrive with the next set (an opened collection)
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        bind(self, session.neighbours.events.backend, self._on_backend_changed)
        self._on_embeddings_changed()

    @property
    def engines(self) -> Engines:
        return self._session.neighbours.engines or Engines()

    def _set(self, es: EmbeddingSet, **changes) -> None:
        """Update the engines of `es` if it is still the open set."""
        if self._session.embeddings is es:
            self._session.neighbours.engines = self.engines.but(**changes)

    # -- a set opens ------------------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        for kind in (OPEN, BUILD, EXPORT, ATTACH):
            self.jobs[kind].stop()
        incoming, self._incoming = self._incoming, None
        if es is None:
            return
        if incoming is not None:
            self._session.neighbours.engines = incoming
            return
        self._session.neighbours.engines = Engines()
        if not has_stored(es):
            return
        self.jobs[OPEN].start(lambda: open_stored(es), lambda r: self._on_opened(es, *r),
                              label="looking for stored search indexes", on_error=lambda e: self._problem(es, e))

    def _on_opened(self, es: EmbeddingSet, opened: index_store.Opened, stored: tuple[str, str] | None) -> None:
        self._set(es, hnsw=opened.index, milvus_stored=stored, message=opened.notice, problem=False)
        if opened.needs_rebuild:
            self.build_hnsw(notice=opened.notice)
        self._on_backend_changed()

    def _on_backend_changed(self) -> None:
        """Milvus chosen for a set exported to Milvus Lite: attach the collection now."""
        es, e = self._session.embeddings, self.engines
        if es is None or self._session.neighbours.backend != "milvus" or e.milvus is not None \
                or e.milvus_stored is None or self.jobs[ATTACH].running:
            return
        uri, collection = e.milvus_stored
        self._set(es, message=f"attaching the Milvus collection {collection}…", problem=False)
        self.jobs[ATTACH].start(lambda: attach_stored(es, uri, collection),
                                lambda backend: self._set(es, milvus=backend, message="", problem=False),
                                label=f"attaching {collection} (Milvus Lite)", on_error=lambda e: self._problem(es, e))

    def _problem(self, es: EmbeddingSet, exc: BaseException) -> None:
        self._set(es, message=str(exc), problem=True)

    # -- actions -------------------------------------------------------------------------------
    def build_hnsw(self, notice: str = "") -> None:
        es = self._session.embeddings
        if es is None or self.engines.remote:
            return
        self._set(es, message=notice or "building the HNSW index…", problem=False)
        self.jobs[BUILD].start(lambda: index_store.build_index(es), lambda idx: self._on_built(es, idx, notice),
                               label=f"indexing {es.name} (HNSW)", on_error=lambda e: self._problem(es, e))

    def _on_built(self, es: EmbeddingSet, index, notice: str) -> None:
        done = f"HNSW index built in {index.info.build_seconds:.0f} s: recall@10 {index.recall:.3f} on " \
               f"{index.info.recall_queries:,} sampled words"
        self._set(es, hnsw=index, message=f"{notice.split(';')[0]}; rebuilt. {done}" if notice else done,
                  problem=False)
        if self._session.embeddings is es:
            self._session.neighbours.backend = "hnsw"

    def export_milvus(self, target: MilvusTarget, collection: str = "") -> None:
        es = self._session.embeddings
        if es is None or self.engines.remote:
            return
        self._set(es, message=f"exporting to {target.shown}…", problem=False)
        self.jobs[EXPORT].start(lambda: export_and_attach(es, target, collection),
                                lambda r: self._on_exported(es, *r), label=f"exporting {es.name} to Milvus",
                                on_error=lambda e: self._problem(es, e))

    def _on_exported(self, es: EmbeddingSet, result: milvus_export.ExportResult, backend) -> None:
        recall = f"recall@10 {result.recall:.3f}" if result.recall is not None else "recall not measured"
        self._set(es, milvus=backend, problem=False,
                  message=f"exported {result.count:,} words to {result.collection} ({result.target.shown}) in "
                          f"{result.seconds:.0f} s; {recall}")
        if self._session.embeddings is es:
            self._session.neighbours.backend = "milvus"

    def open_collection(self, target: MilvusTarget, collection: str, vector_field: str = "",
                        label_field: str = "", sample: int = milvus_backend.SAMPLE, on_error=None) -> None:
        """Open a collection as the set: a sample for the cloud, every query in Milvus."""
        self._session.status = f"opening {collection} from {target.shown}…"
        self.jobs[LOAD].start(lambda: milvus_backend.open_collection(target, collection, vector_field, label_field,
                                                                     sample),
                              self._on_collection, label=f"opening {collection} from Milvus", on_error=on_error)

    def _on_collection(self, opened: milvus_backend.OpenedCollection) -> None:
        s = self._session
        self._incoming = Engines(milvus=opened.backend, remote=True,
                                 message=f"showing a sample of {len(opened.sample):,} of {opened.total:,} words; "
                                         "every neighbour query runs in Milvus")
        s.set_embeddings(opened.sample)
        s.neighbours.backend = "milvus"
        s.status = f"opened {opened.backend.collection}: a sample of {len(opened.sample):,} of {opened.total:,} words"
