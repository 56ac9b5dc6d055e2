"""A word across layers: keeps ``session.language.contextual.result`` in step with its word and
sentences once the panel has been shown. A word missing from a sentence is reported at once, with
no model call; otherwise both models read the sentences off the GUI thread (edits are debounced and a
newer edit supersedes a running job)."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference.contextual import Contextual, check, contextual_job
from core.state.session import Session
from gui.controllers.keyed_job import KeyedJob
from gui.task_runner import TaskRunner

KIND = "contextual"
EDIT_MS = 300


class ContextualController(KeyedJob):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        m = session.language.contextual
        super().__init__(m, runner, KIND, EDIT_MS, (m.events.active, m.events.word, m.events.sentences),
                         "cancelled; edit a sentence to read them again", parent)
        self.request()

    def _request(self) -> None:
        m = self._m
        word, sentences = m.word, m.sentences
        if not m.active or not self.changed((word, sentences)):
            return
        try:
            check(word, list(sentences))
        except ExplorerError as exc:
            self.refuse(exc)
            return
        self.start(lambda: contextual_job(word, list(sentences)), self._on_result, "a word across layers",
                   f"reading {len(sentences)} sentences through SmolLM2 and MiniLM")

    def _on_result(self, result: Contextual) -> None:
        self._m.result, self._m.problem = result, ""
