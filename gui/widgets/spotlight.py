"""A short glowing frame around a widget: "look here" (guided examples, the find box).

    spotlight(window.panel("calculator"))
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

DURATION_MS = 2600


class Spotlight(QWidget):
    """Drawn over its target (a child of it, transparent to the mouse), it fades out and goes."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setObjectName("spotlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.color = QColor(target.palette().highlight().color())
        self.strength = 1.0
        self.setGeometry(target.rect())
        target.installEventFilter(self)
        self.anim = QVariantAnimation(self, startValue=1.0, endValue=0.0, duration=DURATION_MS)
        self.anim.valueChanged.connect(self._on_value)
        self.anim.finished.connect(self.deleteLater)
        self.show()
        self.raise_()
        self.anim.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def _on_value(self, v) -> None:
        self.strength = float(v)
        self.update()

    def paintEvent(self, event) -> None:
        c = QColor(self.color)
        c.setAlphaF(max(0.0, min(1.0, 0.25 + 0.75 * self.strength)) * (1.0 if self.strength > 0.02 else 0.0))
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(c, 4))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(2, 2, -2, -2), 6, 6)


def spotlight(widget: QWidget | None) -> Spotlight | None:
    if widget is None:
        return None
    for old in widget.findChildren(Spotlight, options=Qt.FindChildOption.FindDirectChildrenOnly):
        old.deleteLater()
    return Spotlight(widget)
