"""The window's status bar: messages, the active embedding set, and running jobs with Cancel.

A job shows only if it is still running after a short delay, so quick lookups
(neighbours, arithmetic: a few ms) do not make the bar flicker.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.progress_bar import LazyProgressBar

SHOW_AFTER_MS = 250
REFRESH_MS = 250  # progress repaints are coalesced: under software GL a window repaint is not free


class StatusBar(QStatusBar):
    def __init__(self, session: Session, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self._shown_kind = ""
        self._messages: dict[str, tuple[float, str]] = {}  # kind -> last (fraction, message)

        self.job_label = QLabel()
        self.job_progress = LazyProgressBar(maximum_width=180)
        self.cancel_button = QPushButton("Cancel", toolTip="stop this job", flat=True)
        self.embedding_label = QLabel()
        self.embedding_label.setObjectName("embedding_label")
        for w in (self.job_label, self.job_progress, self.cancel_button):
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.embedding_label)
        self._delay = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS)
        self._delay.timeout.connect(self._refresh)
        self._coalesce = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._coalesce.timeout.connect(self._refresh)

        self.cancel_button.clicked.connect(self._cancel_shown)
        bind(self, runner.started, self._on_job_started)
        bind(self, runner.progress, self._on_job_progress)
        bind(self, runner.finished, lambda kind: self._refresh())
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        bind(self, session.events.status, self._on_status_changed)
        self._on_embeddings_changed()
        self._refresh()

    # -- jobs -------------------------------------------------------------------------
    def _on_job_started(self, kind: str, label: str) -> None:
        self._messages[kind] = (-1.0, label)
        if not self.job_label.isVisible():
            self._delay.start()
        else:
            self._refresh()

    def _on_job_progress(self, kind: str, fraction: float, message: str) -> None:
        label = self._runner.running().get(kind, kind)
        self._messages[kind] = (fraction, f"{label}: {message}" if message and message != label else label)
        if kind == self._shown_kind and not self._coalesce.isActive():
            self._coalesce.start()

    def _refresh(self) -> None:
        running = self._runner.running()
        for k in list(self._messages):
            if k not in running:
                del self._messages[k]
        if not running:
            self._shown_kind = ""
            for w in (self.job_label, self.job_progress, self.cancel_button):
                w.hide()
            return
        if self._delay.isActive():
            return
        kind = self._shown_kind if self._shown_kind in running else next(reversed(running))
        self._shown_kind = kind
        fraction, text = self._messages.get(kind, (-1.0, running[kind]))
        others = len(running) - 1
        self.job_label.setText(text + (f"  (+{others} more)" if others else ""))
        self.job_label.setToolTip("\n".join(running.values()))
        if fraction < 0:
            if self.job_progress.maximum() != 0:
                self.job_progress.setRange(0, 0)  # busy
        else:
            if self.job_progress.maximum() != 100:
                self.job_progress.setRange(0, 100)
            if self.job_progress.value() != int(fraction * 100):
                self.job_progress.setValue(int(fraction * 100))
        self.cancel_button.setToolTip(f"stop: {running[kind]}")
        for w in (self.job_label, self.job_progress, self.cancel_button):
            w.show()

    def _cancel_shown(self) -> None:
        if self._shown_kind:
            self._runner.cancel(self._shown_kind)
            self._session.status = f"cancelled: {self._messages.get(self._shown_kind, (0, self._shown_kind))[1]}"

    def shown_job(self) -> str:
        return self._shown_kind

    # -- session ----------------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        if es is None:
            self.embedding_label.setText("no embeddings")
        else:
            self.embedding_label.setText(
                f"{es.name}  ·  {len(es):,} {'pictures' if es.images is not None else 'words'}  ·  {es.dim} "
                f"dimensions  ·  {es.vectors.dtype}"
            )
        self.embedding_label.setToolTip(es.source if es is not None else "")

    def _on_status_changed(self) -> None:
        self.showMessage(self._session.status, 10000)
