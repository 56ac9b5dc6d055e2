"""The dock registry: every panel of the main window, in one list.

Adding a panel is one line here. A factory gets ``(session, runner)`` and returns
the panel widget; panels are imported only when the window is built, and a
panel that fails to build (a model not built yet) shows its error in its dock
instead of stopping the window.

    DockSpec("language_model", "Language model", _lazy("gui.panels.language_model_panel", "LanguageModelPanel"), "bottom"),
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from core.state.session import Session
from gui.task_runner import TaskRunner

PanelFactory = Callable[[Session, TaskRunner], QWidget]


@dataclass(frozen=True)
class DockSpec:
    name: str  # the dock's objectName (saved layouts refer to it) and the --panel NAME
    title: str
    factory: PanelFactory
    area: str = "right"  # left | right | bottom | top; docks sharing an area are tabbed


def _lazy(module: str, cls: str) -> PanelFactory:
    def factory(session: Session, runner: TaskRunner) -> QWidget:
        return getattr(importlib.import_module(module), cls)(session, runner)

    return factory


DOCKS: list[DockSpec] = [
    DockSpec("neighbours", "Neighbours", _lazy("gui.panels.words.neighbours_panel", "NeighboursPanel"), "left"),
    DockSpec("calculator", "Word calculator", _lazy("gui.panels.words.calculator_panel", "CalculatorPanel"), "right"),
    DockSpec("directions", "Directions", _lazy("gui.panels.words.directions_panel", "DirectionsPanel"), "bottom"),
    DockSpec("benchmarks", "Benchmarks", _lazy("gui.panels.words.benchmarks_panel", "BenchmarksPanel"), "bottom"),
    DockSpec("draw_pad", "Draw a digit", _lazy("gui.panels.activations.draw_pad_panel", "DrawPadPanel"), "left"),
    DockSpec(
        "digit_layers", "Digit layers", _lazy("gui.panels.activations.digit_layers_panel", "DigitLayersPanel"), "bottom"
    ),
    DockSpec(
        "image_cloud", "Image embeddings", _lazy("gui.panels.activations.image_cloud_panel", "ImageCloudPanel"), "right"
    ),
    DockSpec(
        "onnx_layers", "ONNX layers", _lazy("gui.panels.activations.onnx_layers_panel", "OnnxLayersPanel"), "bottom"
    ),
    DockSpec("train", "Train word2vec", _lazy("gui.panels.words.train_panel", "TrainPanel"), "bottom"),
    DockSpec("next_word", "Next word", _lazy("gui.panels.language.next_word_panel", "NextWordPanel"), "right"),
    DockSpec("masked_word", "Masked word", _lazy("gui.panels.language.masked_word_panel", "MaskedWordPanel"), "right"),
    DockSpec("logit_lens", "Logit lens", _lazy("gui.panels.language.logit_lens_panel", "LogitLensPanel"), "bottom"),
    DockSpec(
        "contextual", "A word across layers", _lazy("gui.panels.language.contextual_panel", "ContextualPanel"), "bottom"
    ),
    DockSpec("search", "Semantic search", _lazy("gui.panels.language.search_panel", "SearchPanel"), "bottom"),
]
