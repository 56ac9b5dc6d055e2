"""Every layer of the digit CNN for the pad's digit, live: the conv1 and conv2 feature maps after
their ReLU and pooled (grids of heatmaps), the 500-wide dense layer (a 20 x 25 heatmap), and side
by side the 10 logits before the softmax (signed bars) and the 10 probabilities after it.

Hover a unit to read its value; click one (a feature map, a neuron, a class) to see the nine
held-out digits that excite it most (``session.activations.unit`` -> ``exciting``).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.inference.digit_layers import LAYER_TITLES
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.bar_chart import BarChart
from gui.widgets.digit_thumbs import DigitThumbs
from gui.widgets.heatmap import HeatmapGrid

GRIDS = ("relu1", "pool1", "relu2", "pool2")
DENSE = (20, 25)  # the 500 units laid out
CLASSES = [str(d) for d in range(10)]


class DigitLayersPanel(QWidget):
    example_requested = Signal(str)  # a guided example (the window opens it: gui.main_window.open_example)
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digit_layers")
        self._a = session.activations
        self.views: dict[str, QWidget] = {k: HeatmapGrid(label="map") for k in GRIDS}
        self.views["relu3"] = HeatmapGrid(unit="cell", label="unit")
        self.views["logits"] = BarChart()
        self.views["probs"] = BarChart()
        self.titles = {k: QLabel(LAYER_TITLES[k]) for k in self.views}
        self.exciting = DigitThumbs(size=34)
        self.exciting.setObjectName("layers_exciting")
        self.exciting_title = QLabel("Click a map, a unit or a class to see the held-out digits that excite it most.",
                                     wordWrap=True)
        self.readout = QLabel(" ", objectName="layers_readout")
        self.placeholder = QWidget(objectName="layers_empty")
        hint = QLabel("Draw a digit on the pad beside this panel to see every layer.")
        self.example_button = QPushButton("Draw a 7 for me", objectName="layers_example")
        self.example_button.clicked.connect(lambda: self.example_requested.emit("draw_seven"))
        empty = QHBoxLayout(self.placeholder)
        empty.addStretch(1)
        empty.addWidget(hint)
        empty.addWidget(self.example_button)
        empty.addStretch(1)
        self.draw_ms: list[float] = []  # how long each redraw took (the benchmark reads it)

        grid = QGridLayout()
        for col, k in enumerate(GRIDS):
            grid.addWidget(self.titles[k], 0, col)
            grid.addWidget(self.views[k], 1, col)
        for col, k in enumerate(("relu3", "logits", "probs")):
            grid.addWidget(self.titles[k], 2, col)
            grid.addWidget(self.views[k], 3, col)
        side = QVBoxLayout()
        side.addWidget(self.exciting_title)
        side.addWidget(self.exciting)
        side.addStretch(1)
        grid.addLayout(side, 2, 3, 2, 1)
        for col, stretch in enumerate((3, 2, 4, 3)):
            grid.setColumnStretch(col, stretch)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(3, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.placeholder)
        lay.addLayout(grid, 1)
        lay.addWidget(self.readout)

        for k, view in self.views.items():
            view.hovered.connect(lambda text, k=k: self._on_hovered(k, text))
            clicked = view.unit_clicked if isinstance(view, HeatmapGrid) else view.bar_clicked
            clicked.connect(lambda i, k=k: setattr(self._a, "unit", (k, int(i))))
        bind(self, self._a.events.layers, self._on_layers_changed)
        bind(self, self._a.events.unit, self._on_unit_changed)
        bind(self, self._a.events.exciting, self._on_exciting_changed)
        self._on_layers_changed()
        self._on_unit_changed()
        self._on_exciting_changed()

    def _on_hovered(self, layer: str, text: str) -> None:
        self.readout.setText(f"{LAYER_TITLES[layer]} · {text}" if text else " ")

    def _on_layers_changed(self) -> None:
        t0 = time.perf_counter()
        res = self._a.layers
        shown = res is not None and res.ok
        self.placeholder.setVisible(not shown)
        if not shown:
            for view in self.views.values():
                view.clear()
            return
        acts = res.activations
        for k in GRIDS:
            a = acts[k]
            self.views[k].set_maps(a, low=0.0)
            self.titles[k].setText(f"{LAYER_TITLES[k]} · {a.shape[0]} × {a.shape[1]}×{a.shape[2]}")
        self.views["relu3"].set_maps(acts["relu3"].reshape(1, *DENSE), low=0.0, count=acts["relu3"].size)
        self.views["logits"].set_values(acts["logits"], CLASSES, fmt="{:+.2f}")
        self.views["probs"].set_values(acts["probs"], CLASSES, low=0.0, high=1.0, fmt="{:.1%}")
        self.titles["relu3"].setText(f"{LAYER_TITLES['relu3']} · {int((acts['relu3'] > 0).sum())} of 500 active")
        self.draw_ms.append((time.perf_counter() - t0) * 1000)
        del self.draw_ms[:-200]

    def _on_unit_changed(self) -> None:
        unit = self._a.unit
        for k, view in self.views.items():
            if isinstance(view, HeatmapGrid):
                view.select(unit[1] if unit is not None and unit[0] == k else -1)

    def _on_exciting_changed(self) -> None:
        ex = self._a.exciting
        if ex is None or ex.images is None:
            self.exciting.clear()
            return
        what = {"relu3": "unit", "logits": "class", "probs": "class"}.get(ex.layer, "map")
        self.exciting_title.setText(
            f"The held-out digits that excite {LAYER_TITLES[ex.layer]}, {what} {ex.unit}, most:")
        self.exciting.set_digits(
            ex.images,
            [f"{v:.2f}" for v in ex.values],
            tips=[f"#{r} (a {lb}): {v:.4g}" for r, lb, v in zip(ex.rows, ex.labels, ex.values)],
        )
