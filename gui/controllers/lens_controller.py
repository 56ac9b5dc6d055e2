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
from core.inference.lens import LogitLens, lens_job
from core.progress import Job, Progress
from core.state.session import Activity, Session
from gui.controllers.debounce import Debouncer
from gui.task_runner import TaskRunner

KIND = "lens"
TYPING_MS = 150


def lens_input(session: Session) -> tuple[str, tuple[int, ...]]:
    """(prompt, appended ids) the lens reads: appended tokens only when they are SmolLM2's own."""
    lang = session.language
    return lang.prompt, lang.appended if not lang.model_path else ()


def request_job(prompt: str, appended: tuple[int, ...]) -> Job[LogitLens]:
    yield Progress(-1, "opening SmolLM2-135M")
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    ids = [t.id for t in lm.tokenize(prompt)] + list(appended)
    return (yield from lens_job(lm, ids=ids))


class LensController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session, self._m, self._runner = session, session.language.lens, runner
        self._key: tuple | None = None  # the input of the lens on show or being computed
        self.request = Debouncer(TYPING_MS, self._request, self)
        lang = session.language.events
        for signal in (lang.prompt, lang.appended, lang.model_path, lang.generating, self._m.events.active):
            signal.connect(self.request)
        runner.finished.connect(lambda kind: setattr(self._m, "activity", None) if kind == KIND else None)
        runner.cancelled.connect(self._on_cancelled)
        self.request()

    def _request(self) -> None:
        m = self._m
        if not m.active or self._session.language.generating:
            return
        key = lens_input(self._session)
        if key == self._key:
            return
        self._key = key
        m.activity = Activity("reading every layer through the final norm and the unembedding")
        self._runner.run(KIND, lambda: request_job(*key), self._on_lens, label="logit lens", on_error=self._on_error,
                         on_progress=lambda p: setattr(m, "activity", Activity(p.message, p.fraction)))

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

    def _on_cancelled(self, kind: str) -> None:
        if kind == KIND:
            self._key = None
            self._m.activity = None
            self._m.problem = "cancelled; edit the prompt to read it again"
