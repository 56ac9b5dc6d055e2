"""A restartable single-shot timer: many changes in a burst make one request."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Debouncer(QObject):
    def __init__(self, interval_ms: int, action: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True, interval=interval_ms)
        self._timer.timeout.connect(action)

    def __call__(self, *_changed) -> None:
        """Connect any signal here: its arguments are ignored, the action runs once after the burst."""
        self._timer.start()

    def flush(self) -> None:
        """Run a pending action now."""
        if self._timer.isActive():
            self._timer.stop()
            self._timer.timeout.emit()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()
