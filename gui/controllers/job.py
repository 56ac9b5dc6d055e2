"""One job base for controllers: a :class:`RoomJob` runs one kind of job for one room's state.

    self.job = RoomJob(runner, "neighbours", session.neighbours, parent=self)
    self.job.start(lambda: lookup_job(es, query), self._on_lookup, label=f"neighbours of {query}")
    self.job.stop()          # the inputs went away: the running job stops quietly, its result is dropped
    self.job.refuse(exc)     # a problem found before any job: the running one stops, ``problem`` shows it

A controller holds one RoomJob per kind of job it runs (the onnx controller: one to open, one to run).
The job owns:

* **the kind**: one slot on the TaskRunner; a start cancels the running job of that kind.
* **``state.activity``** (when the state has that field): ``Activity(message)`` at the start, each
  Progress's message and fraction while it runs, None when it ends in any way.
* **``state.problem``** (when the state has that field): "" at a start; an expected problem's message
  (core's ExplorerError) when the job fails; ``cancelled`` (the constructor's text) when it is cancelled.
  Bugs, and expected problems of a state without ``problem`` and no ``on_error``, go to the runner's
  ``failed`` signal (the window's ErrorReporter): an error is shown in one place.
* **cancellation**: a panel never calls the runner. Its Cancel button adds one to the state's ``cancel``
  counter (``state.cancel += 1``, when the state has that field); every RoomJob of that state watches it
  and cancels. A cancel from the status bar (the runner's ``cancelled``) is seen the same way. Either
  way :attr:`cancelled` is emitted (a KeyedJob forgets its inputs then).
* **stale and orphaned results**: every start and stop takes a new request number (ndv's
  ``_current_gen``); a result, progress or error of an older request is dropped, and so is one whose
  callback belongs to a deleted Qt object (TaskRunner's :func:`~gui.task_runner.alive`). A controller
  that needs its own check (the set changed meanwhile) compares :attr:`request` with the number
  :meth:`start` returned.

:attr:`finished` is emitted when the current job ended in any way (a coalescing controller starts the
latest input then); :attr:`running` says whether one runs now.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.errors import ExplorerError
from core.progress import Job, Progress
from core.state.session import Activity
from gui.lifetime import bind
from gui.task_runner import TaskRunner, alive


class RoomJob(QObject):
    cancelled = Signal()  # the user (a panel's Cancel, the status bar) stopped the job
    finished = Signal()  # the current job ended: result, error or cancel

    def __init__(self, runner: TaskRunner, kind: str, state: Any = None, *, cancelled: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner, self.kind, self._state, self._cancelled_text = runner, kind, state, cancelled
        self._request = 0
        bind(self, runner.finished, self._on_runner_finished)
        bind(self, runner.cancelled, self._on_runner_cancelled)
        if state is not None and hasattr(state, "cancel"):
            bind(self, state.events.cancel, self.cancel)

    # -- queries ------------------------------------------------------------------------------
    @property
    def request(self) -> int:
        """The number of the latest start or stop: a result of an older one is out of date."""
        return self._request

    @property
    def running(self) -> bool:
        return self._runner.is_running(self.kind)

    # -- control ------------------------------------------------------------------------------
    def start(self, factory: Callable[[], Job], on_result: Callable[[Any], None] | None = None, *,
              label: str = "", message: str = "", on_error: Callable[[ExplorerError], None] | None = None,
              on_progress: Callable[[Progress], None] | None = None) -> int:
        """Start a job (cancelling the running one); ``message`` is the first ``activity`` (default: the
        label). Returns its request number."""
        self._request += 1
        n = self._request
        self._set(activity=Activity(message or label or self.kind), problem="")

        def current(callback: Callable | None) -> bool:
            return n == self._request and callback is not None and alive(callback)

        def result(value: Any) -> None:
            if current(on_result):
                on_result(value)

        def progress(p: Progress) -> None:
            if n == self._request:
                self._set(activity=Activity(p.message, p.fraction))
                if current(on_progress):
                    on_progress(p)

        def error(exc: ExplorerError) -> None:
            if n != self._request:
                return
            if on_error is not None:
                if alive(on_error):
                    on_error(exc)
            else:
                self._set(problem=str(exc))

        shows_problems = on_error is not None or hasattr(self._state, "problem")
        self._runner.run(self.kind, factory, result, label=label or self.kind,
                         on_error=error if shows_problems else None, on_progress=progress)
        return n

    def stop(self) -> None:
        """Stop the running job quietly (its inputs went away); a result still in flight is dropped."""
        self._request += 1
        self._runner.cancel(self.kind, emit=False)
        self._set(activity=None)

    def refuse(self, problem: ExplorerError | str) -> None:
        """A problem found before any job: the running one stops, ``problem`` shows it."""
        self.stop()
        self._set(problem=str(problem))

    def cancel(self, *_changed) -> None:
        """The user stops the job (connected to the state's ``cancel`` counter)."""
        self._runner.cancel(self.kind)  # emits cancelled when one ran: handled below

    # -- the runner's signals ---------------------------------------------------------------
    def _on_runner_finished(self, kind: str) -> None:
        if kind == self.kind:
            self._set(activity=None)
            self.finished.emit()

    def _on_runner_cancelled(self, kind: str) -> None:
        if kind != self.kind:
            return
        self._request += 1
        self._set(activity=None)
        if self._cancelled_text:
            self._set(problem=self._cancelled_text)
        self.cancelled.emit()

    def _set(self, **fields: Any) -> None:
        """Write the fields the state has (activity, problem)."""
        for name, value in fields.items():
            if self._state is not None and hasattr(self._state, name):
                setattr(self._state, name, value)
