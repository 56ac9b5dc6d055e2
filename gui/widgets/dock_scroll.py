"""The frame every dock's panel sits in: it scrolls vertically when the dock is shorter than the panel
needs, so no panel can make the window taller than the screen, and its minimum width is what the panel
needs (capped), so at usual sizes there is no horizontal scrollbar.

    dock.setWidget(DockScroll(panel)); DockScroll.panel_of(dock) is panel
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

MAX_MIN_WIDTH = 620  # a panel never asks a dock for more (1366-pixel screens hold two of them and the cloud)
MAX_MIN_HEIGHT = 140  # taller panels scroll


class DockScroll(QScrollArea):
    def __init__(self, panel: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{panel.objectName() or 'panel'}_scroll")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(panel)

    @property
    def panel(self) -> QWidget:
        return self.widget()

    def minimumSizeHint(self) -> QSize:
        inner = self.widget().minimumSizeHint() if self.widget() is not None else QSize(0, 0)
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(min(inner.width() + bar, MAX_MIN_WIDTH), min(inner.height(), MAX_MIN_HEIGHT))

    def sizeHint(self) -> QSize:
        inner = self.widget().sizeHint() if self.widget() is not None else QSize(0, 0)
        return QSize(min(inner.width() + self.verticalScrollBar().sizeHint().width(), 900), min(inner.height(), 700))

    @staticmethod
    def panel_of(dock: QDockWidget) -> QWidget | None:
        w = dock.widget()
        return w.panel if isinstance(w, DockScroll) else w
