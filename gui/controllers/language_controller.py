"""The next word: keeps ``session.language.trace`` (the prompt and the appended tokens as the model has
read them, with the key/value cache) in step with what the panels ask for, and ``view`` (the bars)
in step with the trace and the sampling.

* The model opens when a language panel is first shown (``active``), off the GUI thread.
* A new prompt is read off the GUI thread in chunks, reusing what the last read shares with it at
  the start (typing at the end costs a position or two); a paste can be cancelled between chunks.
* ``appended`` growing is one cached pass; shrinking (Undo) cuts the cache back on the GUI thread,
  no model call.
* ``generating`` > 0 starts one job that samples that many tokens with ``sampling.seed``, writing the
  newest trace (and ``appended``, which then answers it: nothing is read again) at most
  :data:`GENERATED_FPS` times a second, so that the bars and chips the window redraws do not take the
  cores from the model; 0 stops it, keeping what was generated.
* The sampling and the number of bars re-render the bars from the logits at hand (a few ms, on the
  GUI thread): no model call.
* Cancel (``language.cancel``, the status bar) stops whichever job runs, through the state.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from core.errors import ExplorerError
from core.inference import registry
from core.inference.distribution import render
from core.inference.sampling import Sampling
from core.inference.trace import Trace, generate_steps, settle, undo
from core.progress import Job, Progress
from core.state.session import ModelInfo, Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "language"  # opening the model and reading the text
GENERATE = "language.generate"
BUILT = "SmolLM2-135M"
NOT_READ = "cancelled: the prompt was not read; edit it to read it again"
GENERATED_FPS = 15  # how often a running Generate shows its newest token (a step takes about 12 ms)


def model_label(path: str) -> str:
    return Path(path).name if path else BUILT


def open_job(path: str) -> Job:
    yield Progress(-1, f"opening {model_label(path)}")
    return registry.open_decoder(path)


def generation_job(t: Trace, n: int, sampling: Sampling) -> Job[Trace]:
    """``n`` tokens drawn after ``t``; each Progress carries the new trace and says how far it got."""
    steps = generate_steps(t, n, sampling)
    while True:
        try:
            p = next(steps)
        except StopIteration as stop:
            return stop.value
        yield Progress(p.fraction, f"generated {len(p.payload.steps) - len(t.steps)} of {n}", p.payload)


def model_info(dec) -> ModelInfo:
    return ModelInfo(dec.display_name, dec.provider, tuple(dec.precisions), getattr(dec, "description", ""),
                     dec.notice or "", dec.vocab_size, dec.max_positions)


class LanguageController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m = m = session.language
        self._decoders: dict[str, object] = {}
        self._opening: str | None = None  # the model path the reader is opening (None: it reads, or rests)
        self.reader = RoomJob(runner, KIND, m, parent=self)
        self.reader.cancelled.connect(self._on_read_cancelled)
        self.generator = RoomJob(runner, GENERATE, m, parent=self)
        self.generator.cancelled.connect(self._on_generate_cancelled)
        self._pending: Trace | None = None  # the newest generated trace not shown yet
        self._shown_at = 0.0
        self._show_timer = QTimer(self, singleShot=True)
        self._show_timer.timeout.connect(self._show_pending)
        self.request = Debouncer(0, self._request, self)
        ev = m.events
        for signal in (ev.active, ev.model_path, ev.precision, ev.prompt, m.attention.events.decoder):
            bind(self, signal, self.request)
        bind(self, ev.appended, self._on_appended_changed)
        bind(self, ev.generating, self._on_generating_changed)
        for signal in (ev.sampling, ev.n_top, ev.trace):
            bind(self, signal, self._render)
        self.request()

    def _answers(self, t: Trace | None) -> bool:
        """Whether the trace is the text as it is asked for now (prompt, precision, appended tokens)."""
        m = self._m
        return (t is not None and t.decoder is self._decoder(m.model_path) and t.prompt == m.prompt
                and t.precision == m.precision and t.appended == m.appended)

    def _decoder(self, path: str):
        """The opened decoder for ``path``; the built SmolLM2 with the Attention panel's interventions in
        place (heads off, steering) while any is on, so the bars, Sample and Generate follow them."""
        steered = self._m.attention.decoder
        return steered if steered is not None and not path else self._decoders.get(path)

    # -- reconciling the trace with the inputs ------------------------------------------------
    def _on_appended_changed(self) -> None:
        if not self._answers(self._m.trace):  # a generated step writes an answered trace first
            self.request()

    def _on_generating_changed(self) -> None:
        m = self._m
        if not m.generating:
            if self.generator.running:
                self.generator.stop()
                self._show_pending()  # keep what was generated until Stop
        elif not self.generator.running and self._answers(m.trace):
            self._start_generating(m.trace)

    def _request(self) -> None:
        m = self._m
        if not m.active:
            return
        path = m.model_path
        dec = self._decoder(path)
        if dec is None:
            if self._opening != path or not self.reader.running:
                m.trace, m.info = None, None
                self._opening = path
                self.reader.start(lambda: open_job(path), lambda dec: self._on_opened(path, dec),
                                  label=f"opening {model_label(path)}", on_error=self._on_open_failed)
            return
        t = m.trace
        if self._answers(t):
            return
        if m.generating:  # the user changed the text: a running generation stops
            m.generating = 0
        if t is not None and t.decoder is dec and t.prompt == m.prompt and t.precision == m.precision \
                and t.appended[: len(m.appended)] == m.appended:  # Undo: no model call
            self.reader.stop()
            m.trace = undo(t, len(t.appended) - len(m.appended))
            m.problem = ""
            return
        prompt, appended, precision, sampling = m.prompt, m.appended, m.precision, m.sampling
        self._opening = None
        self.reader.start(lambda: settle(dec, t, prompt, appended, precision=precision, sampling=sampling),
                          self._on_trace, label="reading the prompt")

    def _start_generating(self, t: Trace) -> None:
        n, sampling = self._m.generating, self._m.sampling
        self.generator.start(lambda: generation_job(t, n, sampling), self._on_generated,
                             label=f"generating {n} token{'s' * (n != 1)}", on_error=self._on_generate_failed,
                             on_progress=self._on_generated_step)

    # -- results ------------------------------------------------------------------------------
    def _on_opened(self, path: str, dec) -> None:
        self._opening = None
        self._decoders[path] = dec
        self._m.info = model_info(dec)
        self._m.problem = ""
        self.request()

    def _on_open_failed(self, exc: ExplorerError) -> None:
        self._opening = None
        self._m.info, self._m.generating, self._m.problem = None, 0, str(exc)

    def _on_trace(self, trace: Trace) -> None:
        self._m.trace = trace
        self._m.problem = ""
        self.request()  # the inputs may have moved on while it ran

    def _on_generated_step(self, p: Progress) -> None:
        self._pending = p.payload
        wait = self._shown_at + 1 / GENERATED_FPS - time.perf_counter()
        if wait <= 0:
            self._show_pending()
        elif not self._show_timer.isActive():
            self._show_timer.start(max(1, int(wait * 1000)))

    def _show_pending(self) -> None:
        t, self._pending = self._pending, None
        self._show_timer.stop()
        if t is None:
            return
        self._shown_at = time.perf_counter()
        m = self._m
        m.trace = t  # first: the appended tokens then answer it (nothing is read again)
        m.appended = t.appended

    def _on_generated(self, trace: Trace) -> None:
        self._pending = trace
        self._show_pending()
        self._m.generating = 0

    def _on_generate_cancelled(self) -> None:
        self._show_pending()
        self._m.generating = 0

    def _on_generate_failed(self, exc: ExplorerError) -> None:
        self._m.generating, self._m.problem = 0, str(exc)

    def _on_read_cancelled(self) -> None:
        if self._opening is None:
            self._m.problem = NOT_READ
        self._opening = None

    def _render(self, *_changed) -> None:
        m = self._m
        t = m.trace
        m.view = None if t is None else render(t.logits, t.decoder.tokenizer.readable, m.sampling, n=m.n_top)
