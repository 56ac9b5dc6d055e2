"""Comparing two sets (``session.compare``): a press of Compare (``run``, a counter) opens the two sets
named by ``a`` and ``b`` (the bundled GloVe is read once, in the background), aligns them and ranks their
shared words (core/embeddings/compare.py) on a RoomJob; Cancel is ``compare.cancel``. Then, and whenever
the cloud's layout or the active set changes, the words that moved most are placed as arrows in the
layout on show (core/projections/compare_arrows.py), when the active set is one of the two."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings import default_set
from core.embeddings.compare import Comparison, compare
from core.embeddings.embedding_set import EmbeddingSet
from core.errors import InputError
from core.progress import Job, Progress
from core.projections.compare_arrows import move_arrows
from core.state.compare import CANCELLED, TOKEN_PRECISIONS
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "compare"
NOT_SHOWN = "No arrows: the cloud shows neither set (make A or B the active set)."


def same_set(x: EmbeddingSet | None, y: EmbeddingSet | None) -> bool:
    """The same set, or two opens of the same words (the bundled GloVe read twice)."""
    if x is None or y is None:
        return False
    return x is y or x.words is y.words or (len(x) == len(y) and x.name == y.name and x.dim == y.dim
                                              and x.words[:100] == y.words[:100])


class CompareController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session, st = session, session.compare
        self.job = RoomJob(runner, KIND, st, cancelled=CANCELLED, parent=self)
        self.arrows_job = RoomJob(runner, "compare.arrows", parent=self)
        self._glove: EmbeddingSet | None = None  # the bundled GloVe, once read
        self._sets: tuple[EmbeddingSet, EmbeddingSet] | None = None  # the sets of ``result``
        bind(self, st.events.run, self.start)
        for e in (session.cloud.events.layout, session.events.embeddings, st.events.arrows_shown, st.events.sort):
            bind(self, e, self.place_arrows)

    # -- the sets ------------------------------------------------------------------------------
    def resolve(self, key: str) -> EmbeddingSet | Job[EmbeddingSet]:
        """The set a source key names (a job when it has to be read first); InputError when it is gone."""
        s = self._session
        if key == "active":
            if s.embeddings is None:
                raise InputError("No set is open: open one, or pick another to compare.")
            return s.embeddings
        if key == "glove":
            if s.embeddings is not None and s.embeddings.name == default_set.NAME:
                return s.embeddings
            return self._glove if self._glove is not None else default_set.load_default()
        if key in TOKEN_PRECISIONS:
            from core.inference.token_embeddings import q4_unavailable, token_embeddings

            why = q4_unavailable() if key == "tokens-q4" else ""
            if why:
                raise InputError(f"No 4-bit token embeddings: {why}.")
            return token_embeddings(precision=TOKEN_PRECISIONS[key])  # read once, then mapped from the cache
        run = s.training.other if key == "other" else s.training.run
        if key.startswith("epoch:") or key == "other":
            if run is None or not run.epochs:
                raise InputError("No word2vec run yet: train one in the Train workspace first.")
            which = key.split(":", 1)[1] if key != "other" else "last"
            if which == "last":
                return run.epochs[-1].embeddings
            i = int(which)
            if not 0 <= i < len(run.epochs):
                raise InputError(f"The run has no epoch record {i} (it has {len(run.epochs)}).")
            return run.epochs[i].embeddings
        raise InputError(f"Unknown set to compare: {key!r}")

    def start(self, *_changed) -> None:
        st = self._session.compare
        try:
            a, b = self.resolve(st.a), self.resolve(st.b)
        except InputError as exc:
            self.job.refuse(exc)
            return
        k = st.k
        st.arrows, st.note = (), ""

        def factory() -> Job[tuple[EmbeddingSet, EmbeddingSet, Comparison]]:
            sa = a if isinstance(a, EmbeddingSet) else (yield from a)
            sb = b if isinstance(b, EmbeddingSet) else (yield from b)
            yield Progress(0.0, f"comparing {sa.name} with {sb.name}")
            cmp = yield from compare(sa, sb, k=k)
            return sa, sb, cmp

        self.job.start(factory, self._on_result, label="compare two sets", message="Comparing the two sets…")

    def _on_result(self, found: tuple[EmbeddingSet, EmbeddingSet, Comparison]) -> None:
        sa, sb, cmp = found
        for es in (sa, sb):
            if es.name == default_set.NAME:
                self._glove = es
        self._sets = (sa, sb)
        self._session.compare.result = cmp
        self.place_arrows()

    # -- the arrows in the cloud ----------------------------------------------------------------
    def place_arrows(self, *_changed) -> None:
        s, st = self._session, self._session.compare
        cmp, lay, es = st.result, s.cloud.layout, s.embeddings
        if cmp is None or self._sets is None or st.arrows_shown <= 0:
            self.arrows_job.stop()
            st.arrows = ()
            return
        sa, sb = self._sets
        if same_set(es, sa):
            es_is_a, other = True, sb
        elif same_set(es, sb):
            es_is_a, other = False, sa
        else:
            self.arrows_job.stop()
            st.arrows, st.note = (), NOT_SHOWN
            return
        if lay is None:  # a layout is on its way: placed again when it comes
            self.arrows_job.stop()
            st.arrows = ()
            return
        top = st.arrows_shown
        order = cmp.order(st.sort)

        def factory():
            return move_arrows(es, lay, cmp, other, es_is_a=es_is_a, top=top, order=order)

        def done(arrows: list) -> None:
            if s.cloud.layout is lay and s.embeddings is es:
                st.arrows = tuple(arrows)
                st.note = (f"{len(arrows)} arrows: from each word in {es.name} to where its vector in "
                           f"{other.name} lands once aligned")

        self.arrows_job.start(factory, done, label="placing the moved words")
