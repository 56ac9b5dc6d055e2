"""What the painted token widgets share: the item under the pointer is highlighted and shows its
tooltip, a click emits ``picked`` with the item's key (subclasses say where items are), and
:class:`FitScroll` shows one as tall as its content, scrolling only past a limit."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QToolTip, QWidget


def faint(palette: QPalette, alpha: int = 150) -> QColor:
    """The text colour, see-through: secondary text that stays readable in both themes."""
    color = QColor(palette.color(QPalette.ColorRole.Text))
    color.setAlpha(alpha)
    return color


class Pickable(QWidget):
    picked = Signal(int)
    content_resized = Signal()  # the height the content needs changed

    def __init__(self, parent: QWidget | None = None, *, clickable: bool = True) -> None:
        super().__init__(parent)
        self._hover = -1
        self._clickable = clickable
        self.setMouseTracking(True)

    @property
    def clickable(self) -> bool:
        return self._clickable

    # -- for subclasses -----------------------------------------------------------------------
    def item_at(self, pos: QPoint) -> int:
        """The index of the item at ``pos``, -1 for none."""
        raise NotImplementedError

    def item_tip(self, index: int) -> str:
        return ""

    def item_key(self, index: int) -> int:
        return index

    # -- the mouse ------------------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        i = self.item_at(event.position().toPoint())
        if i != self._hover:
            self._hover = i
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if i >= 0 and self._clickable else Qt.CursorShape.ArrowCursor
            )
            self.update()
        tip = self.item_tip(i) if i >= 0 else ""
        if tip:
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)

    def leaveEvent(self, event) -> None:
        self._hover = -1
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        i = self.item_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and i >= 0 and self._clickable:
            self.picked.emit(self.item_key(i))


class FitScroll(QScrollArea):
    """A scroll area as tall as its Pickable's content, up to ``max_height`` (then it scrolls)."""

    def __init__(self, widget: Pickable, max_height: int, *, min_height: int = 0) -> None:
        super().__init__(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)
        self._max, self._min = max_height, min_height
        self.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum if max_height > 2000 else QSizePolicy.Policy.Fixed
        )
        widget.content_resized.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:
        h = min(max(self.widget().minimumHeight(), self._min), self._max)
        return QSize(super().sizeHint().width(), h)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), min(self.sizeHint().height(), max(self._min, 24)))
