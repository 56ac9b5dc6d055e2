"""A grid of labelled cells painted in one widget: each cell a colour from a value in 0..1 and a short
text; row names on the left, column names along the top (visible while the rows scroll); hover shows a
cell's tip, a click picks it.

    grid = CellGrid()
    grid.set_cells(values, texts, rows=["L30", ...], columns=["The", "␣capital", ...], tips=tips)
    grid.cell_clicked.connect(lambda row, col: ...)
    grid.set_marks(selected=(3, 1), column=4)      # an outlined cell, a highlighted column

The logit lens (layers x positions, the predicted token in each cell) and the cosine matrix of the
contextual panel (sentences x sentences) are drawn with it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets.heatmap import TABLES
from gui.widgets.hover import HoverReadout

GAP = 1


class CellGrid(HoverReadout, QWidget):
    hovered = Signal(str)
    cell_clicked = Signal(int, int)  # row, column

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        cell_height: int = 18,
        min_cell_width: int = 44,
        table: str = "heat",
        empty: str = "",
    ) -> None:
        super().__init__(parent)
        self.values = np.zeros((0, 0), np.float32)
        self.texts: list[list[str]] = []
        self.tips: list[list[str]] = []
        self.rows: list[str] = []
        self.columns: list[str] = []
        self.selected: tuple[int, int] | None = None
        self.column = -1
        self.cell_h, self.min_w = cell_height, min_cell_width
        self.table = TABLES[table]
        self.empty = empty
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_cells(
        self,
        values: np.ndarray,
        texts: Sequence[Sequence[str]],
        *,
        rows: Sequence[str],
        columns: Sequence[str],
        tips: Sequence[Sequence[str]] | None = None,
    ) -> None:
        self.values = np.clip(np.asarray(values, np.float32), 0, 1)
        self.texts = [list(r) for r in texts]
        self.tips = [list(r) for r in tips] if tips is not None else []
        self.rows, self.columns = list(rows), list(columns)
        self.setMinimumHeight(self._height())
        self.updateGeometry()
        self.update()

    def set_marks(self, selected: tuple[int, int] | None = None, column: int = -1) -> None:
        self.selected, self.column = selected, column
        self.update()

    def clear(self) -> None:
        self.set_cells(np.zeros((0, 0)), [], rows=[], columns=[])

    # -- geometry ----------------------------------------------------------------------------
    def _margins(self) -> tuple[int, int]:
        """The row labels' width and the header's height, measured once per set of rows and font (every cell's
        rectangle asks: measuring 31 labels for each of 186 cells held a paint for 60 ms)."""
        key = (id(self.rows), len(self.rows), getattr(self, "_font_changes", 0))
        if getattr(self, "_margin_key", None) != key:
            fm = QFontMetrics(self.font())
            self._margin_key = key
            self._margin_value = (max([fm.horizontalAdvance(r) for r in self.rows] + [0]) + 8, fm.height() + 6)
        return self._margin_value

    def _height(self) -> int:
        return len(self.rows) * (self.cell_h + GAP) + self._margins()[1] + 2 if self.rows else 40

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._font_changes = getattr(self, "_font_changes", 0) + 1
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(self._margins()[0] + max(len(self.columns), 1) * (self.min_w + GAP), self._height())

    def _cell_width(self) -> float:
        left = self._margins()[0]
        return max((self.width() - left - 2) / max(len(self.columns), 1) - GAP, 8.0)

    def cell_rect(self, row: int, col: int) -> QRectF:
        w = self._cell_width()
        return QRectF(
            self._margins()[0] + col * (w + GAP), self._margins()[1] + row * (self.cell_h + GAP), w, self.cell_h
        )

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        if not self.rows:
            return None
        w = self._cell_width()
        col = int((pos.x() - self._margins()[0]) // (w + GAP))
        row = int((pos.y() - self._margins()[1]) // (self.cell_h + GAP)) if pos.y() >= self._margins()[1] else -1
        if 0 <= row < len(self.rows) and 0 <= col < len(self.columns) and pos.x() >= self._margins()[0]:
            return row, col
        return None

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.Text)
        if not self.rows:
            p.setPen(ink)
            p.drawText(
                self.rect().adjusted(4, 4, 0, 0),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                self.empty,
            )
            return
        fm = QFontMetrics(self.font())
        left, _ = self._margins()
        center = int(Qt.AlignmentFlag.AlignCenter)
        for r, name in enumerate(self.rows):
            p.setPen(ink)
            p.drawText(
                QRectF(0, self.cell_rect(r, 0).y(), left - 6, self.cell_h),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                name,
            )
            for c in range(len(self.columns)):
                rect = self.cell_rect(r, c)
                rgb = self.table[int(self.values[r, c] * 255)]
                p.fillRect(rect, QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
                light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140
                p.setPen(QColor(10, 10, 10) if light else QColor(245, 245, 245))
                text = self.texts[r][c] if r < len(self.texts) and c < len(self.texts[r]) else ""
                p.drawText(
                    rect.adjusted(2, 0, -2, 0),
                    center,
                    fm.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()) - 4),
                )
        for c, name in enumerate(self.columns):
            rect = self.cell_rect(0, c)
            p.setPen(ink)
            p.drawText(
                QRectF(rect.x(), 0, rect.width(), fm.height() + 4),
                center,
                fm.elidedText(name, Qt.TextElideMode.ElideRight, int(rect.width())),
            )
        accent = pal.color(QPalette.ColorRole.Highlight)
        if 0 <= self.column < len(self.columns):
            r0, r1 = self.cell_rect(0, self.column), self.cell_rect(len(self.rows) - 1, self.column)
            p.setPen(QPen(accent, 2, Qt.PenStyle.DashLine))
            p.drawRect(r0.united(r1).adjusted(-1, -1, 1, 1))
        if self.selected is not None and self.selected[0] < len(self.rows) and self.selected[1] < len(self.columns):
            p.setPen(QPen(accent, 3))
            p.drawRect(self.cell_rect(*self.selected).adjusted(-1, -1, 1, 1))

    # -- the mouse -------------------------------------------------------------------------------
    def readout_at(self, pos: QPointF) -> str:
        at = self.cell_at(pos)
        if at is None:
            return ""
        r, c = at
        if r < len(self.tips) and c < len(self.tips[r]):
            return self.tips[r][c]
        return f"{self.rows[r]}, {self.columns[c]}: {self.texts[r][c]}"

    def mouseReleaseEvent(self, event) -> None:
        at = self.cell_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and at is not None:
            self.cell_clicked.emit(*at)
