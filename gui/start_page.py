"""The start page: a gallery of the experiments this app was made for (core.state.examples), each a
card saying why it matters and what to look at, opening its workspace with the example loaded.

Shown at first start (until "Show at start" is unticked), from Help ▸ Examples and from the Examples
button of the workspace bar.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.state.examples import EXAMPLES, WORKSPACES, Example

COLUMNS_MIN_WIDTH = 300  # a card's width; the gallery has as many columns as fit


class Card(QFrame):
    def __init__(self, ex: Example, on_open: Callable[[str], None]) -> None:
        super().__init__()
        self.setObjectName(f"card_{ex.name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        title = QLabel(f"<b>{ex.title}</b>", textFormat=Qt.TextFormat.RichText, wordWrap=True)
        title.setStyleSheet("font-size: 12pt;")
        where = QLabel(WORKSPACES[ex.workspace], objectName="card_workspace")
        where.setStyleSheet("color: palette(mid);")
        why = QLabel(ex.why, wordWrap=True)
        look = QLabel(f"<i>Look at:</i> {ex.look}", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.button = QPushButton("Open", objectName=f"open_{ex.name}")
        self.button.clicked.connect(lambda: on_open(ex.name))
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(where, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(why)
        lay.addWidget(look)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        lay.addLayout(row)


class StartPage(QDialog):
    """Non-modal: the window stays usable; opening an example closes the page."""

    def __init__(self, window, *, show_at_start: bool = True) -> None:
        super().__init__(window)
        self.setObjectName("start_page")
        self.setWindowTitle("Embedding Explorer — examples")
        self.setModal(False)
        self._window = window
        intro = QLabel(
            "<h2>See embeddings and language models at work</h2>"
            "Nearby things get nearby numbers; a language model turns a text into probabilities over every "
            "word it knows; a network's layers turn a picture into a list of numbers. Pick an experiment: "
            "it opens the right workspace with everything typed in, and shows you where to look.",
            wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.cards = {name: Card(ex, self.open_example) for name, ex in EXAMPLES.items()}
        grid_host = QWidget()
        self.grid = QGridLayout(grid_host)
        self.grid.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(grid_host)
        self.show_at_start = QCheckBox("Show these examples at start", objectName="start_page_at_start")
        self.show_at_start.setChecked(show_at_start)
        close = QPushButton("Explore on my own")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.show_at_start)
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(scroll, 1)
        lay.addLayout(bottom)
        self._columns = 0
        screen = window.screen().availableGeometry()
        self.resize(min(1060, int(screen.width() * 0.9)), min(760, int(screen.height() * 0.88)))
        self._lay_out()

    def _lay_out(self) -> None:
        cols = max(1, min(3, (self.width() - 40) // COLUMNS_MIN_WIDTH))
        if cols == self._columns:
            return
        self._columns = cols
        for card in self.cards.values():
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards.values()):
            self.grid.addWidget(card, i // cols, i % cols)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._lay_out()

    def open_example(self, name: str) -> None:
        self.close()
        self._window.open_example(name)
