"""Training word2vec: a press of Train (``session.training.request``) starts the job on the runner;
each epoch's run goes into ``session.training.run`` (or ``.other``, the second architecture of a
comparison), and the epoch on show (``.epoch``, -1 = the latest) becomes the active set, so every
room (neighbours, calculator, directions, the cloud) works on it as it learns. A request of None
cancels. Expected problems (a binary file, too few words) go to ``.problem``, which the train panel
shows inline. Edited probe words are looked up at every epoch of a finished or cancelled run. A save
request (``.save``) writes an epoch in the background; ``.saved`` says what was written.

The active set changes at most every SWITCH_MS while epochs stream in (a small corpus trains an
epoch in 30 ms) or the epoch slider is dragged: every room reacts to each switch, and each
snapshot's projection needs time to reach the cloud."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from core.embeddings.corpus import open_corpus
from core.embeddings.training import TrainingRun, compare, parse_probes, reprobe, save_vectors, train
from core.progress import Job, Progress
from core.state.session import Session, TrainingRequest
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "training"
PROBES_KIND = "training.probes"
SAVE_KIND = "training.save"
SWITCH_MS = 400


def training_job(request: TrainingRequest) -> Job:
    corpus = open_corpus(request.corpus)  # a missing, empty or binary file is reported from here
    if request.compare:
        return (yield from compare(request.settings, corpus, request.probes))
    return (yield from train(request.settings, corpus, request.probes))


def reprobe_job(run: TrainingRun, other: TrainingRun | None, probes: tuple[str, ...]) -> Job:
    first = yield from reprobe(run, probes)
    second = (yield from reprobe(other, probes)) if other is not None else None
    yield Progress(1.0, "probe words")
    return first, second


class TrainingController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.job = RoomJob(runner, KIND, session.training, parent=self)
        self.probes_job = RoomJob(runner, PROBES_KIND, parent=self)
        self.save_job = RoomJob(runner, SAVE_KIND, parent=self)
        self._switch = QTimer(self, singleShot=True)
        self._switch.timeout.connect(self._show_epoch)
        self._last_switch = 0.0
        self.reprobe = Debouncer(300, self._reprobe, self)
        model = session.training
        bind(self, model.events.request, self._on_request_changed)
        bind(self, model.events.run, self._on_run_changed)
        model.events.epoch.connect(self._on_run_changed)  # a dragged slider switches sets every SWITCH_MS too
        bind(self, model.events.probes, self.reprobe)
        bind(self, model.events.save, self._on_save_requested)

    @property
    def running(self) -> bool:
        return self.job.running

    # -- requests ------------------------------------------------------------------------
    def _on_request_changed(self) -> None:
        model, request = self._session.training, self._session.training.request
        if request is None:
            self.job.cancel()
            return
        self.probes_job.stop()
        model.run, model.other, model.epoch = None, None, -1
        kind = "CBOW and skip-gram" if request.compare else request.settings.architecture
        self.job.start(lambda: training_job(request), self._on_result, label=f"training {kind}",
                       on_progress=self._on_progress)

    def _on_progress(self, p: Progress) -> None:
        run, model = p.payload, self._session.training
        if not isinstance(run, TrainingRun) or model.request is None:
            return
        if run.settings.sg == model.request.settings.sg:
            model.run = run
        else:
            model.other = run

    def _on_result(self, result) -> None:
        model = self._session.training
        run, other = result if isinstance(result, tuple) else (result, model.other)
        model.run, model.other = run, other
        self._switch.stop()
        self._show_epoch()
        done = f"trained {run.settings.architecture} on {run.corpus.name}: {run.vocabulary:,} words"
        self._session.status = done + (f", and {other.settings.architecture}" if other is not None else "")
        self.reprobe()

    # -- the epoch on show ---------------------------------------------------------------
    def _on_run_changed(self) -> None:
        """A new epoch, or another one chosen: show it now, or once SWITCH_MS have passed since the last switch."""
        if self._switch.isActive():
            return
        wait = SWITCH_MS - 1000 * (time.perf_counter() - self._last_switch)
        if wait > 0:
            self._switch.start(int(wait))
        else:
            self._show_epoch()

    def _show_epoch(self) -> None:
        s, model = self._session, self._session.training
        run = model.run
        if run is None or not run.epochs:
            return
        i = model.epoch
        es = (run.epochs[i] if 0 <= i < len(run.epochs) else run.epochs[-1]).embeddings
        if s.embeddings is es:
            return
        first = s.embeddings is None or s.embeddings.words is not es.words
        self._last_switch = time.perf_counter()
        s.set_embeddings(es)
        if first and run.probes and s.neighbours.query not in run.probes:
            s.neighbours.query = run.probes[0]  # a probe word: the cloud highlights it and its neighbours

    # -- probe words -----------------------------------------------------------------------
    def _reprobe(self) -> None:
        model = self._session.training
        run, words = model.run, parse_probes(model.probes)
        if run is None or self.running or not words or words == run.probes:
            return  # while training, the job's probe words stay (the panel does not let them change)
        other = model.other
        self.probes_job.start(lambda: reprobe_job(run, other, words), self._on_reprobed,
                              label="neighbours of the probe words")

    def _on_reprobed(self, result) -> None:
        model = self._session.training
        run, other = result
        if parse_probes(model.probes) == run.probes:
            model.run, model.other = run, other

    # -- saving an epoch -------------------------------------------------------------------
    def _on_save_requested(self) -> None:
        model, request = self._session.training, self._session.training.save
        run = model.run
        if request is None or run is None or not run.epochs:
            return
        epochs = run.epochs
        es = (epochs[request.epoch] if -len(epochs) <= request.epoch < len(epochs) else epochs[-1]).embeddings
        model.saved = ""

        def done(path) -> None:
            model.saved = f"Saved {len(es):,} words to {path}"

        def failed(exc) -> None:
            model.problem = str(exc)

        self.save_job.start(lambda: save_vectors(es, request.path, request.fmt), done,
                            label=f"saving {Path(request.path).name}", on_error=failed)
