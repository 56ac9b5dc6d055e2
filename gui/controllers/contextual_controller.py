"""A word across layers: keeps ``session.language.contextual.result`` in step with its word and
sentences once the panel has been shown. A word missing from a sentence is reported at once, with
no model call; otherwise both models read the sentences off the GUI thread (edits are debounced and a
newer edit supersedes a running job)."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference.contextual import Contextual, check, contextual_job
from core.state.session import Activity, Session
from gui.controllers.debounce import Debouncer
from gui.task_runner import TaskRunner

KIND = "contextual"
EDIT_MS = 300


class ContextualController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m, self._runner = session.language.contextual, runner
        self._key: tuple | None = None
        self.request = Debouncer(EDIT_MS, self._request, self)
        for signal in (self._m.events.active, self._m.events.word, self._m.events.sentences):
            signal.connect(self.request)
        runner.finished.connect(lambda kind: setattr(self._m, "activity", None) if kind == KIND else None)
        runner.cancelled.connect(self._on_cancelled)
        self.request()

    def _request(self) -> None:
        m = self._m
        if not m.active:
            return
        word, sentences = m.word, m.sentences
        key = (word, sentences)
        if key == self._key:
            return
        self._key = key
        try:
            check(word, list(sentences))
        except ExplorerError as exc:
            self._runner.cancel(KIND, emit=False)
            m.activity, m.problem = None, str(exc)
            return
        m.activity = Activity(f"reading {len(sentences)} sentences through SmolLM2 and MiniLM")
        self._runner.run(KIND, lambda: contextual_job(word, list(sentences)), self._on_result,
                         label="a word across layers", on_error=self._on_error)

    def _on_result(self, result: Contextual) -> None:
        self._m.result, self._m.problem = result, ""

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)

    def _on_cancelled(self, kind: str) -> None:
        if kind == KIND:
            self._key = None
            self._m.activity = None
            self._m.problem = "cancelled; edit a sentence to read them again"
