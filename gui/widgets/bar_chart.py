"""A small bar chart painted directly (no plot items): signed bars around a zero line, a label under
each bar, the largest bar highlighted and its value written on it; hover shows a bar's value.
Labels wider than their bar are written upwards (elided when very long); bars narrower than a line of
text label every second (third, ...) bar, the others say theirs on hover.

    chart = BarChart()
    chart.set_values(logits, labels=[str(d) for d in range(10)])          # signed: bars below zero too
    chart.set_values(probs, labels=..., low=0.0, high=1.0, fmt="{:.1%}")
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets.hover import HoverReadout

BAR = QColor(90, 140, 220)
NEGATIVE = QColor(220, 110, 90)
TOP = QColor(250, 170, 40)
MAX_LABELLED = 40  # more bars than this have no labels (hover says each)


class BarChart(HoverReadout, QWidget):
    hovered = Signal(str)
    bar_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self.title = title
        self.values = np.zeros(0, np.float32)
        self.labels: list[str] = []
        self.tips: list[str] = []
        self.low, self.high, self.fmt = 0.0, 1.0, "{:.3g}"
        self.mark_top, self.every_value = True, False
        self.setMouseTracking(True)
        self.setMinimumSize(120, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_values(self, values: Sequence[float], labels: Sequence[str] | None = None, *, low: float | None = None,
                   high: float | None = None, fmt: str = "{:.3g}", tips: Sequence[str] | None = None,
                   mark_top: bool = True, every_value: bool = False) -> None:
        """`mark_top`: the largest bar highlighted with its value written on it; `every_value`: every
        bar's value written at its end (for a few bars)."""
        v = np.asarray(values, np.float32).reshape(-1)
        self.values = v
        self.labels = list(labels) if labels is not None else [str(i) for i in range(len(v))]
        self.tips = list(tips) if tips is not None else []
        lo = float(min(0.0, v.min())) if v.size else 0.0
        hi = float(max(0.0, v.max())) if v.size else 1.0
        self.low = lo if low is None else low
        self.high = (hi if hi > self.low else self.low + 1.0) if high is None else high
        self.fmt, self.mark_top, self.every_value = fmt, mark_top, every_value
        self.update()

    def clear(self) -> None:
        self.set_values([])

    # -- geometry -----------------------------------------------------------------------------
    def _label_room(self) -> tuple[bool, float]:
        """(written upwards, the height under the bars) for the labels of the bars on show."""
        n = len(self.values)
        fm = QFontMetrics(self.font())
        if not n or n > MAX_LABELLED:
            return False, 4
        step = max(1, self.width() - 8) / n
        widest = max((fm.horizontalAdvance(t) for t in self.labels[:n]), default=0)
        if widest <= step - 2:
            return False, fm.height() + 4
        return True, min(widest, max(2 * fm.height(), self.height() * 0.3)) + 6

    def _plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        top = fm.height() + 4 if self.title else 4
        bottom = self._label_room()[1]
        return QRectF(
            4, top + fm.height(), max(1, self.width() - 8), max(1, self.height() - top - bottom - fm.height())
        )

    def _y(self, r: QRectF, v: float) -> float:
        return r.bottom() - (v - self.low) / (self.high - self.low) * r.height()

    def bar_at(self, x: float) -> int:
        r = self._plot_rect()
        n = len(self.values)
        if not n or not r.left() <= x < r.right():
            return -1
        return min(n - 1, int((x - r.left()) / (r.width() / n)))

    # -- Qt -------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(220, 140)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        fm = QFontMetrics(self.font())
        if self.title:
            p.setPen(text)
            p.drawText(QRectF(0, 0, self.width(), fm.height() + 2), Qt.AlignmentFlag.AlignHCenter, self.title)
        n = len(self.values)
        if not n:
            p.end()
            return
        r = self._plot_rect()
        step = r.width() / n
        zero = self._y(r, min(max(0.0, self.low), self.high))
        top = int(np.argmax(self.values)) if self.mark_top else -1
        for i, v in enumerate(self.values.tolist()):
            y = self._y(r, min(max(v, self.low), self.high))
            color = TOP if i == top else (NEGATIVE if v < 0 else BAR)
            x0 = r.left() + i * step + max(1.0, step * 0.12)
            p.fillRect(QRectF(x0, min(y, zero), max(1.0, step * 0.76), max(1.0, abs(zero - y))), color)
        p.setPen(QPen(text, 1))
        p.drawLine(QPointF(r.left(), zero), QPointF(r.right(), zero))
        upwards, room = self._label_room()
        if n <= MAX_LABELLED and not upwards:
            for i, label in enumerate(self.labels[:n]):
                p.drawText(
                    QRectF(r.left() + i * step, r.bottom() + 2, step, fm.height()), Qt.AlignmentFlag.AlignHCenter, label
                )
        elif upwards:  # each label read bottom to top, its end at the bar; every k-th where bars are thin
            every = max(1, math.ceil(fm.height() * 0.9 / step))
            length = room - 6
            for i in range(0, n, every):
                label = fm.elidedText(self.labels[i], Qt.TextElideMode.ElideRight, int(length))
                p.save()
                p.translate(r.left() + (i + 0.5) * step + fm.ascent() / 2 - 1, r.bottom() + 4)
                p.rotate(-90)
                p.drawText(QRectF(-length, -fm.ascent(), length, fm.height()),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, label)
                p.restore()
        for i in range(n) if self.every_value else [top] if top >= 0 else []:
            v = float(self.values[i])
            y = self._y(r, min(max(v, self.low), self.high))
            label = self.fmt.format(v)
            w = fm.horizontalAdvance(label) + 4
            x = min(max(r.left(), r.left() + (i + 0.5) * step - w / 2), r.right() - w)
            p.drawText(
                QRectF(x, (y - fm.height() - 1) if v >= 0 else y + 1, w, fm.height()),
                Qt.AlignmentFlag.AlignHCenter,
                label,
            )
        p.end()

    def describe(self, i: int) -> str:
        if i < 0:
            return ""
        if i < len(self.tips):
            return self.tips[i]
        label = self.labels[i] if i < len(self.labels) else str(i)
        return f"{self.title + ' · ' if self.title else ''}{label}: {self.fmt.format(float(self.values[i]))}"

    def readout_at(self, pos: QPointF) -> str:
        return self.describe(self.bar_at(pos.x()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.bar_at(event.position().x())
        if i >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.bar_clicked.emit(i)
