"""Draw a digit (mouse or pen), pick one of the 1,000 held-out MNIST digits, or open a picture;
see the 28 x 28 input the network gets and what it reads.

Every piece of a stroke writes ``session.activations.digit`` (the ActivationsController computes
every layer, keeping up with the pen); picking a held-out digit writes it as it is (no
re-preparing), so the panel classifies it exactly as ``main.py digit`` does a PNG of it. The
held-out digits are read by the ActivationsController once the pad is shown (``pad_shown``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from core.inference.digit_layers import DigitInput
from core.inference.mnist import Digits
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.digit_thumbs import DigitThumbs, digit_image
from gui.widgets.draw_canvas import DrawCanvas
from gui.widgets.inline_message import InlineMessage

PER_CLASS = 2  # held-out digits offered per class
HINT = "Draw a digit with the mouse or a pen, pick a held-out digit below, or open a picture."
IMAGE_FILTER = "Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"


EXAMPLE_STROKES = {  # fractions of the pad, as a person draws them
    7: [[(0.26, 0.24), (0.72, 0.24), (0.62, 0.42), (0.46, 0.78)], [(0.42, 0.50), (0.66, 0.50)]],
    1: [[(0.50, 0.20), (0.50, 0.80)]],
}


class DrawPadPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draw_pad")
        self._a = session.activations
        self.offered = np.empty(0, np.int64)  # rows of the held-out digits shown
        self._pick = 0

        self.canvas = DrawCanvas()
        self.clear_button = QPushButton("Clear", objectName="pad_clear")
        self.open_button = QPushButton("Open picture…", objectName="pad_open")
        self.input_view = QLabel(objectName="pad_input", alignment=Qt.AlignmentFlag.AlignCenter)
        self.input_view.setFixedSize(84, 84)
        self.input_view.setToolTip("what the network gets: 28 × 28, the digit fitted into 20 × 20 and centred "
                                   "by its centre of mass, as the MNIST digits were made")
        self.verdict = QLabel(objectName="pad_verdict", wordWrap=True)
        self.message = InlineMessage()
        self.heldout = DigitThumbs(size=30)
        self.heldout.setObjectName("pad_heldout")
        self.more_button = QPushButton("Other digits", objectName="pad_more", enabled=False)

        buttons = QHBoxLayout()
        for w in (self.clear_button, self.open_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        seen = QHBoxLayout()
        seen.addWidget(self.input_view)
        seen.addWidget(self.verdict, 1)
        strip = QHBoxLayout()
        strip.addWidget(QLabel("Held-out digits (never seen in training):"), 1)
        strip.addWidget(self.more_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.canvas)
        lay.addLayout(buttons)
        lay.addLayout(seen)
        lay.addWidget(self.message)
        lay.addLayout(strip)
        lay.addWidget(self.heldout)
        lay.addStretch(1)

        self.canvas.stroked.connect(self._on_stroked)
        self.canvas.cleared.connect(self._on_cleared)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.open_button.clicked.connect(self._ask_open)
        self.heldout.clicked.connect(self.pick)
        self.more_button.clicked.connect(lambda: self._offer(self._pick + 1))
        bind(self, self._a.events.digit, self._on_digit_changed)
        bind(self, self._a.events.layers, self._on_layers_changed)
        bind(self, self._a.events.mnist, self._on_digits)
        bind(self, self._a.events.mnist_problem, self._on_mnist_problem_changed)
        self._on_digit_changed()
        self._on_layers_changed()
        self._on_digits()

    def showEvent(self, event) -> None:
        """The held-out digits are read when the pad is first shown (not at every start of the app)."""
        super().showEvent(event)
        self._a.pad_shown = True

    @property
    def digits(self) -> Digits | None:
        """The MNIST digits (None until read)."""
        return self._a.mnist

    # -- inputs ------------------------------------------------------------------------------
    def draw_example(self, digit: int = 7) -> None:
        """Draw ``digit`` on the pad stroke by stroke (the guided example "Draw a 7")."""
        strokes = EXAMPLE_STROKES.get(digit)
        if strokes is None:
            raise ValueError(f"no example strokes for {digit}")
        self.canvas.clear()
        for stroke in strokes:
            self.canvas.draw_stroke(stroke)

    def _on_stroked(self) -> None:
        self._a.digit = DigitInput.drawn(self.canvas.pixels())

    def _on_cleared(self) -> None:
        self._a.digit = None

    def open_file(self, path: str | Path) -> None:
        self._a.digit = DigitInput.file(path)

    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture of a digit", str(Path.home()), IMAGE_FILTER)
        if path:
            self.open_file(path)

    def _on_digits(self) -> None:
        self.more_button.setEnabled(self.digits is not None)
        self._offer(0)

    def _on_mnist_problem_changed(self) -> None:
        if self._a.mnist_problem:
            self.message.show_message(self._a.mnist_problem, "error")

    def _offer(self, pick: int) -> None:
        """PER_CLASS held-out digits of each class (a different draw for each `pick`)."""
        d = self.digits
        if d is None:
            return
        self._pick = pick
        rng = np.random.default_rng(pick)
        held = d.heldout
        rows = [rng.choice(held[d.labels[held] == c], PER_CLASS, replace=False) for c in range(10)]
        self.offered = np.stack(rows, 1).reshape(-1)  # 0 1 2 ... 9 0 1 2 ... 9
        self.heldout.set_digits(d.uint8(self.offered), tips=[f"held-out digit #{r} (a {d.labels[r]})"
                                                             for r in self.offered])

    def pick(self, i: int) -> None:
        """Load the i-th offered held-out digit into the pad."""
        if self.digits is not None and 0 <= i < len(self.offered):
            self._a.digit = DigitInput.mnist(self.digits, int(self.offered[i]))

    # -- session ---------------------------------------------------------------------------------
    def _on_digit_changed(self) -> None:
        src = self._a.digit
        with signals_blocked(self.canvas):
            if src is None:
                self.canvas.clear()
                self.input_view.clear()
                self.verdict.setText("")
                self.message.show_message(HINT)
            elif src.kind == "mnist":
                self.canvas.set_pixels(src.pixels)

    def _on_layers_changed(self) -> None:
        res = self._a.layers
        if res is None:
            return
        if res.error:
            self.message.show_message(f"{res.source.title}: {res.error}", "error")
            self.verdict.setText("")
            return
        if res.source.kind == "file":
            with signals_blocked(self.canvas):
                self.canvas.set_pixels(res.image)
        self.input_view.setPixmap(QPixmap.fromImage(digit_image(res.image)).scaled(
            84, 84, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        p = float(res.probs[res.digit])
        truth = f" — it is a {res.source.label}" if res.source.kind == "mnist" else ""
        self.verdict.setText(f"<span style='font-size:28pt; font-weight:600'>{res.digit}</span>"
                             f"&nbsp;&nbsp;{p:.1%} sure{truth}")
        note = f"{res.source.title}: {res.note}" if res.note and res.source.kind == "file" else ""
        self.message.show_message(note) if note else self.message.clear_message()
