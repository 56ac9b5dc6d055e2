"""The logit lens: keeps ``session.language.lens.lens`` in step with the next-word prompt (and the
tokens appended to it), once the lens panel has been shown.

The built SmolLM2 reads the text (fp32: hidden states are exact) and every layer x position goes
through its final norm and unembedding, off the GUI thread; typing is debounced and a newer text
supersedes a running job. While the Next word panel generates, the lens waits for the end.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference import registry
from core.inference.interventions import SteeredForward
from core.inference.lens import LogitLens, lens_job
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.keyed_job import KeyedJob
from gui.task_runner import TaskRunner

KIND = "lens"
TYPING_MS = 150


def lens_input(session: Session) -> tuple:
    """(prompt, appended ids, the Attention panel's interventions or None) the lens reads: appended tokens
    only when they are SmolLM2's own."""
    lang = session.language
    steered = lang.attention.decoder if not lang.model_path else None
    return lang.prompt, lang.appended if not lang.model_path else (), steered


def request_job(prompt: str, appended: tuple[int, ...], steered=None) -> Job[LogitLens]:
    yield Progress(-1, "opening SmolLM2-135M")
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    ids = [t.id for t in lm.tokenize(prompt)] + list(appended)
    return (yield from lens_job(lm if steered is None else SteeredForward(lm, steered), ids=ids))


class LensController(KeyedJob):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        lang, m = session.language.events, session.language.lens
        signals = (lang.prompt, lang.appended, lang.model_path, lang.generating, m.events.active,
                   session.language.attention.events.decoder)
        super().__init__(m, runner, KIND, TYPING_MS, signals, "cancelled; edit the prompt to read it again", parent)
        self._session = session
        self.request()

    def _request(self) -> None:
        if not self._m.active or self._session.language.generating:
            return
        key = lens_input(self._session)
        if self.changed(key):
            self.start(lambda: request_job(*key), self._on_lens, "logit lens",
                       "reading every layer through the final norm and the unembedding")

    def _on_lens(self, lens: LogitLens) -> None:
        m = self._m
        layers, positions = lens.shape
        if m.cell is not None and not (m.cell[0] < layers and m.cell[1] < positions):
            m.cell = None
        if m.position >= positions:
            m.position = -1
        m.lens, m.problem = lens, ""

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.lens, self._m.problem = None, str(exc)
