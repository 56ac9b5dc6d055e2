"""What the lens and contextual controllers share: one result in a room's model kept in step with its
inputs, on one :class:`~gui.controllers.job.RoomJob`. Changes are debounced; the inputs' key is
remembered so an unchanged input starts nothing; Cancel forgets the key (the same inputs may be asked
for again) and says so in ``problem``."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.progress import Job
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner


class KeyedJob(QObject):
    def __init__(self, model, runner: TaskRunner, kind: str, delay_ms: int, signals: tuple, cancelled: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m = model
        self.job = RoomJob(runner, kind, model, cancelled=cancelled, parent=self)
        self.job.cancelled.connect(self._forget)
        self._key: tuple | None = None  # the inputs of the result on show or being computed
        self.request = Debouncer(delay_ms, self._request, self)
        for signal in signals:
            bind(self, signal, self.request)

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
        self.job.start(factory, on_result, label=label, message=message, on_error=self._on_error)

    def refuse(self, exc: ExplorerError) -> None:
        """A problem found before any job: the running one stops, the problem is shown."""
        self.job.refuse(exc)

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)

    def _forget(self) -> None:
        self._key = None
