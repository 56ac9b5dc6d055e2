"""The next word: keeps ``session.language.trace`` (the prompt and the appended tokens as the model has
read them, with the key/value cache) in step with what the panels ask for, and ``view`` (the bars)
in step with the trace and the sampling settings.

* The model opens when a language panel is first shown (``active``), off the GUI thread.
* A new prompt is read off the GUI thread in chunks, reusing what the last read shares with it at
  the start (typing at the end costs a position or two); a paste can be cancelled between chunks.
* ``appended`` growing is one cached pass; shrinking (Undo) cuts the cache back on the GUI thread,
  no model call. ``generating`` > 0 samples that many tokens with ``sampling.seed`` (0 stops).
* The sampling and the number of bars re-render the bars from the logits at hand (a few ms, on the
  GUI thread): no model call.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from core.errors import ExplorerError
from core.inference import registry
from core.inference.distribution import render
from core.inference.trace import Trace, generate_steps, settle, undo
from core.progress import Job, Progress
from core.state.session import Activity, ModelInfo, Session
from gui.controllers.debounce import Debouncer
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND = "language"
BUILT = "SmolLM2-135M"


def model_label(path: str) -> str:
    return Path(path).name if path else BUILT


def open_job(path: str) -> Job:
    yield Progress(-1, f"opening {model_label(path)}")
    return registry.open_decoder(path)


def model_info(dec) -> ModelInfo:
    return ModelInfo(dec.display_name, dec.provider, tuple(dec.precisions), getattr(dec, "description", ""),
                     dec.notice or "", dec.vocab_size, dec.max_positions)


class LanguageController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._m = m = session.language
        self._runner = runner
        self._decoders: dict[str, object] = {}
        self._job = ""  # what the running job of KIND does: "open:<path>", "read" or "generate"
        self.request = Debouncer(0, self._request, self)
        ev = m.events
        for signal in (ev.active, ev.model_path, ev.precision, ev.prompt, ev.appended, ev.generating):
            bind(self, signal, self.request)
        for signal in (ev.sampling, ev.n_top, ev.trace):
            bind(self, signal, self._render)
        bind(self, runner.cancelled, self._on_cancelled)
        bind(self, runner.finished, self._on_finished)
        self.request()

    # -- reconciling the trace with the inputs ------------------------------------------------
    def _request(self) -> None:
        m = self._m
        if not m.active:
            return
        path = m.model_path
        dec = self._decoders.get(path)
        if dec is None:
            if self._job != "open:" + path:
                m.trace, m.info = None, None
                self._start("open:" + path, lambda: open_job(path), lambda dec: self._on_opened(path, dec),
                            f"opening {model_label(path)}")
            return
        t = m.trace
        same_text = t is not None and t.decoder is dec and t.prompt == m.prompt and t.precision == m.precision
        if same_text and t.appended == m.appended:
            if m.generating > 0 and self._job != "generate":
                self._start_generating(t)
            elif m.generating == 0 and self._job == "generate":
                self._stop()
            return
        if m.generating:  # the user changed the text: a running generation stops
            m.generating = 0
        if same_text and t.appended[: len(m.appended)] == m.appended:  # Undo: no model call
            self._stop()
            m.trace = undo(t, len(t.appended) - len(m.appended))
            m.problem = ""
            return
        prompt, appended, precision, sampling = m.prompt, m.appended, m.precision, m.sampling
        self._start("read", lambda: settle(dec, t, prompt, appended, precision=precision, sampling=sampling),
                    self._on_trace, "reading the prompt", on_progress=self._on_progress)

    def _start(self, job: str, factory, on_result, label: str, on_progress=None) -> None:
        self._job = job
        self._m.activity = Activity(label)
        self._runner.run(KIND, factory, on_result, label=label, on_error=self._on_error, on_progress=on_progress)

    def _stop(self) -> None:
        if self._job:
            self._runner.cancel(KIND, emit=False)
            self._job = ""
            self._m.activity = None

    def _start_generating(self, t: Trace) -> None:
        m = self._m
        n, sampling, first = m.generating, m.sampling, len(t.steps)

        def progress(p: Progress) -> None:
            tr = p.payload
            m.trace = tr
            m.appended = tr.appended
            m.activity = Activity(f"generated {len(tr.steps) - first} of {n}", p.fraction)

        self._start("generate", lambda: generate_steps(t, n, sampling), self._on_generated,
                    f"generating {n} token{'s' * (n != 1)}", on_progress=progress)

    # -- results ------------------------------------------------------------------------------
    def _on_opened(self, path: str, dec) -> None:
        self._decoders[path] = dec
        self._m.info = model_info(dec)
        self._m.problem = ""
        self.request()

    def _on_trace(self, trace: Trace) -> None:
        self._m.trace = trace
        self._m.problem = ""
        self.request()  # the inputs may have moved on while it ran

    def _on_generated(self, trace: Trace) -> None:
        m = self._m
        m.trace = trace
        m.appended = trace.appended
        m.generating = 0

    def _on_progress(self, p: Progress) -> None:
        self._m.activity = Activity(p.message, p.fraction)

    def _on_error(self, exc: ExplorerError) -> None:
        m = self._m
        if self._job.startswith("open:"):
            m.info = None
        m.generating = 0
        m.problem = str(exc)

    def _on_finished(self, kind: str) -> None:
        if kind == KIND:
            self._job = ""
            self._m.activity = None

    def _on_cancelled(self, kind: str) -> None:
        if kind != KIND:
            return
        m = self._m
        if self._job == "read":
            m.problem = "cancelled: the prompt was not read; edit it to read it again"
        self._job = ""
        m.activity = None
        m.generating = 0

    def _render(self, *_changed) -> None:
        m = self._m
        t = m.trace
        if t is None:
            m.view = None
            return
        m.view = render(t.logits, t.decoder.tokenizer.readable, m.sampling, n=m.n_top)
