"""The window's message bar: problems and notices that concern the whole window (a file
that could not be opened, a folder that cannot be written, what loading a file skipped),
shown above the panels until the user dismisses them.

    bar = MessageBar(window); window.addToolBar(Qt.TopToolBarArea, bar)
    bar.show_message("bad.txt, line 3: ...", "error")
    bar.messages()        # [("error", "bad.txt, line 3: ...")]

A toolbar that cannot be moved or floated; hidden while empty. The newest message is on
top; at most MAX_ROWS are kept.
"""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolBar, QToolButton, QVBoxLayout, QWidget

from gui.theme import error_color

MAX_ROWS = 3
MAX_LINES = 3  # a longer message is cut (all of it in the tooltip and selectable): the bar never fills the window


class WrappedLabel(QLabel):
    """A word-wrapped label held at the height its text needs at its present width (toolbars do
    not ask widgets for their height-for-width)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(100)
        self.setToolTip(text if len(text) > 200 else "")
        self.setFixedHeight(self.text_height(600))

    def text_height(self, width: int) -> int:
        rect = self.fontMetrics().boundingRect(QRect(0, 0, max(width, 1), 1 << 20), Qt.TextFlag.TextWordWrap,
                                               self.text())
        return min(rect.height(), MAX_LINES * self.fontMetrics().lineSpacing()) + 2 * self.margin() + 2

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        h = self.text_height(event.size().width())
        if h != self.height():
            self.setFixedHeight(h)
            window = self.window()
            if window.layout() is not None:  # the main window lays out its toolbars only when asked
                QTimer.singleShot(0, window.layout().invalidate)


class MessageRow(QFrame):
    def __init__(self, text: str, kind: str, bar: MessageBar) -> None:
        super().__init__()
        self.setObjectName(f"message_{kind}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.kind, self.text = kind, text
        self.label = WrappedLabel(text, self)
        if kind == "error":
            self.label.setStyleSheet(f"color: {error_color()}")
            tint = QColor(error_color())
            tint.setAlpha(28)
            self.setStyleSheet(f"QFrame#message_error {{ background: {tint.name(QColor.NameFormat.HexArgb)}; }}")
        self.dismiss_button = QToolButton(self, text="Dismiss", toolTip="hide this message")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.clicked.connect(lambda: bar.dismiss(self))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)


class MessageBar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Messages", parent)
        self.setObjectName("message_bar")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not a toolbar the user switches on
        self._box = QWidget(self)
        self._rows = QVBoxLayout(self._box)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        self._box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(self._box)
        self.rows: list[MessageRow] = []
        self.sync()

    def show_message(self, text: str, kind: str = "info") -> MessageRow:
        """Show ``text`` ("error" in the error colour, "info" plainly) until dismissed; a message
        already shown moves to the top instead of repeating."""
        for row in list(self.rows):
            if row.text == text:
                self._remove(row)
        row = MessageRow(text, kind, self)
        self.rows.insert(0, row)
        self._rows.insertWidget(0, row)
        while len(self.rows) > MAX_ROWS:
            self._remove(self.rows[-1])
        self.sync()
        return row

    def messages(self) -> list[tuple[str, str]]:
        return [(r.kind, r.text) for r in self.rows]

    def dismiss(self, row: MessageRow) -> None:
        self._remove(row)
        self.sync()

    def clear_messages(self) -> None:
        for row in list(self.rows):
            self._remove(row)
        self.sync()

    def _remove(self, row: MessageRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            self._rows.removeWidget(row)
            row.deleteLater()

    def sync(self) -> None:
        """Shown exactly when there is something to read (also after a restored layout)."""
        self.setVisible(bool(self.rows))
