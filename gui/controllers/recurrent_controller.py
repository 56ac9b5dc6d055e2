"""The recurrent network (the GRU) in the language room, on two RoomJobs:

* **the Recurrent state panel**: keeps ``session.language.recurrent.paths`` in step with its two texts
  once the panel has been shown. The GRU reads each text off the GUI thread (a newer keystroke
  supersedes a running read; a long paste is read in chunks and can be cancelled); the first job
  also opens the network and projects its background (the states at the ends of corpus sentences).
* **its next words beside SmolLM2's**: keeps ``recurrent.next`` in step with the Next word prompt once
  the Next word panel has been shown (``language.active``).

Both share one opened network (:func:`shared_space`)."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from core.inference import registry
from core.inference.rnn import Reading
from core.progress import Job, Progress
from core.projections.state_paths import RecurrentPaths, StateSpace, paths_job
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.controllers.keyed_job import KeyedJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "recurrent"
NEXT_KIND = "recurrent_next"
EDIT_MS = 10  # typing: a short pause starts a read (a 50-token text is read and placed in ~11 ms)
N_NEXT = 10  # next words shown beside SmolLM2's bars
OWNER = "recurrent"  # who borrows the active set (session.borrow): the GRU's input embeddings

_lock = threading.Lock()
_space: list[StateSpace] = []


def shared_space() -> Job[StateSpace]:
    """The built GRU and its background's 3D frame, opened once per process (each file checked by
    its sha256: a damaged one is named in the job's error)."""
    if not _space:
        yield Progress(-1.0, "opening the recurrent network and projecting its background")
    with _lock:  # two jobs opening at once open it once
        if not _space:
            _space.append(StateSpace(registry.open(registry.RNN)))
        return _space[0]


class RecurrentController(KeyedJob):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        m = session.language.recurrent
        super().__init__(m, runner, KIND, EDIT_MS, (m.events.active, m.events.texts),
                         "cancelled; edit a text to read it again", parent)
        self.next = RecurrentNextController(session, runner, self)
        self.search = RecurrentSearchController(session, runner, self)
        self._session = session
        self.words = RoomJob(runner, "recurrent_words", m, parent=self)
        bind(self, m.events.open_words, self._open_words)
        self.request()

    def _open_words(self, *_changed) -> None:
        """The GRU's input embedding table as the active set (borrowed: Back gives the set before back)."""
        def job():
            space = yield from shared_space()
            return space.rnn.embedding_set()

        self.words.start(job, self._on_words, label="the GRU's word vectors",
                         message="reading the recurrent network's input embeddings")

    def _on_words(self, es) -> None:
        self._session.borrow(OWNER, es)
        self._session.status = f"{es.name}: {len(es):,} words in {es.dim} dimensions (the GRU's input table)"

    def _request(self) -> None:
        m = self._m
        texts = tuple(m.texts)
        if not m.active or not self.changed(texts):
            return
        self.start(lambda: self._job(texts), self._on_result, "recurrent state",
                   "reading the texts with the recurrent network")

    @staticmethod
    def _job(texts: tuple[str, ...]) -> Job[RecurrentPaths]:
        space = yield from shared_space()
        return (yield from paths_job(space, texts))

    def _on_result(self, paths: RecurrentPaths) -> None:
        self._m.paths, self._m.problem = paths, ""


class RecurrentNextController(KeyedJob):
    """The Next word prompt read by the GRU (its top next words), once the Next word panel is shown."""

    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        self._language = session.language
        m = session.language.recurrent.next
        super().__init__(m, runner, NEXT_KIND, EDIT_MS,
                         (session.language.events.active, session.language.events.prompt),
                         "cancelled; edit the prompt to read it again", parent)
        self.request()

    def _request(self) -> None:
        prompt = self._language.prompt
        if not self._language.active or not self.changed((prompt,)):
            return
        if not prompt.strip():
            self._m.reading, self._m.problem = None, ""
            self.job.stop()
            return
        self.start(lambda: self._job(prompt), self._on_result, "recurrent next words",
                   "the recurrent network reads the prompt")

    @staticmethod
    def _job(prompt: str) -> Job[Reading]:
        space = yield from shared_space()
        return (yield from space.rnn.read_job(prompt, k=N_NEXT))

    def _on_result(self, reading: Reading) -> None:
        self._m.reading, self._m.problem = reading, ""


class RecurrentSearchController(KeyedJob):
    """Semantic search's passages and query read by the GRU too (the centred mean of its states), when
    the search panel's "also with the GRU" is ticked: ``recurrent.search_hits`` beside MiniLM's hits.
    The passages are encoded once per passage index."""

    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        self._search, m = session.language.search, session.language.recurrent.search
        self._encoded: tuple = (None, None)  # (the passage index, its RnnPassages)
        super().__init__(m, runner, "recurrent_search", 150,
                         (m.events.on, self._search.events.index, self._search.events.query),
                         "cancelled; tick the box again to read the passages", parent)
        self.request()

    def _request(self) -> None:
        m, s = self._m, self._search
        index, query = s.index, s.query.strip()
        if not m.on or index is None or not query:
            self._key = None
            m.hits = None
            self.job.stop()
            return
        if not self.changed((id(index), query)):
            return
        cached = self._encoded[1] if self._encoded[0] is index else None
        message = "the recurrent network reads the query" if cached is not None else \
            f"the recurrent network reads {len(index):,} passages"
        self.start(lambda: self._job(index, cached, query), self._on_result, "the GRU's search", message)

    @staticmethod
    def _job(index, cached, query: str):
        from core.inference.rnn_search import encode_passages, find_hits

        space = yield from shared_space()
        found = cached
        if found is None:
            found = yield from encode_passages(space.rnn, [index.text(i) for i in range(len(index))], "mean")
        return index, found, find_hits(space.rnn, found, query, k=10)

    def _on_result(self, result) -> None:
        index, found, hits = result
        self._encoded = (index, found)
        self._m.hits, self._m.problem = hits, ""
