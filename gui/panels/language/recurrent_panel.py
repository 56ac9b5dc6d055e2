"""Recurrent state: type a text and watch the GRU's state h move word by word, as a path in 3D over
the states at the ends of the corpus's sentences (PCA of them); two texts at once (the same words in
another order part where they differ); a slider replays the paths step by step; each step is labelled
with its word and the network's top next-word guesses; a strip shows every unit's value per step.

The texts go into ``session.language.recurrent.texts`` as they are typed; RecurrentController reads
them off the GUI thread and stores ``paths``; this panel only draws them."""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from core.inference.rnn_vocab import SPECIALS
from core.projections.state_paths import RecurrentPaths
from core.state.session import Session
from gui.canvas.protocol import CloudView
from gui.canvas.scene import Frame, Label
from gui.canvas.view_2d import View2D
from gui.canvas.view_3d import View3D, gl_available
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.task_runner import TaskRunner
from gui.widgets.heatmap import HeatmapGrid
from gui.widgets.inline_message import InlineMessage

COLORS = ((0.95, 0.55, 0.1, 1.0), (0.25, 0.6, 1.0, 1.0))  # text 1, text 2
BACKGROUND = (0.6, 0.6, 0.6, 0.35)
GUESSES = 3  # next-word guesses in a step's label
OWNER = "recurrent"  # the owner name the RecurrentController borrows the active set under


def step_label(token: str, top: list[tuple[str, float]], n: int = GUESSES) -> str:
    """'eat → , the and': the word read and the network's top next words (<unk> and <eos> left out:
    the list under the view shows them with their probabilities)."""
    return f"{token} → " + " ".join([w for w, _ in top if w not in SPECIALS][:n])


class RecurrentPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None,
                 *, view: CloudView | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._m = session.language.recurrent
        self.inputs = [QLineEdit(placeholderText="a text for the network to read"),
                       QLineEdit(placeholderText="a second text (optional): the same words in another order")]
        for edit, color in zip(self.inputs, COLORS):
            r, g, b, _ = (int(255 * c) for c in color)
            edit.setStyleSheet(f"QLineEdit {{ border: 2px solid rgb({r},{g},{b}); }}")
        self.view: CloudView = view if view is not None else (View3D() if gl_available() else View2D())
        self.view.setMinimumSize(320, 260)
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=0)
        self.step_text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.strip = HeatmapGrid(unit="cell", keep_aspect=False, label="unit")
        self.strip.setMinimumHeight(70)
        self.strip.setToolTip("every unit of h (columns) after each token (rows) of the first text; "
                              "look for units that switch at a full stop or a quote")
        self.words = QPushButton("Open its word vectors", toolTip="the GRU's input embedding table (10,000 words "
                                 "x 128) as the active set: neighbours, arithmetic, the 3D cloud")
        self.back = QPushButton("Back")
        self.note = InlineMessage()
        self.busy = BusyRow()
        self.frame: Frame | None = None
        self.drawn = 0  # path points drawn (tests)
        self._lay_out()
        self._bind_state()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        for edit in self.inputs:
            layout.addWidget(edit)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 3)
        row = QHBoxLayout()
        row.addWidget(QLabel("step"))
        row.addWidget(self.slider, 1)
        layout.addLayout(row)
        layout.addWidget(self.step_text)
        layout.addWidget(self.strip, 1)
        row = QHBoxLayout()
        row.addWidget(self.words)
        row.addWidget(self.back)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.busy)

    def _bind_state(self) -> None:
        m = self._m
        for edit in self.inputs:
            edit.textChanged.connect(self._commit_texts)
        self.slider.valueChanged.connect(lambda v: setattr(m, "step", -1 if v >= self.slider.maximum() else v))
        self.busy.cancel.clicked.connect(lambda: setattr(m, "cancel", m.cancel + 1))
        self.words.clicked.connect(lambda: setattr(m, "open_words", m.open_words + 1))
        self.back.clicked.connect(lambda: self._session.give_back(OWNER))
        bind(self, self._session.events.loans, self._on_loans_changed)
        bind(self, m.events.texts, self._on_texts_changed)
        bind(self, m.events.paths, self._on_paths_changed)
        bind(self, m.events.step, self._on_step_changed)
        bind(self, m.events.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, m.events.problem, self._on_problem_changed)
        self._on_texts_changed()
        self._on_paths_changed()
        self._on_problem_changed()
        self._on_loans_changed()

    # -- widgets -> session -----------------------------------------------------------------------
    def _commit_texts(self) -> None:
        self._m.texts = (self.inputs[0].text(), self.inputs[1].text())

    # -- session -> widgets -----------------------------------------------------------------------
    def _on_texts_changed(self) -> None:
        for edit, text in zip(self.inputs, self._m.texts):
            if edit.text() != text:
                with signals_blocked(edit):
                    edit.setText(text)

    def _on_loans_changed(self, *_changed) -> None:
        self.back.setEnabled(self._session.lender(OWNER) is not None)

    def _on_problem_changed(self) -> None:
        if self._m.problem:
            self.note.show_message(self._m.problem, "error")
        else:
            self.note.clear_message()

    def _on_paths_changed(self) -> None:
        p = self._m.paths
        if p is None:
            return
        if self.frame is None:  # the background's frame, fitted once: later paths keep the camera
            self.frame = Frame.fit(p.background)
            self.view.set_points(self.frame.apply(p.background), np.tile(BACKGROUND, (len(p.background), 1)), 3.0)
            self.view.set_axes(p.axes)
            self.view.reset_camera()
        longest = max((len(sp.coords) for sp in p.paths if sp is not None), default=1)
        with signals_blocked(self.slider):
            self.slider.setMaximum(max(longest, 1))
            self.slider.setValue(self.slider.maximum() if self._m.step < 0 else min(self._m.step, longest))
        first = next((sp for sp in p.paths if sp is not None), None)
        if first is not None:
            self.strip.set_maps(first.reading.states[: len(first.coords)][None], signed=True)
        self._draw(p)

    def _on_step_changed(self) -> None:
        if self._m.paths is not None:
            with signals_blocked(self.slider):
                self.slider.setValue(self.slider.maximum() if self._m.step < 0 else self._m.step)
            self._draw(self._m.paths)

    def _draw(self, p: RecurrentPaths) -> None:
        """The paths up to the slider's step: a segment per step, a dot and a label per word; the
        step's own word labelled with the network's guesses."""
        upto = self.slider.value()
        segs, seg_colors, dots, dot_colors, labels, lines = [], [], [], [], [], []
        for k, sp in enumerate(p.paths):
            if sp is None:
                continue
            xyz = self.frame.apply(sp.coords[:upto])
            color = COLORS[k % len(COLORS)]
            if len(xyz) > 1:
                segs.append(np.repeat(xyz, 2, axis=0)[1:-1])
                seg_colors.append(np.tile(color, (2 * (len(xyz) - 1), 1)))
            dots.append(xyz)
            dot_colors.append(np.tile(color, (len(xyz), 1)))
            steps = sp.reading.steps
            for i in range(len(xyz)):
                last = i == len(xyz) - 1
                text = step_label(steps[i].token, steps[i].top) if last else steps[i].token
                labels.append(Label(xyz[i], text, color, bold=last))
            if len(xyz):
                s = steps[len(xyz) - 1]
                guesses = ", ".join(f"{html.escape(w)} {prob:.2f}" for w, prob in s.top)
                lines.append(f"<span style='color:rgb({','.join(str(int(255 * c)) for c in color[:3])})'>■</span> "
                             f"step {len(xyz)}: <b>{html.escape(s.token)}</b> |h| {np.linalg.norm(s.state):.2f}"
                             f" → {guesses}")
        if p.parting >= 0:
            lines.append(f"the paths part at step {p.parting + 1}")
        unknown = list(dict.fromkeys(w for sp in p.paths if sp is not None for w in sp.reading.unknown))
        if unknown:
            lines.append(f"unknown words (read as &lt;unk&gt;): {html.escape(', '.join(unknown))}")
        empty3, empty4 = np.empty((0, 3), np.float32), np.empty((0, 4), np.float32)
        self.view.set_arrows(np.concatenate(segs) if segs else empty3,
                             np.concatenate(seg_colors).astype(np.float32) if seg_colors else empty4)
        pos = np.concatenate(dots) if dots else empty3
        self.view.set_highlight(pos, np.concatenate(dot_colors).astype(np.float32) if dot_colors else empty4,
                                np.full(len(pos), 8.0, np.float32))
        self.view.set_labels(labels[::-1])  # the latest steps first: they win where labels overlap
        self.step_text.setText("<br>".join(lines))
        self.drawn = len(pos)
