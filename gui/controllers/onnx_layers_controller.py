"""Any ONNX model's layers (File > Open ONNX model...): open the file set in
``session.activations.onnx.path`` (checked, listed), then fetch the chosen tensors for the chosen
input whenever either changes, into ``onnx.graph`` and ``onnx.values``; an expected problem (not
an ONNX file, missing external data, an input it cannot make) goes into ``onnx.problem``.
The model lives in a child process (core.inference.onnx_worker): reading a large graph holds
the GIL for seconds, which the window would feel."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.inference.any_model import TensorValues
from core.inference.onnx_worker import Listing, OnnxWorker
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

OPEN, RUN = "onnx.open", "onnx.run"
FIRST_SHOWN = 4  # tensors chosen when a model opens: its first declared outputs


class OnnxLayersController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = m = session.activations.onnx
        self.worker = OnnxWorker()
        self.opening = RoomJob(runner, OPEN, m, parent=self)
        self.running = RoomJob(runner, RUN, m, parent=self)
        self.request = Debouncer(40, self._run, self)
        bind(self, m.events.path, self._open)
        for e in (m.events.graph, m.events.chosen, m.events.choice):
            bind(self, e, self.request)

    def _open(self, *_changed) -> None:
        m, path = self._model, self._model.path
        self.running.stop()
        m.graph, m.values, m.problem = None, None, ""
        if not path:
            self.opening.stop()
            return

        def opened(model: Listing) -> None:
            m.chosen = tuple(model.outputs[:FIRST_SHOWN])
            m.graph = model

        self.opening.start(lambda: self.worker.open(path), opened, label=f"opening {path}")

    def _run(self) -> None:
        m = self._model
        model, chosen, choice = m.graph, m.chosen, m.choice
        if model is None:
            return
        if not chosen:
            self.running.stop()
            m.values, m.problem = TensorValues({}), ""
            return

        def done(values: TensorValues) -> None:
            if m.graph is model and m.chosen == chosen and m.choice is choice:  # not changed while debounced
                m.values, m.problem = values, ""

        def failed(exc: BaseException) -> None:
            m.values, m.problem = None, str(exc)

        self.running.start(lambda: self.worker.run(model, list(chosen), choice), done,
                           label=f"running {model.path.name}", on_error=failed)
