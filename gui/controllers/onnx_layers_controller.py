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
from gui.lifetime import bind
from gui.task_runner import TaskRunner

OPEN, RUN = "onnx.open", "onnx.run"
FIRST_SHOWN = 4  # tensors chosen when a model opens: its first declared outputs


class OnnxLayersController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model, self._runner = session.activations.onnx, runner
        self.worker = OnnxWorker()
        self.request = Debouncer(40, self._run, self)
        m = self._model
        bind(self, m.events.path, self._open)
        for e in (m.events.graph, m.events.chosen, m.events.choice):
            bind(self, e, self.request)

    def _open(self, *_changed) -> None:
        m, path = self._model, self._model.path
        self._runner.cancel(RUN, emit=False)
        m.graph, m.values, m.problem = None, None, ""
        if not path:
            self._runner.cancel(OPEN, emit=False)
            return

        def opened(model: Listing) -> None:
            if m.path != path:
                return
            m.chosen = tuple(model.outputs[:FIRST_SHOWN])
            m.graph = model

        def failed(exc: BaseException) -> None:
            if m.path == path:
                m.problem = str(exc)

        self._runner.run(OPEN, lambda: self.worker.open(path), opened, label=f"opening {path}", on_error=failed)

    def _run(self) -> None:
        m = self._model
        model, chosen, choice = m.graph, m.chosen, m.choice
        if model is None:
            return
        if not chosen:
            self._runner.cancel(RUN, emit=False)
            m.values, m.problem = TensorValues({}), ""
            return

        def done(values: TensorValues) -> None:
            if m.graph is model and m.chosen == chosen and m.choice is choice:
                m.values, m.problem = values, ""

        def failed(exc: BaseException) -> None:
            if m.graph is model:
                m.values, m.problem = None, str(exc)

        self._runner.run(RUN, lambda: self.worker.run(model, list(chosen), choice), done,
                         label=f"running {model.path.name}", on_error=failed)
