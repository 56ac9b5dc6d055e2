"""Controllers: they observe the Session, compute derived state (off the GUI thread when it takes
time) and store it back in the Session, whether or not a panel that shows it is open.

    controllers = Controllers(session, runner)   # the main window keeps them for its lifetime
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.state.session import Session
from gui.controllers.activations_controller import ActivationsController
from gui.controllers.arithmetic_controller import ArithmeticController
from gui.controllers.attention_controller import AttentionController
from gui.controllers.backend_controller import BackendController
from gui.controllers.benchmarks_controller import BenchmarksController
from gui.controllers.cloud_controller import CloudController
from gui.controllers.compare_controller import CompareController
from gui.controllers.contextual_controller import ContextualController
from gui.controllers.directions_controller import DirectionsController
from gui.controllers.language_controller import LanguageController
from gui.controllers.lens_controller import LensController
from gui.controllers.masked_word_controller import MaskedWordController
from gui.controllers.neighbours_controller import NeighboursController
from gui.controllers.onnx_layers_controller import OnnxLayersController
from gui.controllers.recurrent_controller import RecurrentController
from gui.controllers.search_controller import SearchController
from gui.controllers.training_controller import TrainingController
from gui.task_runner import TaskRunner


class Controllers(QObject):
    """Every controller of the window, created together."""

    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backends = BackendController(session, runner, self)
        self.neighbours = NeighboursController(session, runner, self)
        self.arithmetic = ArithmeticController(session, runner, self)
        self.directions = DirectionsController(session, self)
        self.benchmarks = BenchmarksController(session, runner, self)
        self.cloud = CloudController(session, runner, self)
        self.compare = CompareController(session, runner, self)
        self.activations = ActivationsController(session, runner, self)
        self.onnx_layers = OnnxLayersController(session, runner, self)
        self.training = TrainingController(session, runner, self)
        self.language = LanguageController(session, runner, self)
        self.masked_word = MaskedWordController(session, runner, self)
        self.lens = LensController(session, runner, self)
        self.contextual = ContextualController(session, runner, self)
        self.search = SearchController(session, runner, self)
        self.recurrent = RecurrentController(session, runner, self)
        self.attention = AttentionController(session, runner, self)
