"""The masked word: when its panel has been shown and a sentence is committed, the candidates for its
[MASK] are scored off the GUI thread (seconds: progress in ``activity``, Cancel through ``masked.cancel``)
into ``session.language.masked.fills``. A sentence without exactly one [MASK] is refused at once."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference import registry
from core.inference.masked_fill import Fills, fills_job, split_mask
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
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
        self.job = RoomJob(runner, KIND, m, cancelled="cancelled; change the sentence to score it again", parent=self)
        self.request = Debouncer(0, self._request, self)
        bind(self, m.events.active, self.request)
        bind(self, m.events.sentence, self.request)
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
            m.fills = None
            self.job.refuse(exc)
            return
        self.job.start(lambda: masked_job(sentence), self._on_fills, label="scoring candidate words")

    def _on_fills(self, fills: Fills) -> None:
        if fills.sentence == self._m.sentence:
            self._m.fills = fills
