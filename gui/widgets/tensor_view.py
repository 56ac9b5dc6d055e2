"""One tensor drawn by its rank (core.inference.tensor_forms): a grid of heatmaps for feature maps,
one heatmap for a matrix (tokens x features), bars for a short vector, a histogram for a long one,
the number for a scalar; a title line says its shape, range and what was left out.

    view = TensorView()
    view.set_form(form_of(name, value))
"""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from core.inference.tensor_forms import TensorForm
from gui.widgets.bar_chart import BarChart
from gui.widgets.heatmap import HeatmapGrid


class TensorView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(wordWrap=True)
        self.grid = HeatmapGrid(label="map")
        self.matrix = HeatmapGrid(unit="cell", keep_aspect=False, label="cell")
        self.bars = BarChart()
        self.scalar = QLabel()
        self.stack = QStackedWidget()
        for w in (self.grid, self.matrix, self.bars, self.scalar):
            self.stack.addWidget(w)
        self.stack.setMinimumHeight(150)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 8)
        lay.addWidget(self.title)
        lay.addWidget(self.stack, 1)
        self.form: TensorForm | None = None

    def set_form(self, form: TensorForm) -> None:
        self.form = form
        self.title.setText(f"<b>{html.escape(form.name)}</b> · {html.escape(form.describe())}")
        if form.kind == "grid":
            self.grid.set_maps(form.data)
            self.stack.setCurrentWidget(self.grid)
        elif form.kind == "matrix":
            rows, cols = form.data.shape
            self.matrix.set_maps(form.data, count=rows * cols)
            self.stack.setCurrentWidget(self.matrix)
        elif form.kind == "bars":
            self.bars.set_values(form.data, [str(i) for i in range(len(form.data))])
            self.stack.setCurrentWidget(self.bars)
        elif form.kind == "histogram":
            e = form.edges
            tips = [f"{e[i]:.4g} .. {e[i + 1]:.4g}: {int(c):,} values" for i, c in enumerate(form.data)]
            self.bars.set_values(form.data, [""] * len(form.data), fmt="{:.0f}", tips=tips, mark_top=False)
            self.stack.setCurrentWidget(self.bars)
        else:
            self.scalar.setText(f"<span style='font-size:18pt'>{float(form.data):.6g}</span>")
            self.stack.setCurrentWidget(self.scalar)
