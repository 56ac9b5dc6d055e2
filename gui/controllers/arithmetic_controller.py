"""Word arithmetic: the expression is evaluated on a worker whenever it, its method, its options, the
restriction or the set change; the outcome (result or problem) goes into ``session.arithmetic.outcome``,
where the calculator shows it and the point cloud draws its arrows."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.arithmetic import Outcome, evaluate_text
from core.embeddings.embedding_set import EmbeddingSet
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "arithmetic"
RESULTS = 15


def arithmetic_job(es: EmbeddingSet, text: str, method: str, exclude_inputs: bool, restrict: int,
                   backend=None, among: tuple[int, ...] | None = None) -> Job[Outcome]:
    yield Progress(-1, f"evaluating {text}")
    return evaluate_text(es, text, RESULTS, method=method, exclude_inputs=exclude_inputs, restrict=restrict,
                         backend=backend, among=among)


class ArithmeticController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.job = RoomJob(runner, KIND, session.arithmetic, parent=self)
        self.request = Debouncer(30, self._request, self)
        model = session.arithmetic
        for signal in (session.events.embeddings, model.events.expression, model.events.method,
                       model.events.exclude_inputs, session.neighbours.events.restrict,
                       session.neighbours.events.backend, session.neighbours.events.engines, model.events.in_selection):
            bind(self, signal, self.request)
        bind(self, session.events.selection, self._on_selection_changed)
        self.request()

    def _on_selection_changed(self) -> None:
        if self._session.arithmetic.in_selection:  # the candidates changed
            self.request()

    def _request(self) -> None:
        s, model = self._session, self._session.arithmetic
        es, text = s.embeddings, model.expression
        if es is None or not text:
            self.job.stop()
            model.outcome = None
            return
        method, exclude, restrict = model.method, model.exclude_inputs, s.neighbours.restrict
        backend = s.neighbours.chosen_backend()  # the search backend the user chose (3CosAdd asks it)
        among = s.selection if model.in_selection else None
        self.job.start(lambda: arithmetic_job(es, text, method, exclude, restrict, backend, among),
                       lambda outcome: self._on_outcome(outcome, es), label=f"evaluating {text}")

    def _on_outcome(self, outcome: Outcome, es: EmbeddingSet) -> None:
        # not a result for the previous set that landed before the debounced request for the new one started
        if outcome.text == self._session.arithmetic.expression and es is self._session.embeddings:
            self._session.arithmetic.outcome = outcome
