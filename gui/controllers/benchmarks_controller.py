"""The benchmarks (``session.benchmarks``): a press of Run (``run``, a counter) evaluates the active set
on the chosen dataset in the background; the result, its progress and its expected problems go into the
BenchmarksState, which the benchmarks panel shows. 3CosAdd asks the neighbours panel's backend
(``session.neighbours.chosen_backend()``). Cancel is ``benchmarks.cancel`` (the RoomJob watches it)."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.embeddings.evaluation import AnalogyResult, PairResult, evaluate_analogies, evaluate_pairs
from core.state.benchmarks import CANCELLED, DATASETS
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "benchmark"
NO_SET = "Open an embedding set first."


class BenchmarksController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.job = RoomJob(runner, KIND, session.benchmarks, cancelled=CANCELLED, parent=self)
        bind(self, session.benchmarks.events.run, self.start)

    def start(self, *_changed) -> None:
        """Run the benchmark with the inputs as they are now (a running one is cancelled)."""
        es, b = self._session.embeddings, self._session.benchmarks
        if es is None:
            self.job.refuse(NO_SET)
            return
        dataset, restrict, method = b.dataset, b.restrict, b.method
        if dataset == "analogies":
            backend = self._session.neighbours.chosen_backend()  # the neighbours panel's choice

            def factory():
                return evaluate_analogies(es, restrict=restrict, method=method, backend=backend)
        else:
            def factory():
                return evaluate_pairs(es, dataset, restrict=restrict)
        self.job.start(factory, self._on_result, label=f"benchmark: {DATASETS[dataset]}",
                       message=f"Running {DATASETS[dataset]} on the {min(restrict, len(es)):,} most frequent words…")

    def _on_result(self, result: AnalogyResult | PairResult) -> None:
        self._session.benchmarks.result = result
