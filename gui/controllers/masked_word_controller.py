"""The masked word: when its panel has been shown and a sentence is committed, the candidates for its
[MASK] are scored off the GUI thread (seconds: progress in ``activity``, Cancel through the runner)
into ``session.language.masked.fills``. A sentence without exactly one [MASK] is refused at once."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference import registry
from core.inference.masked_fill import Fills, fills_job, split_mask
from core.progress import Job, Progress
from core.state.session import Activity, Session
from gui.controllers.debounce import Debouncer
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "masked"


def masked_job(sentence: str) -> Job[Fills]:
    yield Progress(-1, "opening SmolLM2-135M")
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    return (yield from fills_job(lm, sentence))


class MaskedWordController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m = m = session.language.masked
        self._runner = runner
        self.request = Debouncer(0, self._request, self)
        bind(self, m.events.active, self.request)
        bind(self, m.events.sentence, self.request)
        bind(self, runner.finished, self._on_finished)
        bind(self, runner.cancelled, self._on_cancelled)
        self.request()

    def _request(self) -> None:
        m = self._m
        if not m.active or (m.fills is not None and m.fills.sentence == m.sentence):
            return
        sentence = m.sentence
        m.chosen = ""
        try:
            split_mask(sentence)
        except ExplorerError as exc:
            self._runner.cancel(KIND, emit=False)
            m.fills, m.activity, m.problem = None, None, str(exc)
            return
        m.problem = ""
        m.activity = Activity("scoring candidate words", 0.0)
        self._runner.run(
            KIND,
            lambda: masked_job(sentence),
            self._on_fills,
            label="scoring candidate words",
            on_error=self._on_error,
            on_progress=lambda p: setattr(m, "activity", Activity(p.message, p.fraction)),
        )

    def _on_fills(self, fills: Fills) -> None:
        if fills.sentence == self._m.sentence:
            self._m.fills = fills

    def _on_error(self, exc: ExplorerError) -> None:
        self._m.problem = str(exc)

    def _on_finished(self, kind: str) -> None:
        if kind == KIND:
            self._m.activity = None

    def _on_cancelled(self, kind: str) -> None:
        if kind == KIND:
            self._m.problem = "cancelled; change the sentence to score it again"
