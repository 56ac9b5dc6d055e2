"""The sampling of ``session.language``: temperature (a log-scale slider, 0.05 to 5), top-k, top-p
(each change replaces ``language.sampling`` whole), how many bars, and probabilities (after the
softmax) or logits (before it). Changing them re-renders the bars from the logits at hand: no model
call."""
from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSlider,
    QSpinBox,
    QWidget,
)
from superqt.utils import signals_blocked

from core.state.session import LanguageModelState
from gui.lifetime import bind

T_MIN, T_MAX, STEPS = 0.05, 5.0, 400


def slider_to_temperature(v: int) -> float:
    return round(T_MIN * (T_MAX / T_MIN) ** (v / STEPS), 3)


def temperature_to_slider(t: float) -> int:
    t = min(max(t, T_MIN), T_MAX)
    return round(STEPS * math.log(t / T_MIN) / math.log(T_MAX / T_MIN))


class SamplingControls(QWidget):
    def __init__(self, model: LanguageModelState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.temperature = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=STEPS,
                                   toolTip="temperature, log scale 0.05 to 5: low sharpens the distribution, "
                                           "high flattens it; logits are divided by it before the softmax")
        self.temperature.setObjectName("temperature")
        self.temperature_value = QLabel()
        self.temperature_value.setMinimumWidth(QLabel("T 0.000").sizeHint().width())
        self.top_k = QSpinBox(minimum=0, maximum=100000, specialValueText="top-k off",
                              toolTip="keep only the k most likely tokens (0 = off)")
        self.top_k.setPrefix("top-k ")
        self.top_p = QDoubleSpinBox(minimum=0.01, maximum=1.0, singleStep=0.05, decimals=2, specialValueText="",
                                    toolTip="nucleus: keep the fewest tokens whose probability adds up to p (1 = off)")
        self.top_p.setPrefix("top-p ")
        self.n_top = QSpinBox(minimum=1, maximum=50, toolTip="how many tokens to show")
        self.n_top.setPrefix("show ")
        self.probs = QRadioButton("probabilities", toolTip="after the softmax (and temperature, top-k, top-p)")
        self.logits = QRadioButton("logits", toolTip="the raw scores before the softmax")
        group = QButtonGroup(self)
        group.addButton(self.probs)
        group.addButton(self.logits)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Temperature"), 0, 0)
        grid.addWidget(self.temperature, 0, 1, 1, 2)
        grid.addWidget(self.temperature_value, 0, 3)
        grid.addWidget(self.top_k, 1, 0, 1, 2)
        grid.addWidget(self.top_p, 1, 2, 1, 2)
        view = QHBoxLayout()
        view.addWidget(self.probs)
        view.addWidget(self.logits)
        view.addStretch(1)
        view.addWidget(self.n_top)
        grid.addLayout(view, 2, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

        self.temperature.valueChanged.connect(lambda v: self._set(temperature=slider_to_temperature(v)))
        self.top_k.valueChanged.connect(lambda v: self._set(top_k=v or None))  # 0: off
        self.top_p.valueChanged.connect(lambda v: self._set(top_p=round(v, 2) if v < 1 else None))  # 1: off
        self.n_top.valueChanged.connect(lambda v: setattr(model, "n_top", v))
        self.logits.toggled.connect(lambda on: setattr(model, "show_logits", on))
        ev = model.events
        bind(self, ev.sampling, self._on_sampling_changed)
        bind(self, ev.n_top, self._on_n_top_changed)
        bind(self, ev.show_logits, self._on_show_logits_changed)
        self._on_sampling_changed()
        self._on_n_top_changed()
        self._on_show_logits_changed()

    def _set(self, **fields) -> None:
        self._model.sampling = replace(self._model.sampling, **fields)

    def _on_sampling_changed(self) -> None:
        s = self._model.sampling
        with signals_blocked(self.temperature):
            self.temperature.setValue(temperature_to_slider(s.temperature))
        self.temperature_value.setText(f"T {s.temperature:.2f}")
        with signals_blocked(self.top_k):
            self.top_k.setValue(s.top_k or 0)
        with signals_blocked(self.top_p):
            self.top_p.setValue(1.0 if s.top_p is None else s.top_p)
        self.top_p.setSuffix("  (off)" if s.top_p is None else "")

    def _on_n_top_changed(self) -> None:
        with signals_blocked(self.n_top):
            self.n_top.setValue(self._model.n_top)

    def _on_show_logits_changed(self) -> None:
        for button, on in ((self.logits, self._model.show_logits), (self.probs, not self._model.show_logits)):
            with signals_blocked(button):
                button.setChecked(on)
