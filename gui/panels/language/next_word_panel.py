"""Next word: a prompt, its tokens as chips, and bars for the tokens the model expects next.

Typing sets ``session.language.prompt`` (after a short pause); a bar click appends its token,
Undo takes the last one back, Sample draws one and Generate N draws N with the seed shown (same
seed, same text), Stop ends it. The LanguageController reads the text and renders the bars; this
panel only shows ``session.language`` and writes what the user changes.
"""
from __future__ import annotations

import html
import random
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from core.inference.distribution import Bar
from core.inference.precision import PRECISION_LABELS, PRECISIONS
from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.pickable import FitScroll
from gui.panels.language.recurrent_bars import RecurrentBars
from gui.panels.language.sampling_controls import SamplingControls
from gui.panels.language.token_bars import ROW_H, BarRow, TokenBars
from gui.panels.language.token_chips import Chip, TokenChips
from gui.panels.language.why_chips import WhyChips
from gui.task_runner import TaskRunner
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.inline_message import InlineMessage

TYPING_MS = 40


def button(text: str, tip: str) -> QToolButton:
    """A push button that asks only for its text's width (the dock stays narrow)."""
    b = QToolButton(text=text, toolTip=tip)
    b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return b


def percent(p: float) -> str:
    """35%, 2.4%, 0.13%, <0.01%: small probabilities stay readable."""
    return f"{p:.0%}" if p >= 0.1 else f"{p:.1%}" if p >= 0.01 else f"{p:.2%}" if p >= 0.0001 else "<0.01%"


def bar_row(b: Bar, logit_range: tuple[float, float] | None) -> BarRow:
    """One bar: its probability, or (given the range of the logits shown) its logit."""
    if logit_range is not None:
        lo, hi = logit_range
        frac, value = (b.logit - lo) / (hi - lo), f"{b.logit:.2f}"
    else:
        frac, value = b.prob, f"{b.prob:.3f}" + ("" if b.kept else " (cut)")
    tip = (f"{b.text} (id {b.id}): probability {b.prob:.4f} with the sampling, {b.raw_prob:.4f} plain softmax; "
           f"logit {b.logit:.3f}" + ("" if b.kept else "; cut by top-k / top-p") + ". Click to append.")
    return BarRow(b.id, b.text, frac, value, f"id {b.id}", b.kept, tip)


class NextWordPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = m = session.language
        self._chips_of: tuple = ()

        self.model_label = QLabel(wordWrap=True)
        self.notice = ElidedLabel(object_name="model_notice")  # a precision fallback and why: one line
        self.precision = QComboBox(toolTip="which ONNX files answer: fp32 (exact), fast (onnxruntime's fused graph on "
                                           "the GGUF's own weights: fp32's answers, about twice as fast), the 4-bit "
                                           "files, or auto (fast when it is built)")
        for key, text in PRECISION_LABELS.items():
            self.precision.addItem(text, key)
        self.prompt = QPlainTextEdit(placeholderText="Type a prompt, e.g. Once upon a")
        self.prompt.setObjectName("prompt")
        self.prompt.setFixedHeight(self.prompt.fontMetrics().lineSpacing() * 3 + 14)
        self.chips = TokenChips(empty="no prompt yet")
        self.note = InlineMessage()
        self.header = QLabel()
        self.bars = TokenBars(empty="The bars appear once the model has read the prompt.")
        self.bars.setObjectName("next_word_bars")
        self.footer = QLabel()
        self.rnn_bars = RecurrentBars(session)  # the GRU's guesses for the same prompt, under SmolLM2's
        self.why = WhyChips(session)  # what made the top next word (chips tinted by occlusion)
        self.controls = SamplingControls(m)
        self.undo = button("Undo", "take back the last appended token (no model call)")
        self.sample = button("Sample", "draw one token with the settings and the seed")
        self.generate = button("Generate", "")
        self.count = QSpinBox(minimum=1, maximum=1000, value=20, toolTip="how many tokens Generate samples")
        self.seed = QSpinBox(minimum=0, maximum=999_999, toolTip="the same seed gives the same text")
        self.seed.setPrefix("seed ")
        self.new_seed = button("New seed", "another seed: another text")
        self.busy = BusyRow()
        self.progress, self.cancel = self.busy.progress, self.busy.cancel
        self.cancel.setToolTip("stop reading the prompt, or stop generating")
        self.text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.history = TokenChips(empty="Click a bar below to append its token.", clickable=True)

        self._lay_out()

        self.prompt.textChanged.connect(self._on_text_edited)
        self.precision.currentIndexChanged.connect(lambda i: setattr(m, "precision", self.precision.itemData(i)))
        self.bars.picked.connect(self._append)
        self.history.picked.connect(lambda i: setattr(m, "appended", m.appended[:i]))
        self.undo.clicked.connect(lambda: setattr(m, "appended", m.appended[:-1]))
        self.sample.clicked.connect(lambda: setattr(m, "generating", 1))
        self.generate.clicked.connect(lambda: setattr(m, "generating", 0 if m.generating else self.count.value()))
        self.seed.valueChanged.connect(self._set_seed)
        self.new_seed.clicked.connect(lambda: self._set_seed(random.randrange(1_000_000)))
        self.cancel.clicked.connect(self._cancel)

        self._bind_state()

    def _bind_state(self) -> None:
        """Session -> widgets: each handler once now, then on every change."""
        m = self._model
        ev = m.events
        bind(self, ev.prompt, self._on_prompt_changed)
        bind(self, ev.precision, self._on_precision_changed)
        bind(self, ev.info, self._on_info_changed)
        bind(self, ev.trace, self._on_trace_changed)
        bind(self, ev.view, self._on_view_changed)
        bind(self, ev.show_logits, self._on_view_changed)
        for signal in (ev.prompt, ev.precision, ev.appended, ev.generating):
            bind(self, signal, self._on_state_changed)
        bind(self, ev.sampling, self._on_seed_changed)
        bind(self, ev.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, ev.problem, self._on_note_changed)
        self._on_prompt_changed()
        self._on_precision_changed()
        self._on_info_changed()
        self._on_trace_changed()
        self._on_view_changed()
        self._on_seed_changed()

    # -- widgets -> session --------------------------------------------------------------------
    def _on_text_edited(self) -> None:
        self._commit_prompt()

    @qdebounced(timeout=TYPING_MS)
    def _commit_prompt(self) -> None:
        m = self._model
        text = self.prompt.toPlainText()
        if text != m.prompt:
            m.appended = ()
            m.prompt = text

    def _append(self, token_id: int) -> None:
        m = self._model
        if m.current:
            m.appended = (*m.appended, token_id)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.model_label, 1)
        top.addWidget(self.precision)
        actions = QHBoxLayout()
        for w in (self.undo, self.sample, self.generate, self.count):
            actions.addWidget(w)
        actions.addStretch(1)
        seeding = QHBoxLayout()
        for w in (self.seed, self.new_seed):
            seeding.addWidget(w)
        seeding.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.prompt)
        layout.addWidget(FitScroll(self.chips, 110))
        layout.addWidget(self.text)
        layout.addWidget(FitScroll(self.history, 110))
        layout.addWidget(self.note)
        layout.addLayout(actions)
        layout.addLayout(seeding)
        layout.addWidget(self.busy)  # its own row: shown only while busy, it must not widen the dock
        layout.addWidget(self.controls)
        layout.addWidget(self.header)
        layout.addWidget(self.footer)
        layout.addWidget(FitScroll(self.bars, 10_000, min_height=5 * ROW_H), 1)
        layout.addWidget(self.why)
        layout.addWidget(self.rnn_bars)
        layout.addStretch(0)

    def _set_seed(self, seed: int) -> None:
        self._model.sampling = replace(self._model.sampling, seed=seed)

    def _cancel(self) -> None:
        if self._model.generating:
            self._model.generating = 0
        else:
            self._model.cancel += 1

    # -- session -> widgets ------------------------------------------------------------------------
    def _on_prompt_changed(self) -> None:
        if self.prompt.toPlainText() != self._model.prompt:
            with signals_blocked(self.prompt):
                self.prompt.setPlainText(self._model.prompt)

    def _on_precision_changed(self) -> None:
        with signals_blocked(self.precision):
            self.precision.setCurrentIndex(max(self.precision.findData(self._model.precision), 0))

    def _on_info_changed(self) -> None:
        info = self._model.info
        offered = info.precisions if info is not None else PRECISIONS
        for i in range(self.precision.count()):
            key = self.precision.itemData(i)
            self.precision.model().item(i).setEnabled(key in offered or key == "auto")
        self._on_trace_changed()
        self._on_note_changed()

    def _on_trace_changed(self) -> None:
        m, t, info = self._model, self._model.trace, self._model.info
        answered = PRECISION_LABELS.get(t.answered, t.answered) if t is not None else ""
        name = info.name if info is not None else "opening the language model…" if m.active else "language model"
        where = f" on {info.provider.removesuffix('ExecutionProvider')}" if info is not None else ""
        self.model_label.setText(f"<b>{html.escape(name)}</b>{where}" + (f" · last pass: {answered}" if t else ""))
        self.model_label.setToolTip(info.description if info is not None else "")
        tokens = t.tokens if t is not None else ()
        if tokens is not self._chips_of:  # a generated token leaves the prompt's chips as they are
            self._chips_of = tokens
            tok, bos = (t.decoder.tokenizer, t.decoder.bos_id) if t is not None else (None, None)
            self.chips.set_chips([Chip(tok.readable(x.id), str(x.id), muted=x.id == bos and x.start < 0,
                                       tip=f"id {x.id}: {x.token!r}") for x in tokens])
        steps = t.steps if t is not None else ()
        self.history.set_chips([Chip(t.decoder.tokenizer.readable(s.token.id), f"{percent(s.prob)} · #{s.rank}",
                                     tip=f"id {s.token.id}; probability {s.prob:.4f} and rank {s.rank} when chosen; "
                                         "click to go back to before it") for s in steps])
        if t is not None and steps:
            self.text.setText(html.escape(t.prompt[-300:]) + "<b>" + html.escape(t.generated_text) + "</b>")
        else:
            self.text.setText("")
        self._on_note_changed()
        self._on_state_changed()

    def _on_view_changed(self) -> None:
        m, view = self._model, self._model.view
        rows = []
        if view is not None:
            logits = [b.logit for b in view.bars]
            hi, lo = max(logits, default=0.0), min(logits, default=0.0)
            lo -= 0.15 * (hi - lo) or 1.0
            rows = [bar_row(b, (lo, hi) if m.show_logits else None) for b in view.bars]
            kind = "logits (before the softmax; bars from the lowest shown)" if m.show_logits else "probabilities"
            self.header.setText(f"<b>Next token</b>: top {len(rows)} of {view.vocab:,} · {kind}")
            self.footer.setText(
                f"everything else: {view.rest:.3f} · entropy {view.entropy:.2f} bits · {view.kept:,} tokens kept"
            )
        else:
            self.header.setText("<b>Next token</b>")
            self.footer.setText("")
        self.bars.set_rows(rows, clickable=m.current)

    def _on_state_changed(self) -> None:
        m = self._model
        current = m.current
        self.undo.setEnabled(bool(m.appended) and not m.generating)
        self.sample.setEnabled(current)
        self.generate.setEnabled(current or bool(m.generating))
        self.generate.setText("Stop" if m.generating else "Generate")
        self.generate.setToolTip("stop generating" if m.generating else "sample this many tokens, one cached step each")
        if self.bars.clickable != current:
            self.bars.set_rows(self.bars.rows(), clickable=current)

    def _on_seed_changed(self) -> None:
        with signals_blocked(self.seed):
            self.seed.setValue(self._model.sampling.seed)

    def _on_note_changed(self) -> None:
        m, t, info = self._model, self._model.trace, self._model.info
        if m.problem:
            self.note.show_message(m.problem, "error")
            return
        notes = [n for n in (t.note, t.stopped) if n] if t is not None else []
        self.notice.setText(info.notice if info is not None and info.notice else "")
        self.note.show_message("; ".join(notes), "info")
