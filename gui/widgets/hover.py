"""A readout under the pointer: widgets that show values (heatmaps, bar charts) say what is under
the pointer in a tooltip and on their ``hovered(str)`` signal ("" when nothing is)."""
from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QToolTip


class HoverReadout:
    """Mix into a QWidget that has ``hovered = Signal(str)`` and implements :meth:`readout_at`."""

    def readout_at(self, pos: QPointF) -> str:
        raise NotImplementedError

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        text = self.readout_at(event.position())
        self.hovered.emit(text)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()

    def leaveEvent(self, event) -> None:
        self.hovered.emit("")
        super().leaveEvent(event)
