"""A small line chart with fixed axes (pyqtgraph): named lines against the layer, one marked x, the
theme's colours, an optional log-scaled y. No mouse zoom: the axes say what the data is.

    chart = LineChart("probability of “␣Paris” by layer")
    chart.set_lines({"prob": (x, y, (250, 170, 40), False)}, x_range=(0, 30), y_range=(0, 1))
    chart.set_marker(12)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.theme import color_plot

Line = tuple  # (x, y, (r, g, b), dashed)


class LineChart(QWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None, *, log_y: bool = False,
                 height: int = 110) -> None:
        super().__init__(parent)
        self.plot = plot = pg.PlotWidget()
        plot.setMinimumHeight(height)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.getAxis("left").setWidth(46)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").setHeight(22)
        plot.setLogMode(x=False, y=log_y)
        plot.disableAutoRange()
        self.log_y = log_y
        self.title = QLabel(title, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(plot, 1)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.marker = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(150, 150, 150, style=Qt.PenStyle.DashLine))
        self.marker.hide()
        plot.addItem(self.marker)
        self._apply_colors()

    def set_lines(self, lines: dict[str, Line], *, x_range: tuple[float, float],
                  y_range: tuple[float, float]) -> None:
        for name, (x, y, color, dashed) in lines.items():
            if name not in self.lines:
                style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
                self.lines[name] = self.plot.plot([], [], pen=pg.mkPen(color, width=2, style=style), symbol="o",
                                                  symbolSize=4, symbolBrush=color, symbolPen=None)
            x, y = np.asarray(x, float), np.asarray(y, float)
            keep = np.isfinite(y) & ((y > 0) if self.log_y else True)  # pyqtgraph fails on a line of only NaN
            self.lines[name].setData(x[keep], y[keep])
        for name, item in self.lines.items():
            if name not in lines:
                item.setData([], [])
        self.plot.setXRange(*x_range, padding=0.02)
        lo, hi = y_range
        self.plot.setYRange(np.log10(lo) if self.log_y else lo, np.log10(hi) if self.log_y else hi, padding=0.04)

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A line's (x, y) as given (tests)."""
        item = self.lines.get(name)
        if item is None or item.xData is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(item.xData), np.asarray(item.yData)

    def set_marker(self, x: float | None) -> None:
        self.marker.setVisible(x is not None)
        if x is not None:
            self.marker.setValue(x)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colors()
        super().changeEvent(event)

    def _apply_colors(self) -> None:
        color_plot(self, self.plot)
