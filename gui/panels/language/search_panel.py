"""Semantic search: a corpus's passages as MiniLM sentence vectors, and the passages nearest to a query.

The corpus is a text file (File ▸ Open a corpus for search…, or *Open…* here): one passage per
line, a CSV/TSV column, or prose split into sentences; with none, gensim's Lee news texts (the
panel says so, with their licence). It is encoded in the background with progress and Cancel and
cached by the file's hash. *Show in the cloud* makes the passages the active set (labelled by their
first words, the hits selected; the set shown before is borrowed from, see Session.borrow);
*Export…* asks for their vectors as Projector TSV. SearchController computes and exports; this panel shows.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.passages import SPLITS
from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.busy_row import BusyRow
from gui.panels.language.recurrent_hits import RecurrentHits
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage
from gui.widgets.score_table import ScoreTable

FILES = "Text (*.txt *.cor *.md);;Tables (*.csv *.tsv);;All files (*)"
OWNER = "search"  # who borrows the active set (session.borrow)


class SearchPanel(QWidget):
    example_requested = Signal(str)  # a guided example (the window opens it)
    cloud_requested = Signal()  # "Show in the cloud": the window shows the 3D cloud if its workspace hides it

    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._m = session, session.language.search
        self.passages: EmbeddingSet | None = None  # the passages as a set, once shown
        self.corpus_label = QLabel(wordWrap=True)
        self.open_button = QPushButton("Open…", toolTip="a text file: one passage per line, a CSV/TSV column, or prose")
        self.default_button = QPushButton("Default corpus", toolTip="gensim's Lee news texts, in sentences")
        self.split = QComboBox(toolTip="how the file is cut into passages")
        self.about = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.busy = BusyRow(delay_ms=150)
        self.query = QLineEdit(placeholderText="Type a query, e.g. bush fires threaten homes near Sydney")
        self.k = QSpinBox(minimum=1, maximum=100, prefix="k = ")
        self.note = InlineMessage()
        self.results = ScoreTable(score_label="cosine")
        self.rnn_hits = RecurrentHits(session)  # the same query ranked by the GRU's states, under MiniLM's
        self.results.setHorizontalHeaderLabels(["#", "passage", "cosine"])
        self.results.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.results.setColumnWidth(2, 90)
        self.show_cloud = QPushButton("Show in the cloud", toolTip="the passages as the active set; hits selected")
        self.back = QPushButton("Back", visible=False)
        self.export = QPushButton("Export vectors…", toolTip="the passage vectors as Projector TSV (+ metadata.tsv)")
        self.example_button = QPushButton("Try: bushfires threaten homes near Sydney", objectName="search_example",
                                          toolTip="search the news corpus by meaning: the hits share no word with it")
        self._lay_out()
        self._bind_state()

    def _lay_out(self) -> None:
        corpus = QHBoxLayout()
        for w, stretch in ((self.corpus_label, 1), (self.split, 0), (self.open_button, 0), (self.default_button, 0)):
            corpus.addWidget(w, stretch)
        ask = QHBoxLayout()
        ask.addWidget(self.query, 1)
        ask.addWidget(self.k)
        ask.addWidget(self.example_button)
        actions = QHBoxLayout()
        for w in (self.show_cloud, self.back, self.export):
            actions.addWidget(w)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(corpus)
        for w in (self.about, self.busy):
            layout.addWidget(w)
        layout.addLayout(ask)
        layout.addWidget(self.note)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.rnn_hits)
        layout.addLayout(actions)

    def _bind_state(self) -> None:
        m, session = self._m, self._session
        self.example_button.clicked.connect(lambda: self.example_requested.emit("search_news"))
        self.open_button.clicked.connect(self._choose_file)
        self.default_button.clicked.connect(lambda: setattr(m, "corpus", ""))
        self.split.activated.connect(lambda i: setattr(m, "split", self.split.itemData(i)))
        self.query.textEdited.connect(lambda text: setattr(m, "query", text))
        self.query.returnPressed.connect(self._on_return)
        self.k.valueChanged.connect(lambda v: setattr(m, "k", v))
        self.busy.cancel.clicked.connect(lambda: setattr(self._m, "cancel", self._m.cancel + 1))
        self.results.cellClicked.connect(self._on_result_clicked)
        self.show_cloud.clicked.connect(self.show_in_cloud)
        self.back.clicked.connect(self.go_back)
        self.export.clicked.connect(self._choose_export)
        ev = m.events
        for signal in (ev.corpus, ev.split, ev.index):
            bind(self, signal, self._on_corpus_changed)
        bind(self, ev.query, self._on_query_changed)
        bind(self, ev.k, lambda: self.k.setValue(m.k))
        for signal in (ev.hits, ev.index):
            bind(self, signal, self._on_hits_changed)
        bind(self, ev.activity, lambda: self.busy.set_activity(m.activity))
        bind(self, ev.problem, self._on_hits_changed)
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        with signals_blocked(self.k):
            self.k.setValue(m.k)
        self._on_corpus_changed()
        self._on_query_changed()
        self._on_query_changed()
        self._on_hits_changed()
        self._on_embeddings_changed()

    # -- widgets -> session ------------------------------------------------------------------------
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a corpus for semantic search", str(Path.home()), FILES)
        if path:
            self._m.split = "auto"
            self._m.corpus = path

    def _on_return(self) -> None:
        if not self.query.text().strip():
            self._m.problem = "type a query to search the passages"

    def _on_result_clicked(self, row: int, _col: int) -> None:
        hits = self._m.hits
        if hits is not None and row < len(hits.hits) and self._showing():
            self._session.selection = (hits.hits[row].row,)

    def _showing(self) -> bool:
        return self.passages is not None and self._session.embeddings is self.passages

    def show_in_cloud(self) -> None:
        index = self._m.index
        if index is None:
            return
        if not self._showing():
            self.passages = index.embedding_set()
            self._session.borrow(OWNER, self.passages)
            self._session.cloud.color_by = "frequency"
            self._session.status = (f"{len(self.passages):,} passages of {index.source.name} in the cloud, labelled by "
                                    "their first words; the hits are selected")
        self._select_hits()
        self.cloud_requested.emit()

    def go_back(self) -> None:
        self._session.give_back(OWNER)

    def _choose_export(self) -> None:
        if self._m.index is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the passage vectors", str(Path.home() / "passages.tsv"),
                                              "TSV (*.tsv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Ask for the passage vectors in ``path`` (SearchController writes them)."""
        self._m.export = path

    # -- session -> widgets ------------------------------------------------------------------------
    def _on_corpus_changed(self) -> None:
        m, index = self._m, self._m.index
        name = Path(m.corpus).name if m.corpus else "the default corpus (Lee news texts)"
        if index is None:
            self.corpus_label.setText(f"<b>Corpus</b>: {html.escape(name)}")
            self.about.setText("")
        else:
            src = index.source
            how = "from the cache" if index.from_cache else f"encoded in {index.encode_seconds:.1f} s"
            self.corpus_label.setText(f"<b>Corpus</b>: {html.escape(src.describe())}: {len(index):,} passages, "
                                      f"{html.escape(index.model)} ({how})")
            self.about.setText(src.about[0].upper() + src.about[1:] if src.about != "a text file" else "")
        columns = [f"column:{c}" for c in (index.source.columns if index is not None else ())]
        with signals_blocked(self.split):
            self.split.clear()
            for key in (*SPLITS, *columns):
                self.split.addItem(key.replace("column:", "column ") if key != "auto" else "auto split", key)
            self.split.setCurrentIndex(max(self.split.findData(m.split), 0))
        for w in (self.show_cloud, self.export):
            w.setEnabled(index is not None)

    def _on_query_changed(self) -> None:
        self.example_button.setVisible(not self._m.query.strip())
        if self.query.text() != self._m.query:
            with signals_blocked(self.query):
                self.query.setText(self._m.query)

    def _on_hits_changed(self) -> None:
        m, hits = self._m, self._m.hits
        if m.problem:
            self.note.show_message(m.problem, "error")
        elif m.index is not None and not m.query:
            self.note.show_message("Type a query: the passages nearest to it by cosine are listed here.", "info")
        elif hits is not None and m.index is not None:  # (index and hits are cleared one after the other)
            self.note.show_message(f"{len(hits.hits)} nearest of {len(m.index):,} passages, exact cosine search in "
                                   f"{hits.seconds * 1000:.1f} ms", "info")
        else:
            self.note.clear_message()
        rows = [(h.text, h.score) for h in hits.hits] if hits is not None else []
        self.results.set_rows(rows)
        for i, (text, _) in enumerate(rows):
            self.results.item(i, 1).setToolTip(f"<p>{html.escape(text)}</p>")
        if self._showing():
            self._select_hits()

    def _select_hits(self) -> None:
        hits = self._m.hits
        self._session.selection = tuple(h.row for h in hits.hits if h.row < len(self.passages)) if hits else ()

    def _on_embeddings_changed(self) -> None:
        lender = self._session.lender(OWNER)
        self.back.setVisible(self._showing() and lender is not None)
        if lender is not None:
            self.back.setText(f"Back to {lender.name}")
