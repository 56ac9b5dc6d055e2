"""The dock registry: every panel of the main window, in one list; the one place a panel is declared.

Adding a panel is its file and one line here (and its state class, if it has one). A spec names the
panel's class ("module:Class", imported only when the window is built), the workspaces it belongs to
(gui.workspaces arranges them from this list), its area there, the dock it is tabbed behind, and the
state flag the window sets True when the dock is first shown (its model opens only then). A panel that
fails to build (a model not built yet) shows its error in its dock instead of stopping the window.
tests/core/test_layering.py checks that "panels never import each other" (pyproject.toml) lists
exactly these panels and the cloud.

    DockSpec("lens", "Logit lens", "gui.panels.language.logit_lens_panel:LogitLensPanel", "bottom",
             ("language",), tab_with="next_word", activates="language.lens.active"),
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from core.state.session import Session
from gui.task_runner import TaskRunner

PanelFactory = Callable[[Session, TaskRunner], QWidget]
CLOUD = "gui.panels.cloud.point_cloud_panel:PointCloudPanel"  # the window's central widget, no dock


@dataclass(frozen=True)
class DockSpec:
    name: str  # the dock's objectName (saved layouts refer to it) and the --panel NAME
    title: str
    panel: str  # "gui.panels.<room>.<file>:<Class>", built with (session, runner)
    area: str = "right"  # left | right | bottom in its workspaces; docks sharing an area are stacked
    workspaces: tuple[str, ...] = ()  # the workspaces that show it (core.state.examples.WORKSPACES)
    tab_with: str = ""  # tabbed behind this dock (declared before it, same area); "" = a group of its own
    activates: str = ""  # a state flag ("language.lens.active") set True when the dock is first shown
    factory: PanelFactory | None = None  # builds something else than ``panel`` (tests)

    @property
    def module(self) -> str:
        return self.panel.split(":")[0]

    @property
    def room(self) -> str:
        """The panel's room: its package under gui/panels (words, activations, language)."""
        return self.module.split(".")[2]

    def build(self, session: Session, runner: TaskRunner) -> QWidget:
        if self.factory is not None:
            return self.factory(session, runner)
        module, cls = self.panel.split(":")
        return getattr(importlib.import_module(module), cls)(session, runner)


def activate(session: Session, flag: str) -> None:
    """Set the state flag at the dotted path ``flag`` ("language.lens.active") True."""
    *path, last = flag.split(".")
    model = session
    for part in path:
        model = getattr(model, part)
    if not getattr(model, last):
        setattr(model, last, True)


DOCKS: list[DockSpec] = [
    DockSpec("neighbours", "Neighbours", "gui.panels.words.neighbours_panel:NeighboursPanel", "left", ("words",)),
    DockSpec("calculator", "Word calculator", "gui.panels.words.calculator_panel:CalculatorPanel", "right", ("words",)),
    DockSpec("directions", "Directions", "gui.panels.words.directions_panel:DirectionsPanel", "right", ("words",)),
    DockSpec("selection", "Selection", "gui.panels.cloud.selection_panel:SelectionPanel", "left", ("words",),
             tab_with="neighbours"),
    DockSpec("benchmarks", "Benchmarks", "gui.panels.words.benchmarks_panel:BenchmarksPanel", "right", ("words",),
             tab_with="directions"),
    DockSpec("compare", "Compare two sets", "gui.panels.words.compare_panel:ComparePanel", "right", ("words", "train"),
             tab_with="benchmarks"),
    DockSpec("draw_pad", "Draw a digit", "gui.panels.activations.draw_pad_panel:DrawPadPanel", "left", ("network",)),
    DockSpec("digit_layers", "Digit layers", "gui.panels.activations.digit_layers_panel:DigitLayersPanel",
             "bottom", ("network",)),
    DockSpec("image_cloud", "Image embeddings", "gui.panels.activations.image_cloud_panel:ImageCloudPanel",
             "bottom", ("network",), tab_with="digit_layers"),
    DockSpec("onnx_layers", "ONNX layers", "gui.panels.activations.onnx_layers_panel:OnnxLayersPanel",
             "bottom", ("network",), tab_with="digit_layers"),
    DockSpec("train", "Train word2vec", "gui.panels.words.train_panel:TrainPanel", "left", ("train",)),
    DockSpec("next_word", "Next word", "gui.panels.language.next_word_panel:NextWordPanel",
             "left", ("language",), activates="language.active"),
    DockSpec("masked_word", "Masked word", "gui.panels.language.masked_word_panel:MaskedWordPanel",
             "left", ("language",), tab_with="next_word", activates="language.masked.active"),
    DockSpec("logit_lens", "Logit lens", "gui.panels.language.logit_lens_panel:LogitLensPanel",
             "bottom", ("language",), activates="language.lens.active"),
    DockSpec("contextual", "A word across layers", "gui.panels.language.contextual_panel:ContextualPanel",
             "bottom", ("language",), tab_with="logit_lens", activates="language.contextual.active"),
    DockSpec("search", "Semantic search", "gui.panels.language.search_panel:SearchPanel",
             "bottom", ("language",), tab_with="logit_lens", activates="language.search.active"),
    DockSpec("recurrent", "Recurrent state", "gui.panels.language.recurrent_panel:RecurrentPanel",
             "bottom", ("language",), tab_with="logit_lens", activates="language.recurrent.active"),
    DockSpec("attention", "Attention", "gui.panels.language.attention_panel:AttentionPanel",
             "bottom", ("language",), tab_with="logit_lens", activates="language.attention.active"),
]
