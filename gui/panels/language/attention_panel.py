"""Attention: every head of SmolLM2 (30 layers × 9 query heads) on the Next word prompt, beside
all-MiniLM-L6-v2 (6 × 12) on the same sentence; one head as lines and as its T×T matrix; pattern
scores that find previous-token, sink and induction heads; what made the prediction (coloured chips);
and interventions: right-click heads to switch them off, steer with a direction at a layer.

The panel writes ``session.language.attention``'s inputs; AttentionController computes the views,
the attribution and the bars off the GUI thread; this panel only draws them."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from core.inference.attention import SCORE_TEXT, SCORES
from core.inference.attribution import METHOD_TEXT
from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.attention_views import HeadGrid, LinesView, MatrixView
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.token_bars import BarRow, TokenBars
from gui.panels.language.token_chips import TokenChips, score_chips
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage

STRENGTH_STEPS = 20  # slider units per strength unit (steps of 0.05)


class AttentionPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m = session.language.attention
        self._language = session.language
        self.prompt = QLineEdit(placeholderText="a prompt (the same as the Next word panel's)")
        self.grid, self.encoder_grid = HeadGrid(), HeadGrid()
        self.lines, self.matrix = LinesView(), MatrixView()
        self.pick = QComboBox()
        self.pick.addItems(["SmolLM2 head", "SmolLM2 layer average", "MiniLM head", "MiniLM layer average"])
        self.layer, self.head = QSpinBox(minimum=0, maximum=29), QSpinBox(minimum=0, maximum=11)
        self.score = QComboBox()
        self.score.addItems(list(SCORES))
        self.score_map = MatrixView(square=False)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["layer", "head", *SCORES])
        self.table.setSortingEnabled(True)
        self.chips = {k: TokenChips(empty="(a prompt of two tokens or more)")
                      for k in ("occlusion", "attention_x_value")}
        self.target = QLabel(wordWrap=True)
        self.bars = TokenBars(empty="no prompt yet")
        self.ablated = QLabel(wordWrap=True)
        self.clear = QPushButton("Switch all heads on")
        self.find = QPushButton("Find heads this prediction needs")
        self.found = QLabel(wordWrap=True)
        self.source = QComboBox()
        self.source.addItems(["word pairs (token embeddings)", "two contrasting prompts"])
        self.words = QLineEdit(placeholderText="FROM->TO, FROM->TO")
        self.toward, self.away = QLineEdit(), QLineEdit()
        self.steer_layer = QSpinBox(minimum=0, maximum=29)
        self.strength = QSlider(Qt.Orientation.Horizontal, minimum=-2 * STRENGTH_STEPS, maximum=2 * STRENGTH_STEPS)
        self.strength_text = QLabel()
        self.generate = QPushButton("Generate 20 tokens (greedy), without and with")
        self.generated = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note, self.busy = InlineMessage(), BusyRow()
        self.tabs = QTabWidget()
        self._lay_out()
        self._bind_state()

    # -- layout ---------------------------------------------------------------------------------
    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.note)
        model = QWidget()
        row = QHBoxLayout(model)
        for title, grid, stretch in (("SmolLM2-135M: 30 layers × 9 heads, causal (upper triangle empty)",
                                      self.grid, 3),
                                     ("all-MiniLM-L6-v2: 6 × 12, both sides", self.encoder_grid, 2)):
            col = QVBoxLayout()
            col.addWidget(QLabel(title, wordWrap=True))
            col.addWidget(grid, 1)
            row.addLayout(col, stretch)
        head = QWidget()
        hv = QVBoxLayout(head)
        pick = QHBoxLayout()
        for w in (self.pick, QLabel("layer"), self.layer, QLabel("head"), self.head):
            pick.addWidget(w)
        pick.addStretch(1)
        hv.addLayout(pick)
        pair = QHBoxLayout()
        pair.addWidget(self.lines, 1)
        pair.addWidget(self.matrix, 1)
        hv.addLayout(pair, 1)
        scores = QWidget()
        sv = QHBoxLayout(scores)
        left = QVBoxLayout()
        left.addWidget(self.score)
        left.addWidget(self.score_map, 1)
        sv.addLayout(left, 1)
        sv.addWidget(self.table, 1)
        self.tabs.addTab(model, "Model view")
        self.tabs.addTab(head, "Head view")
        self.tabs.addTab(scores, "Pattern scores")
        self.tabs.addTab(self._predict_tab(), "Prediction and interventions")
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.busy)

    def _predict_tab(self) -> QWidget:
        tab = QWidget()
        g = QGridLayout(tab)
        g.addWidget(self.target, 0, 0, 1, 2)
        for i, (key, chips) in enumerate(self.chips.items()):
            g.addWidget(QLabel(f"{key.replace('_', ' ')}: {METHOD_TEXT[key]}", wordWrap=True), 1 + 2 * i, 0, 1, 2)
            g.addWidget(chips, 2 + 2 * i, 0, 1, 2)
        g.addWidget(self.bars, 5, 0, 6, 1)
        side = QVBoxLayout()
        for w in (self.ablated, self.clear, self.find, self.found, QLabel("Steer with a direction"), self.source,
                  self.words, self.toward, self.away):
            side.addWidget(w)
        at = QHBoxLayout()
        for w in (QLabel("layer"), self.steer_layer, QLabel("strength"), self.strength, self.strength_text):
            at.addWidget(w)
        side.addLayout(at)
        side.addWidget(self.generate)
        side.addWidget(self.generated)
        side.addStretch(1)
        g.addLayout(side, 5, 1, 6, 1)
        g.setRowStretch(10, 1)  # the chips keep their height; the space left goes under the bars
        return tab

    # -- wiring ---------------------------------------------------------------------------------
    def _bind_state(self) -> None:
        m, lang = self._m, self._language
        self.prompt.textChanged.connect(lambda text: setattr(lang, "prompt", text))
        self.grid.picked.connect(lambda a, b: self._open(0, a, b))
        self.encoder_grid.picked.connect(lambda a, b: self._open(2, a, b))
        self.grid.toggled.connect(self._toggle)
        for w in (self.pick, self.layer, self.head):
            (w.currentIndexChanged if w is self.pick else w.valueChanged).connect(self._draw_head)
        self.lines.hovered.connect(lambda i: setattr(m, "hover", i))
        self.score.currentTextChanged.connect(lambda s: setattr(m, "score", s))
        self.bars.picked.connect(lambda tid: setattr(m, "target", tid))
        self.clear.clicked.connect(lambda: setattr(m, "ablated", ()))
        self.find.clicked.connect(lambda: setattr(m, "find", m.find + 1))
        self.source.currentIndexChanged.connect(lambda i: setattr(m, "steer_source", ("words", "prompts")[i]))
        self.words.editingFinished.connect(lambda: setattr(m, "steer_words", self.words.text()))
        for edit in (self.toward, self.away):
            edit.editingFinished.connect(lambda: setattr(m, "steer_prompts", (self.toward.text(), self.away.text())))
        self.steer_layer.valueChanged.connect(lambda v: setattr(m, "steer_layer", v))
        self.strength.valueChanged.connect(lambda v: setattr(m, "steer_strength", v / STRENGTH_STEPS))
        self.generate.clicked.connect(lambda: setattr(m, "generate", m.generate + 1))
        self.busy.cancel.clicked.connect(lambda: setattr(m, "cancel", m.cancel + 1))
        bind(self, lang.events.prompt, self._on_prompt_changed)
        for signal in (m.events.view, m.events.encoder_view, m.events.ablated):
            bind(self, signal, self._on_view_changed)
        bind(self, m.events.hover, self._draw_head)
        bind(self, m.events.score, self._draw_scores)
        bind(self, m.events.attribution, self._on_attribution_changed)
        bind(self, m.events.steered, self._on_steered_changed)
        bind(self, m.events.found, self._on_found_changed)
        bind(self, m.events.generated, self._on_generated_changed)
        for signal in (m.events.steer_source, m.events.steer_words, m.events.steer_prompts, m.events.steer_layer,
                       m.events.steer_strength):
            bind(self, signal, self._on_steering_changed)
        bind(self, m.events.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, m.events.problem, self._on_problem_changed)
        self._on_prompt_changed()
        self._on_steering_changed()
        self._on_view_changed()
        self._on_problem_changed()

    def _open(self, which: int, layer: int, head: int) -> None:
        with signals_blocked(self.pick), signals_blocked(self.layer), signals_blocked(self.head):
            self.pick.setCurrentIndex(which)
            self.layer.setValue(layer)
            self.head.setValue(head)
        self._m.layer, self._m.head = layer, head
        self.tabs.setCurrentIndex(1)
        self._draw_head()

    def _toggle(self, layer: int, head: int) -> None:
        heads = set(self._m.ablated) ^ {(layer, head)}
        self._m.ablated = tuple(sorted(heads))

    # -- session -> widgets ---------------------------------------------------------------------
    def _on_prompt_changed(self) -> None:
        if self.prompt.text() != self._language.prompt:
            with signals_blocked(self.prompt):
                self.prompt.setText(self._language.prompt)

    def _on_problem_changed(self) -> None:
        view = self._m.view
        text = self._m.problem or (view.note if view is not None else "")
        if text:
            self.note.show_message(text, "error" if self._m.problem else "info")
        else:
            self.note.clear_message()

    def _on_view_changed(self) -> None:
        m = self._m
        view, enc = m.view, m.encoder_view
        self.grid.set_weights(None if view is None else view.weights, m.ablated)
        self.encoder_grid.set_weights(None if enc is None else enc.weights)
        off = ", ".join(f"L{a}.H{b}" for a, b in m.ablated)
        self.ablated.setText(f"Heads off: {off}" if off else "All heads on (right-click a head in the model view "
                                                             "to switch it off)")
        self._draw_head()
        self._draw_scores()
        self._on_problem_changed()

    def _current(self):
        which = self.pick.currentIndex()
        view = self._m.view if which < 2 else self._m.encoder_view
        if view is None:
            return None, None
        self.layer.setMaximum(view.n_layers - 1)
        self.head.setMaximum(view.n_heads - 1)
        self.head.setEnabled(which in (0, 2))
        w = view.weights[self.layer.value()]
        return view, (w[self.head.value()] if which in (0, 2) else w.mean(0))

    def _draw_head(self) -> None:
        view, w = self._current()
        if view is None:
            self.lines.set_head([], None)
            self.matrix.set_matrix(None)
            return
        self.lines.set_head(view.tokens, w, self._m.hover)
        shown = w if self._m.hover < 0 or self._m.hover >= len(w) else np.where(
            np.arange(len(w))[:, None] == self._m.hover, w, w * 0.15)
        self.matrix.set_matrix(shown, view.tokens)

    def _draw_scores(self) -> None:
        view = self._m.view
        with signals_blocked(self.score):
            self.score.setCurrentText(self._m.score)
        self.score.setToolTip(SCORE_TEXT.get(self._m.score, ""))
        if view is None:
            self.score_map.set_matrix(None)
            self.table.setRowCount(0)
            return
        self.score_map.set_matrix(view.scores[self._m.score], [f"L{a}" for a in range(view.n_layers)],
                                  [f"H{b}" for b in range(view.n_heads)], vmax=1.0)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(view.n_layers * view.n_heads)
        for r, (a, b) in enumerate((a, b) for a in range(view.n_layers) for b in range(view.n_heads)):
            for c, value in enumerate([a, b, *(float(view.scores[s][a, b]) for s in SCORES)]):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value if c < 2 else round(value, 3))
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(2 + SCORES.index(self._m.score), Qt.SortOrder.DescendingOrder)

    def _on_attribution_changed(self) -> None:
        a = self._m.attribution
        if a is None:
            self.target.setText("What made this prediction: (type a prompt of two tokens or more)")
            for chips in self.chips.values():
                chips.set_chips([])
            return
        self.target.setText(f"What made <b>{a.target}</b> (log p {a.log_prob:.2f}) the prediction: red helped, "
                            "blue worked against (click a bar to explain another token)")
        for key, chips in self.chips.items():
            chips.set_chips(score_chips(a.tokens, a.scores[key], key))

    def _on_steered_changed(self) -> None:
        m = self._m
        if m.steered is None:
            self.bars.set_rows([])
            return
        plain = m.plain.probs if m.plain is not None else m.steered.probs
        rows = [BarRow(b.id, b.text, b.raw_prob, f"{b.raw_prob:.3f}", f"was {float(plain[b.id]):.3f}",
                       tip="click: explain this token") for b in m.steered.bars]
        self.bars.set_rows(rows)

    def _on_found_changed(self) -> None:
        found = self._m.found
        self.found.setText("" if not found else "Removing these lowers the top token's log p most: " + ", ".join(
            f"L{a}.H{b} ({d:+.2f})" for a, b, d in found[:6]))

    def _on_generated_changed(self) -> None:
        plain, steered = self._m.generated
        if plain or steered:
            self.generated.setText(f"<b>without:</b> {plain!s}<br><b>with:</b> {steered!s}")

    def _on_steering_changed(self) -> None:
        m = self._m
        with signals_blocked(self.source), signals_blocked(self.strength), signals_blocked(self.steer_layer):
            self.source.setCurrentIndex(0 if m.steer_source == "words" else 1)
            self.strength.setValue(int(round(m.steer_strength * STRENGTH_STEPS)))
            self.steer_layer.setValue(m.steer_layer)
        for edit, text in ((self.words, m.steer_words), (self.toward, m.steer_prompts[0]),
                           (self.away, m.steer_prompts[1])):
            if edit.text() != text:
                edit.setText(text)
        self.words.setVisible(m.steer_source == "words")
        self.toward.setVisible(m.steer_source == "prompts")
        self.away.setVisible(m.steer_source == "prompts")
        self.strength_text.setText(f"{m.steer_strength:+.2f} × |h|" if m.steer_strength else "off")
