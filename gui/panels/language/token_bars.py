"""Horizontal bars for ranked tokens or words: rank, text, a bar, its value and a small note (the id).
Painted in one widget (a re-render is one repaint); a row can be clicked; greyed rows are cut.

    bars = TokenBars()
    bars.set_rows([BarRow(655, "␣time", 0.347, "0.347", "id 655", tip="...")])
    bars.picked.connect(lambda key: ...)       # the row's key (a token id, a word's index)
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.panels.language.pickable import Pickable, faint

ROW_H = 24


@dataclass(frozen=True)
class BarRow:
    key: int
    text: str
    fraction: float  # bar length, 0..1
    value: str  # the number shown at the bar's end
    note: str = ""  # small, at the right (e.g. "id 655")
    kept: bool = True  # False: greyed (cut by top-k / top-p)
    tip: str = ""


class TokenBars(Pickable):
    def __init__(self, parent: QWidget | None = None, *, empty: str = "") -> None:
        super().__init__(parent)
        self._rows: list[BarRow] = []
        self._empty = empty
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def set_rows(self, rows: list[BarRow], *, clickable: bool = True) -> None:
        self._rows, self._clickable = list(rows), clickable
        height = max(len(self._rows), 1) * ROW_H + 2
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
            self.content_resized.emit()
        self.update()

    def rows(self) -> list[BarRow]:
        return list(self._rows)

    def row_center(self, index: int) -> QPoint:
        return QPoint(self.width() // 2, index * ROW_H + ROW_H // 2)

    def sizeHint(self) -> QSize:
        return QSize(320, max(len(self._rows), 1) * ROW_H + 2)

    def _columns(self) -> tuple[int, int, int, int]:
        """x of: the text, the bar, the bar's end (value text starts after it), the note."""
        fm = QFontMetrics(self.font())
        rank_w = fm.horizontalAdvance("99 ")
        text_w = min(max([fm.horizontalAdvance(r.text) for r in self._rows] + [40]) + 10, self.width() // 3)
        note_w = max([fm.horizontalAdvance(r.note) for r in self._rows] + [0]) + 6
        value_w = max([fm.horizontalAdvance(r.value) for r in self._rows] + [0]) + 8
        bar_x = rank_w + text_w
        return rank_w, bar_x, max(bar_x + 20, self.width() - note_w - value_w), self.width() - note_w

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        dim = faint(pal, 120)
        if not self._rows:
            p.setPen(dim)
            p.drawText(self.rect().adjusted(4, 0, 0, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                       self._empty)
            return
        text_x, bar_x, bar_end, note_x = self._columns()
        left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, row in enumerate(self._rows):
            y = i * ROW_H
            if i == self._hover and self._clickable:
                hover = pal.color(QPalette.ColorRole.Highlight)
                hover.setAlpha(40)
                p.fillRect(0, y, self.width(), ROW_H, hover)
            ink = pal.color(QPalette.ColorRole.Text) if row.kept else dim
            p.setPen(dim)
            p.drawText(QRectF(0, y, text_x - 4, ROW_H), right, str(i + 1))
            p.setPen(ink)
            p.drawText(QRectF(text_x, y, bar_x - text_x - 6, ROW_H), left,
                       QFontMetrics(self.font()).elidedText(row.text, Qt.TextElideMode.ElideRight, bar_x - text_x - 6))
            color = pal.color(QPalette.ColorRole.Highlight) if row.kept else dim
            color.setAlpha(170 if row.kept else 90)
            width = (bar_end - bar_x) * min(max(row.fraction, 0.0), 1.0)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRoundedRect(QRectF(bar_x, y + 5, max(width, 1.5), ROW_H - 10), 2, 2)
            p.setPen(ink)
            p.drawText(QRectF(bar_x + width + 4, y, note_x - bar_x - width - 4, ROW_H), left, row.value)
            p.setPen(dim)
            p.drawText(QRectF(note_x, y, self.width() - note_x - 2, ROW_H), right, row.note)

    def item_at(self, pos: QPoint) -> int:
        i = int(pos.y() // ROW_H)
        return i if 0 <= i < len(self._rows) else -1

    def item_tip(self, index: int) -> str:
        return self._rows[index].tip

    def item_key(self, index: int) -> int:
        return self._rows[index].key
