"""A progress bar and Cancel for a room's ``Activity``. Work that ends within ``delay_ms`` (a cached
step, a typed letter) never shows it; longer work (a pasted book, Generate, scoring) does."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QWidget

from core.state.session import Activity
from gui.widgets.progress_bar import LazyProgressBar


class BusyRow(QWidget):
    def __init__(self, parent: QWidget | None = None, *, delay_ms: int = 300) -> None:
        super().__init__(parent)
        self.progress = LazyProgressBar(maximum=1000, text_visible=True)
        self.cancel = QToolButton(text="Cancel", toolTip="stop this work")
        self.cancel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        self._activity: Activity | None = None
        self._delay = QTimer(self, singleShot=True, interval=delay_ms)
        self._delay.timeout.connect(lambda: self._show(True))
        self.hide()

    def set_activity(self, activity: Activity | None) -> None:
        self._activity = activity
        if activity is None:
            self._delay.stop()
            self._show(False)
        elif self.isVisibleTo(self.parentWidget()) if self.parentWidget() else self.isVisible():
            self._show(True)
        elif not self._delay.isActive():
            self._delay.start()

    def _show(self, show: bool) -> None:
        a = self._activity
        show = show and a is not None
        if show:
            self.progress.setRange(0, 0 if a.fraction < 0 else 1000)
            self.progress.setValue(int(max(a.fraction, 0) * 1000))
            self.progress.setToolTip(a.message)
        self.setVisible(show)
