"""Nearest neighbours of a word: search box with completion, metric, k, the search backend
(Exact | HNSW | Milvus, and who answered: recall, latency), ranked results.

Typing updates a small completion list from ``EmbeddingSet.complete`` (never a
400k-item model) and, after a pause, sets ``session.neighbours.query``. The lookup
itself is the NeighboursController's (gui/controllers): this panel shows
``session.neighbours.lookup``; the backends at hand are ``session.neighbours.engines``
(BackendController). "Index…" emits ``index_requested``, which the main window answers.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget
from superqt.utils import qdebounced, signals_blocked

from core.embeddings.neighbours import METRIC_LABELS, METRICS
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.backend_switch import BackendSwitch
from gui.widgets.inline_message import InlineMessage, word_links
from gui.widgets.score_table import ScoreTable

COMPLETIONS = 15
BAR_SCALE = {"cos": "similarity", "euclid": "smaller", "dot": "larger"}
SHORT_LABELS = {"cos": "cosine", "euclid": "euclidean", "dot": "dot product"}


class NeighboursPanel(QWidget):
    index_requested = Signal()  # "Index…": build an HNSW index or export to Milvus (the main window's dialog)

    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._model = model = session.neighbours

        # -- widgets ---------------------------------------------------------------
        self._search = QLineEdit(placeholderText="Type a word, e.g. king", clearButtonEnabled=True)
        self._search.setObjectName("search")
        self._completions = QStringListModel(self)
        self._completer = QCompleter(self._completions, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._completer.setMaxVisibleItems(12)
        self._search.setCompleter(self._completer)
        self._metric = QComboBox()
        for m in METRICS:
            self._metric.addItem(SHORT_LABELS.get(m, m), m)
            self._metric.setItemData(self._metric.count() - 1, METRIC_LABELS[m], Qt.ItemDataRole.ToolTipRole)
        self._k = QSpinBox(minimum=1, maximum=200, toolTip="how many neighbours")
        self._restrict = QSpinBox(minimum=0, maximum=400_000, singleStep=10000, specialValueText="all words",
                                  toolTip="search only the N most frequent words")
        self._note = InlineMessage()
        self._backend = BackendSwitch()
        self._table = ScoreTable()
        self._table.setObjectName("neighbours_table")

        self._k.setPrefix("k = ")
        self._restrict.setPrefix("top ")
        options = QHBoxLayout()
        options.addWidget(self._metric, 3)
        options.addWidget(self._k, 2)
        options.addWidget(self._restrict, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self._search)
        layout.addLayout(options)
        layout.addWidget(self._backend)
        layout.addWidget(self._note)
        layout.addWidget(self._table, 1)

        # -- widgets -> session ----------------------------------------------------
        self._search.textEdited.connect(self._on_text_edited)
        self._search.returnPressed.connect(self._commit_now)
        self._completer.activated.connect(self._set_query)
        self._metric.currentIndexChanged.connect(lambda i: setattr(model, "metric", self._metric.itemData(i)))
        self._k.valueChanged.connect(lambda v: setattr(model, "k", v))
        self._restrict.valueChanged.connect(lambda v: setattr(model, "restrict", v))
        self._table.word_clicked.connect(self._set_query)
        self._note.word_clicked.connect(self._set_query)
        self._backend.chosen.connect(lambda name: setattr(model, "backend", name))
        self._backend.index_requested.connect(self.index_requested)

        # -- session -> widgets ----------------------------------------------------
        ev = model.events
        bind(self, ev.query, self._on_query_changed)
        bind(self, ev.metric, self._on_metric_changed)
        bind(self, ev.k, self._on_k_changed)
        bind(self, ev.restrict, self._on_restrict_changed)
        bind(self, ev.lookup, self._on_lookup_changed)
        bind(self, ev.backend, self._on_engines_changed)
        bind(self, ev.engines, self._on_engines_changed)
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        self._on_metric_changed()
        self._on_k_changed()
        self._on_restrict_changed()
        self._on_embeddings_changed()
        self._on_lookup_changed()
        self._on_engines_changed()
        self._on_query_changed()

    # -- typing ----------------------------------------------------------------------
    def _on_text_edited(self, text: str) -> None:
        es = self._session.embeddings
        prefix = text.strip()
        words = es.complete(prefix, COMPLETIONS) if es is not None and prefix else []
        self._completions.setStringList(words)
        if words and self._search.hasFocus():
            self._completer.setCompletionPrefix(prefix)
            self._completer.complete()
        self._commit_typed()

    @qdebounced(timeout=300)
    def _commit_typed(self) -> None:
        self._set_query(self._search.text())

    def _commit_now(self) -> None:
        self._commit_typed.cancel()
        self._set_query(self._search.text())

    def _set_query(self, word: str) -> None:
        self._model.query = word.strip()

    # -- session -> widgets --------------------------------------------------------------
    def _on_query_changed(self) -> None:
        q = self._model.query
        if self._search.text().strip() != q:
            with signals_blocked(self._search):
                self._search.setText(q)

    def _on_metric_changed(self) -> None:
        with signals_blocked(self._metric):
            self._metric.setCurrentIndex(max(self._metric.findData(self._model.metric), 0))
        self._table.set_score_label(METRIC_LABELS.get(self._model.metric, "score"))

    def _on_k_changed(self) -> None:
        with signals_blocked(self._k):
            self._k.setValue(self._model.k)

    def _on_restrict_changed(self) -> None:
        with signals_blocked(self._restrict):
            self._restrict.setValue(self._model.restrict)

    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        with signals_blocked(self._restrict):
            self._restrict.setMaximum(max(len(es) if es is not None else 0, self._model.restrict, 1))
        self._completions.setStringList([])

    def _on_engines_changed(self) -> None:
        with signals_blocked(self._backend):
            self._backend.show_state(self._model.backend, self._model.engines)

    def _on_lookup_changed(self) -> None:
        found = self._model.lookup
        ns = found.neighbours if found is not None else ()
        self._table.set_rows([(n.word, n.score) for n in ns], BAR_SCALE.get(self._model.metric, "larger"))
        self._backend.show_answer(found.answer if found is not None else None)
        note = found.note if found is not None else ""
        if found is not None and found.error is not None:
            rich = None
            if getattr(found.error, "suggestions", None):
                head = note.split("; did you mean")[0]
                rich = f"{html.escape(head)}; did you mean {word_links(found.error.suggestions)}?"
            self._note.show_message(note, "error", rich=rich)
        else:
            self._note.show_message(note, "info")

    # -- for tests and the main window --------------------------------------------------------
    @property
    def search(self) -> QLineEdit:
        return self._search

    @property
    def table(self) -> ScoreTable:
        return self._table

    @property
    def note(self) -> InlineMessage:
        return self._note

    @property
    def backend(self) -> BackendSwitch:
        return self._backend

    @property
    def completer(self) -> QCompleter:
        return self._completer
