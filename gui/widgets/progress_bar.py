"""A progress bar that repaints with the next frame, never synchronously, and rarely.

In a window that holds an OpenGL view every repaint of any widget composes the whole
window again: 10-40 ms under software GL. QProgressBar costs two such repaints:
setValue() calls repaint() at once, and while busy (no known fraction) the style
animates it at 60 frames a second, which keeps the window thread painting all the
time a job runs. This bar only calls update(), and its busy indicator is a block
that steps BUSY_STEP_MS apart (5 frames a second).

    bar = LazyProgressBar(maximum=1000, text_visible=True)
    bar.setValue(250)      # drawn as 25 % at the next paint
    bar.setRange(0, 0)     # busy (no known fraction)
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionProgressBar, QStylePainter, QWidget

BUSY_STEP_MS = 200
BUSY_STEPS = 10


class LazyProgressBar(QWidget):
    def __init__(self, parent: QWidget | None = None, *, minimum: int = 0, maximum: int = 100,
                 text_visible: bool = False, maximum_width: int | None = None, object_name: str = "") -> None:
        super().__init__(parent)
        if maximum_width is not None:
            self.setMaximumWidth(maximum_width)
        if object_name:
            self.setObjectName(object_name)
        self._min, self._max, self._value = minimum, maximum, minimum
        self._text_visible = text_visible
        self._step = 0
        self._busy_timer = QTimer(self, interval=BUSY_STEP_MS)
        self._busy_timer.timeout.connect(self._next_step)

    def is_busy(self) -> bool:
        return self._min == self._max

    def _next_step(self) -> None:
        self._step = (self._step + 1) % (2 * BUSY_STEPS - 2)
        self.update()

    def _sync_timer(self) -> None:
        run = self.is_busy() and self.isVisible()
        if run != self._busy_timer.isActive():
            self._busy_timer.start() if run else self._busy_timer.stop()

    def showEvent(self, event) -> None:
        self._sync_timer()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._sync_timer()
        super().hideEvent(event)

    def setRange(self, lo: int, hi: int) -> None:
        if (lo, hi) != (self._min, self._max):
            self._min, self._max = lo, hi
            self._value = min(max(self._value, lo), max(hi, lo))
            self._sync_timer()
            self.update()

    def setValue(self, v: int) -> None:
        v = int(v)
        if v != self._value and (self._min <= v <= self._max or self._min == self._max == 0):
            self._value = v
            self.update()

    def value(self) -> int:
        return self._value

    def minimum(self) -> int:
        return self._min

    def maximum(self) -> int:
        return self._max

    def text(self) -> str:
        """What the bar shows as text: a percentage, empty while busy or when text is off."""
        if not self._text_visible or self._max <= self._min:
            return ""
        return f"{round(100 * (self._value - self._min) / (self._max - self._min))} %"

    def sizeHint(self) -> QSize:
        width = self.maximumWidth() if self.maximumWidth() < 10000 else 180
        return QSize(width, self.fontMetrics().height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.fontMetrics().height() + 2)

    def paintEvent(self, event) -> None:
        opt = QStyleOptionProgressBar()
        opt.initFrom(self)
        opt.styleObject = None  # no style animation (it would repaint 60 times a second)
        painter = QStylePainter(self)
        if self.is_busy():  # an empty groove with a block that bounces from end to end
            opt.minimum, opt.maximum, opt.progress = 0, 1, 0
            opt.textVisible = False
            painter.drawControl(QStyle.ControlElement.CE_ProgressBarGroove, opt)
            inner = self.rect().adjusted(2, 2, -2, -2)
            block = max(inner.width() // 4, 6)
            pos = self._step if self._step < BUSY_STEPS else 2 * BUSY_STEPS - 2 - self._step
            x = inner.left() + (inner.width() - block) * pos // (BUSY_STEPS - 1)
            painter.fillRect(
                QRect(x, inner.top(), block, inner.height()), self.palette().color(QPalette.ColorRole.Highlight)
            )
            return
        opt.minimum, opt.maximum, opt.progress = self._min, self._max, self._value
        opt.textVisible = self._text_visible and self._max > self._min
        opt.text = self.text()
        painter.drawControl(QStyle.ControlElement.CE_ProgressBar, opt)
