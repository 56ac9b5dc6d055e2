"""The Attention panel's controller: keeps ``session.language.attention`` in step with the Next word
prompt and the panel's interventions once the panel has been shown, off the GUI thread.

* **the views** (one KeyedJob): SmolLM2's weights with the interventions in place, MiniLM's on the
  same sentence, the attribution of the target token, and the next word with and without them;
* **find heads** and **Generate** (a RoomJob each, started by the state's counters).

The inspection graphs are opened once per process (:func:`shared_model`)."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from core.errors import InputError
from core.inference import registry
from core.inference.attention import attention
from core.inference.attention_model import AttentionModel, InterventionDecoder
from core.inference.attribution import attribute, attribute_gap
from core.inference.distribution import render
from core.inference.interventions import build_intervention, find_heads, generate_with, next_distribution
from core.inference.sampling import Sampling
from core.progress import Job, Progress
from core.state.session import Session
from gui.controllers.debounce import Debouncer
from gui.controllers.job import RoomJob
from gui.controllers.keyed_job import KeyedJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

KIND, FIND_KIND, GENERATE_KIND, GAP_KIND = "attention", "attention_find", "attention_generate", "attention_gap"
EDIT_MS = 60
GENERATE_N = 20

_lock = threading.Lock()
_model: list[AttentionModel] = []


def shared_model() -> Job[AttentionModel]:
    if not _model:
        yield Progress(-1.0, "opening the attention inspection graphs")
    with _lock:
        if not _model:
            _model.append(registry.open(registry.ATTENTION))
        return _model[0]


class AttentionController(KeyedJob):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        self._language = session.language
        m = session.language.attention
        signals = (m.events.active, session.language.events.prompt, m.events.ablated, m.events.steer_source,
                   m.events.steer_words, m.events.steer_prompts, m.events.steer_layer, m.events.steer_strength,
                   m.events.target)
        super().__init__(m, runner, KIND, EDIT_MS, signals, "cancelled; edit the prompt to read it again", parent)
        self.find_job = RoomJob(runner, FIND_KIND, m, cancelled="cancelled", parent=self)
        self.generate_job = RoomJob(runner, GENERATE_KIND, m, cancelled="cancelled", parent=self)
        bind(self, m.events.find, self._on_find)
        bind(self, m.events.generate, self._on_generate)
        self._masked = session.language.masked
        self.gap_job = RoomJob(runner, GAP_KIND, parent=self)
        self.gap_request = Debouncer(EDIT_MS, self._on_gap, self)
        for signal in (self._masked.events.active, self._masked.events.fills, self._masked.events.chosen):
            bind(self, signal, self.gap_request)
        self.request()

    def _settings(self) -> tuple:
        m = self._m
        return (self._language.prompt, tuple(m.ablated), m.steer_source, m.steer_words, tuple(m.steer_prompts),
                int(m.steer_layer), float(m.steer_strength), int(m.target))

    def _request(self) -> None:
        key = self._settings()
        if not self._m.active or not self.changed(key):
            return
        if not key[0].strip():
            self._m.view = self._m.encoder_view = self._m.attribution = None
            self._m.problem = ""
            self.job.stop()
            return
        self.start(lambda: self._job(*key), self._on_result, "attention", "reading every head's attention")

    @staticmethod
    def _job(prompt, ablated, source, words, prompts, layer, strength, target) -> Job[tuple]:
        m = yield from shared_model()
        iv = build_intervention(m, prompt, ablate=ablated, source=source, words=words, prompts=prompts,
                                layer=layer, strength=strength)
        yield Progress(0.2, "SmolLM2: every head")
        view = attention(m, prompt, intervention=iv)
        yield Progress(0.5, "MiniLM: every head")
        try:
            enc = attention(m, prompt, model="minilm")
        except InputError:
            enc = None
        steered = render(view.logits, m.tokenizer.readable, Sampling(), n=10)
        plain = steered if iv.empty else next_distribution(m, prompt)
        yield Progress(0.7, "what made the prediction (occlusion)")
        try:
            attribution = attribute(m, prompt, target if target >= 0 else None, intervention=iv, view=view)
        except InputError:
            attribution = None
        decoder = None if iv.empty else InterventionDecoder(m, iv)
        return view, enc, attribution, plain, steered, decoder

    def _on_result(self, result: tuple) -> None:
        m = self._m
        view, enc, attribution, plain, steered, decoder = result
        m.view, m.encoder_view, m.attribution, m.plain, m.steered = view, enc, attribution, plain, steered
        m.decoder = decoder  # the Next word bars read with it (None: with the shipped model again)
        m.problem = ""

    def _intervention_job(self):
        key = self._settings()

        def make(m: AttentionModel):
            return build_intervention(m, key[0], ablate=key[1], source=key[2], words=key[3], prompts=key[4],
                                      layer=key[5], strength=key[6])
        return key[0], make

    def _on_find(self) -> None:
        prompt, make = self._intervention_job()

        def job() -> Job[list]:
            m = yield from shared_model()
            return (yield from find_heads(m, prompt, base=make(m)))

        self.find_job.start(job, self._on_found, label="find heads", message="switching each head off in turn",
                            on_error=self._on_error)

    def _on_found(self, found: list) -> None:
        self._m.found = tuple(found)

    def _on_generate(self) -> None:
        prompt, make = self._intervention_job()

        def job() -> Job[tuple[str, str]]:
            m = yield from shared_model()
            greedy = Sampling(temperature=0)
            plain = yield from generate_with(m, prompt, n=GENERATE_N, sampling=greedy)
            steered = yield from generate_with(m, prompt, make(m), GENERATE_N, greedy)
            return plain, steered

        self.generate_job.start(job, self._on_generated, label="generate", message="generating with and without",
                                on_error=self._on_error)

    def _on_generated(self, texts: tuple[str, str]) -> None:
        self._m.generated = texts

    def _on_gap(self) -> None:
        """The Masked word panel's clicked word: what before the gap made it likely. Only on a click:
        it opens the attention graphs (538 MB more), which scoring the candidates does not need."""
        masked, m = self._masked, self._m
        fills = masked.fills
        if not masked.active or fills is None or not fills.fills:
            m.masked_attribution, m.masked_note = None, ""
            return
        if not masked.chosen:
            m.masked_attribution, m.masked_note = None, "Click a word to see what before the gap made it likely."
            return
        sentence, word = fills.sentence, masked.chosen

        def job():
            model = yield from shared_model()
            return attribute_gap(model, sentence, word)

        def failed(exc) -> None:
            m.masked_attribution, m.masked_note = None, str(exc)

        def done(a) -> None:
            m.masked_attribution, m.masked_note = a, a.note

        self.gap_job.start(job, done, label="what made the word", on_error=failed)
