"""What the lens and contextual controllers share: one result in a room's model kept in step with its
inputs. Changes are debounced; the inputs' key is remembered so an unchanged input starts nothing; a
job shows its ``activity`` while it runs; an expected problem goes to ``problem``; Cancel forgets the
key (the same inputs may be asked for again) and says so."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.progress import Job
from core.state.session import Activity
from gui.controllers.debounce import Debouncer
from gui.lifetime import bind
from gui.task_runner import TaskRunner


class KeyedJob(QObject):
    def __init__(self, model, runner: TaskRunner, kind: str, delay_ms: int, signals: tuple, cancelled: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m, self._runner, self._kind, self._cancelled = model, runner, kind, cancelled
        self._key: tuple | None = None  # the inputs of the result on show or being computed
        self.request = Debouncer(delay_ms, self._request, self)
        for signal in signals:
            bind(self, signal, self.request)
        bind(self, runner.finished, lambda kind: setattr(self._m, "activity", None) if kind == self._kind else None)
        bind(self, runner.cancelled, self._on_cancelled)

    def _request(self) -> None:
        """Subclasses: read the inputs, call :meth:`changed`, then :meth:`start` a job."""
        raise NotImplementedError

    def changed(self, key: tuple) -> bool:
        """Whether ``key`` differs from the inputs asked for last (remembered from now on)."""
        if key == self._key:
            return False
        self._key = key
        return True

    def start(self, factory: Callable[[], Job], on_result: Callable, label: str, message: str) -> None:
        m = self._m
        m.activity = Activity(message)
        self._runner.run(self._kind, factory, on_result, label=label, on_error=self._on_error,
                         on_progress=lambda p: setattr(m, "activity", Activity(p.message, p.fraction)))

    def refuse(self, exc: ExplorerError) -> None:
        """A problem found before any job: the running one stops, the problem is shown."""
        self._runner.cancel(self._kind, emit=False)
        self._m.activity, self._m.problem = None, str(exc)

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)

    def _on_cancelled(self, kind: str) -> None:
        if kind == self._kind:
            self._key = None
            self._m.activity = None
            self._m.problem = self._cancelled
