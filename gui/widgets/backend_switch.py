"""Which search backend answers: Exact | HNSW | Milvus, one click each, an "Index…" button, and
a line that says who answered the last query, its recall and its latency.

    switch = BackendSwitch()
    switch.chosen.connect(lambda name: setattr(model, "backend", name))
    switch.show_state("hnsw", engines)       # which are available (others disabled, with why)
    switch.show_answer(lookup.answer)        # "HNSW (faiss, M 32, ef 64) · recall@10 0.962 · 0.21 ms"
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.embeddings.search.base import BACKENDS, Answer, Engines
from gui.widgets.inline_message import InlineMessage

TITLES = {"exact": "Exact", "hnsw": "HNSW", "milvus": "Milvus"}
TIPS = {"exact": "score every word: the reference (one query: an int8 scan, then an exact re-rank)",
        "hnsw": "the set's HNSW index (faiss): approximate, much faster on large sets",
        "milvus": "the Milvus collection holding this set (Milvus Lite or a server)"}
MISSING = {"hnsw": "no HNSW index for this set yet: Index… builds one",
           "milvus": "this set is not in Milvus yet: Index… (or File ▸ Export to Milvus…) puts it there"}


class BackendSwitch(QWidget):
    chosen = Signal(str)  # exact | hnsw | milvus
    index_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for name in BACKENDS:
            b = QPushButton(TITLES[name], checkable=True, toolTip=TIPS[name])
            b.setObjectName(f"backend_{name}")
            self._group.addButton(b)
            self.buttons[name] = b
            row.addWidget(b, 2)
            b.clicked.connect(lambda _=False, n=name: self.chosen.emit(n))
        self.index_button = QPushButton("Index…", toolTip="build an HNSW index or export the set to Milvus")
        self.index_button.setObjectName("index_button")
        self.index_button.clicked.connect(self.index_requested)
        row.addSpacing(6)
        row.addWidget(self.index_button, 2)
        self.answer = QLabel(wordWrap=True)
        self.answer.setObjectName("answer_label")
        self.answer.setMinimumWidth(80)
        self.message = InlineMessage()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.answer)
        layout.addWidget(self.message)

    def show_state(self, chosen: str, engines: Engines | None) -> None:
        e = engines or Engines()
        for name, b in self.buttons.items():
            stored = name == "milvus" and e.milvus_stored is not None  # attached when chosen
            available = name == "exact" or e.get(name) is not None or stored
            if e.remote:
                available = name == "milvus"
            b.setEnabled(available)
            b.setToolTip(TIPS[name] if available else
                         ("the vectors of this collection stay in Milvus" if e.remote else MISSING[name]))
            b.setChecked(name == ("milvus" if e.remote else chosen))
            font = b.font()
            font.setBold(b.isChecked())  # the pressed look alone is faint in some themes
            b.setFont(font)
        self.index_button.setEnabled(not e.remote)
        self.message.show_message(e.message, "error" if e.problem else "info")

    def show_answer(self, answer: Answer | None) -> None:
        if answer is None:
            self.answer.setText("")
            self.answer.setToolTip("")
            return
        self.answer.setText(f"answered by {answer.summary}" + (f" — {answer.note}" if answer.note else ""))
        self.answer.setToolTip("recall@10: the share of the exact 10 nearest words this backend finds, measured on "
                               "1,000 sampled words when its index was built")
