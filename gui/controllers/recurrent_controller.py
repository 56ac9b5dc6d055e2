"""The Recurrent state panel: keeps ``session.language.recurrent.paths`` in step with its two texts
once the panel has been shown. The GRU reads each text off the GUI thread (a newer keystroke
supersedes a running read; a long paste is read in chunks and can be cancelled); the first job also
opens the network and projects its background (the states at the ends of corpus sentences)."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.inference import registry
from core.progress import Job, Progress
from core.projections.state_paths import RecurrentPaths, StateSpace, paths_job
from core.state.session import Session
from gui.controllers.keyed_job import KeyedJob
from gui.task_runner import TaskRunner

KIND = "recurrent"
EDIT_MS = 10  # typing: a short pause starts a read (a 50-token text is read and placed in ~11 ms)


class RecurrentController(KeyedJob):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        m = session.language.recurrent
        super().__init__(m, runner, KIND, EDIT_MS, (m.events.active, m.events.texts),
                         "cancelled; edit a text to read it again", parent)
        self._space: StateSpace | None = None
        self.request()

    def _request(self) -> None:
        m = self._m
        texts = tuple(m.texts)
        if not m.active or not self.changed(texts):
            return
        self.start(lambda: self._job(texts), self._on_result, "recurrent state",
                   "reading the texts with the recurrent network")

    def _job(self, texts: tuple[str, ...]) -> Job[tuple[StateSpace, RecurrentPaths]]:
        """The first time: open the network (each file checked by its sha256: a damaged one is named
        inline) and project its background."""
        space = self._space
        if space is None:
            yield Progress(-1.0, "opening the recurrent network and projecting its background")
            space = StateSpace(registry.open(registry.RNN))
        paths = yield from paths_job(space, texts)
        return space, paths

    def _on_result(self, result: tuple[StateSpace, RecurrentPaths]) -> None:
        self._space, paths = result
        self._m.paths, self._m.problem = paths, ""
