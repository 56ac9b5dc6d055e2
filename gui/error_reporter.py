"""One place where failed background jobs and unexpected errors reach the user.

A non-modal message box (the window stays usable) with the short message on top
and the traceback under "Show Details...". Expected problems (core's
ExplorerError: a malformed file, an unknown word) show their own precise message
and no traceback. Every report is also logged and kept in ``history``.
"""
from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import Cancelled, ExplorerError

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> tuple[str, str]:
    """(one-paragraph message, details) for an exception."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, ExplorerError):
        return str(exc), details
    return f"{type(exc).__name__}: {exc}", details


class ErrorReporter(QObject):
    reported = Signal(str, str)  # title, message

    def __init__(self, parent_widget: QWidget | None = None, *, dialogs: bool = True) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self.dialogs = dialogs
        self.history: list[tuple[str, str]] = []
        self._box: QMessageBox | None = None

    @property
    def box(self) -> QMessageBox | None:
        """The message box of the last report (None before the first)."""
        return self._box

    def report(self, title: str, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            return
        message, details = describe(exc)
        if isinstance(exc, ExplorerError):
            log.info("%s: %s", title, message)
        else:
            log.error("%s\n%s", title, details)
        self.show_message(title, message, details if not isinstance(exc, ExplorerError) else "")

    def show_message(self, title: str, message: str, details: str = "") -> None:
        self.history.append((title, message))
        del self.history[:-50]
        if self.dialogs:
            box = self._box
            if box is None:
                box = QMessageBox(self._parent_widget)
                box.setIcon(QMessageBox.Icon.Warning)
                box.setWindowModality(Qt.WindowModality.NonModal)
                box.setStandardButtons(QMessageBox.StandardButton.Close)
                box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self._box = box
            box.setWindowTitle(title)
            box.setText(f"<b>{_escape(title)}</b>")
            box.setInformativeText(_escape(message).replace("\n", "<br>"))
            box.setDetailedText(details)
            box.show()
            box.raise_()
        self.reported.emit(title, message)

    def job_failed(self, kind: str, exc: BaseException) -> None:
        """Slot for TaskRunner.failed."""
        self.report(JOB_TITLES.get(kind, f"The {kind} job failed"), exc)


JOB_TITLES = {
    "load": "Could not open the embeddings",
    "export": "Could not export",
    "benchmark": "The benchmark failed",
    "neighbours": "The neighbour lookup failed",
    "arithmetic": "The calculation failed",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
