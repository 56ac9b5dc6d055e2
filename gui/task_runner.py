"""Run core jobs (generators yielding Progress) off the GUI thread.

One slot per kind of job: starting a job of a kind cancels the running one of
that kind, and a result that arrives after it was superseded is dropped (each
start gets a new generation number). Cancelling is cooperative: the worker
stops at the job's next ``yield``. Worker threads run at a lower priority than
the window's thread (core.progress.background_priority), so painting keeps its
share of the CPU while jobs run.

    runner.run("load", lambda: loaders.load(path), on_result=session.set_embeddings)

Errors are shown once: an expected problem (core's ExplorerError) goes to the job's
``on_error`` when it has one, which shows it inline where it arose; a bug, or an
expected problem of a job without ``on_error``, is emitted on ``failed``, which the
window's ErrorReporter shows. Never both.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from superqt.utils import GeneratorWorker

from core.errors import ExplorerError
from core.progress import Progress, background_priority

JobFactory = Callable[[], Generator[Any, None, Any]]


@dataclass
class _Slot:
    generation: int
    worker: GeneratorWorker
    label: str


def alive(callback: Callable) -> bool:
    """False when ``callback`` belongs to a Qt object that was deleted: a method of a destroyed widget, or
    a function that closes over one (a panel's lambda). Its result is then dropped quietly."""
    owners = [getattr(callback, "__self__", None)]
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            owners.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    return all(shiboken6.isValid(o) for o in owners if isinstance(o, QObject))


class TaskRunner(QObject):
    """Signals carry the job kind; `progress` also its fraction (0..1, -1 unknown) and message."""

    started = Signal(str, str)  # kind, label
    progress = Signal(str, float, str)  # kind, fraction, message
    finished = Signal(str)  # kind: ended in any way (result, error, cancel)
    failed = Signal(str, object)  # kind, exception
    cancelled = Signal(str)
    intermediate = Signal(str, object)  # kind, Progress.payload (e.g. a t-SNE layout while it runs)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._slots: dict[str, _Slot] = {}
        self._gen = itertools.count(1)
        self._waiting: list[QTimer] = []  # when_quiet's timers

    # -- queries -------------------------------------------------------------
    def is_running(self, kind: str | None = None) -> bool:
        if kind is None:
            return bool(self._slots)
        return kind in self._slots

    def running(self) -> dict[str, str]:
        return {k: s.label for k, s in self._slots.items()}

    # -- control -------------------------------------------------------------
    def run(
        self,
        kind: str,
        factory: JobFactory,
        on_result: Callable[[Any], None] | None = None,
        *,
        label: str = "",
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> GeneratorWorker:
        """Start a job of `kind`, cancelling the previous one of that kind."""
        self.cancel(kind, emit=False)
        generation = next(self._gen)

        jobs: list = []

        def body():
            background_priority()  # and the threads it starts (cache writer, t-SNE, UMAP) inherit it
            job = factory()
            jobs.append(job)
            return (yield from job)

        def close_job() -> None:  # runs on the worker thread after it stopped iterating
            for job in jobs:
                try:
                    job.close()  # the job's finally blocks run now, not when it is garbage-collected
                except ValueError:
                    pass

        worker = GeneratorWorker(body)
        worker.aborted.connect(close_job)
        slot = _Slot(generation, worker, label or kind)
        self._slots[kind] = slot

        def current() -> bool:
            s = self._slots.get(kind)
            return s is not None and s.generation == generation

        def yielded(p: Any) -> None:
            if not current() or not isinstance(p, Progress):
                return
            self.progress.emit(kind, float(p.fraction), p.message)
            if p.payload is not None:
                self.intermediate.emit(kind, p.payload)
            if on_progress is not None and alive(on_progress):
                on_progress(p)

        def returned(value: Any) -> None:
            if current() and on_result is not None and alive(on_result):
                on_result(value)

        def errored(exc: BaseException) -> None:
            if not current():
                return
            if on_error is not None and isinstance(exc, ExplorerError):
                if alive(on_error):  # a result for a closed panel is dropped quietly
                    on_error(exc)  # an expected problem, shown where it arose (inline)
            else:
                self.failed.emit(kind, exc)  # a bug, or a problem no panel shows: the error reporter

        def finished() -> None:
            if current():
                del self._slots[kind]
                self.finished.emit(kind)

        worker.yielded.connect(yielded)
        worker.returned.connect(returned)
        worker.errored.connect(errored)
        worker.finished.connect(finished)
        self.started.emit(kind, slot.label)
        worker.start()
        return worker

    def when_quiet(self, start: Callable[[], Any], at_most_s: float = 3.0) -> None:
        """Call ``start`` once the jobs running now have ended, or after ``at_most_s`` (for work that can
        wait: it would compete with them for the cores and the GIL)."""
        timer, t0 = QTimer(self, interval=50), time.monotonic()

        def check() -> None:
            if self.is_running() and time.monotonic() - t0 < at_most_s:
                return
            self._waiting.remove(timer)
            timer.stop()
            timer.deleteLater()
            start()

        timer.timeout.connect(check)
        self._waiting.append(timer)
        timer.start()

    def cancel(self, kind: str, *, emit: bool = True) -> None:
        slot = self._slots.pop(kind, None)
        if slot is None:
            return
        slot.worker.quit()
        if emit:
            self.cancelled.emit(kind)
            self.finished.emit(kind)

    def cancel_all(self) -> None:
        for kind in list(self._slots):
            self.cancel(kind)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything and wait for the worker threads (call on close)."""
        for timer in self._waiting:  # work waiting for a quiet moment is not started any more
            timer.stop()
        self._waiting.clear()
        workers = [s.worker for s in self._slots.values()]
        self.cancel_all()
        for w in workers:
            w.quit()
        return QThreadPool.globalInstance().waitForDone(timeout_ms)
