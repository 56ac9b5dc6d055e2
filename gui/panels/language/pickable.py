"""What the painted token widgets share: the item under the pointer is highlighted and shows its
tooltip, and a click emits ``picked`` with the item's key. Subclasses say where items are."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QToolTip, QWidget


class Pickable(QWidget):
    picked = Signal(int)

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
    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        i = self.item_at(event.position().toPoint())
        if i != self._hover:
            self._hover = i
            self.setCursor(Qt.CursorShape.PointingHandCursor if i >= 0 and self._clickable else Qt.CursorShape.ArrowCursor)
            self.update()
        tip = self.item_tip(i) if i >= 0 else ""
        if tip:
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hover = -1
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        i = self.item_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and i >= 0 and self._clickable:
            self.picked.emit(self.item_key(i))
