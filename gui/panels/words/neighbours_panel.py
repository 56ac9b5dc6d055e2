"""Nearest neighbours of a word: search box with completion, metric, k, ranked results.

Typing updates a small completion list from ``EmbeddingSet.complete`` (never a
400k-item model) and, after a pause, sets ``session.query``. A query change
runs the lookup off the GUI thread (runner kind "neighbours"); the result goes
into ``session.neighbours`` / ``session.query_note`` and ``session.selection``
(the query and its neighbours, so the point cloud highlights them).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (QComboBox, QCompleter, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout,
                               QWidget)
from superqt.utils import qdebounced, signals_blocked

from core.embeddings.embedding_set import EmbeddingSet, Resolved
from core.errors import UnknownWordError
from core.embeddings.neighbours import METRIC_LABELS, METRICS, Neighbour, nearest
from core.progress import Job, Progress
from core.state.session import Session
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage, word_links
from gui.widgets.score_table import ScoreTable

COMPLETIONS = 15
BAR_SCALE = {"cos": "similarity", "euclid": "smaller", "dot": "larger"}
SHORT_LABELS = {"cos": "cosine", "euclid": "euclidean", "dot": "dot product"}


@dataclass(frozen=True)
class Lookup:
    query: str
    resolved: Resolved | None
    neighbours: tuple[Neighbour, ...]
    error: UnknownWordError | None = None


def lookup_job(es: EmbeddingSet, query: str, k: int, metric: str, restrict: int) -> Job[Lookup]:
    yield Progress(-1, f"neighbours of {query}")
    r = es.find(query)
    if r is None:
        return Lookup(query, None, (), UnknownWordError(query, es.suggest(query)))
    found = nearest(es, r.word, k, metric=metric, restrict=restrict or None)
    return Lookup(query, r, tuple(found))


class NeighboursPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self._query_index = -1  # row of the looked-up query, -1 when none
        self._suggestions: list[str] = []

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
        self._table = ScoreTable()

        self._k.setPrefix("k = ")
        self._restrict.setPrefix("top ")
        options = QHBoxLayout()
        options.addWidget(self._metric, 3)
        options.addWidget(self._k, 2)
        options.addWidget(self._restrict, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self._search)
        layout.addLayout(options)
        layout.addWidget(self._note)
        layout.addWidget(self._table, 1)

        # -- widgets -> session ----------------------------------------------------
        self._search.textEdited.connect(self._on_text_edited)
        self._search.returnPressed.connect(self._commit_now)
        self._completer.activated.connect(self._set_query)
        self._metric.currentIndexChanged.connect(lambda i: setattr(session, "metric", self._metric.itemData(i)))
        self._k.valueChanged.connect(lambda v: setattr(session, "k", v))
        self._restrict.valueChanged.connect(lambda v: setattr(session, "restrict", v))
        self._table.word_clicked.connect(self._set_query)
        self._note.word_clicked.connect(self._set_query)

        # -- session -> widgets ----------------------------------------------------
        ev = session.events
        ev.query.connect(self._on_query_changed)
        ev.metric.connect(self._on_metric_changed)
        ev.k.connect(self._on_k_changed)
        ev.restrict.connect(self._on_restrict_changed)
        ev.embeddings.connect(self._on_embeddings_changed)
        ev.neighbours.connect(self._on_neighbours_changed)
        ev.query_note.connect(self._on_query_note_changed)
        ev.selection.connect(self._on_selection_changed)
        self._on_metric_changed()
        self._on_k_changed()
        self._on_restrict_changed()
        self._on_embeddings_changed()
        self._on_neighbours_changed()
        self._on_query_note_changed()
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
        self._session.query = word.strip()

    # -- lookups ---------------------------------------------------------------------
    @qdebounced(timeout=30)
    def _request(self) -> None:
        s = self._session
        es, query = s.embeddings, s.query
        if es is None or not query:
            self._runner.cancel("neighbours", emit=False)
            self._query_index = -1
            s.neighbours = ()
            s.query_note = ""
            return
        k, metric, restrict = s.k, s.metric, s.restrict
        self._runner.run("neighbours", lambda: lookup_job(es, query, k, metric, restrict),
                         on_result=self._on_lookup, label=f"neighbours of {query}")

    def _on_lookup(self, result: Lookup) -> None:
        s = self._session
        if result.query != s.query:
            return
        r = result.resolved
        self._query_index = r.index if r is not None else -1
        self._suggestions = result.error.suggestions if result.error is not None else []
        s.neighbours = result.neighbours
        if result.error is not None:
            s.query_note = str(result.error)
        else:
            s.query_note = f"showing {r.word} for {r.typed}" if r.case_folded else ""
        s.selection = (r.index, *(n.index for n in result.neighbours)) if r is not None else ()

    # -- session -> widgets --------------------------------------------------------------
    def _on_query_changed(self) -> None:
        q = self._session.query
        if self._search.text().strip() != q:
            with signals_blocked(self._search):
                self._search.setText(q)
        self._request()

    def _on_metric_changed(self) -> None:
        with signals_blocked(self._metric):
            self._metric.setCurrentIndex(max(self._metric.findData(self._session.metric), 0))
        self._table.set_score_label(METRIC_LABELS.get(self._session.metric, "score"))
        self._request()

    def _on_k_changed(self) -> None:
        with signals_blocked(self._k):
            self._k.setValue(self._session.k)
        self._request()

    def _on_restrict_changed(self) -> None:
        with signals_blocked(self._restrict):
            self._restrict.setValue(self._session.restrict)
        self._request()

    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        with signals_blocked(self._restrict):
            self._restrict.setMaximum(max(len(es) if es is not None else 0, self._session.restrict, 1))
        self._completions.setStringList([])
        self._query_index = -1
        self._request()

    def _on_neighbours_changed(self) -> None:
        ns = self._session.neighbours
        self._table.set_rows([(n.word, n.score) for n in ns], BAR_SCALE.get(self._session.metric, "larger"))

    def _on_query_note_changed(self) -> None:
        note = self._session.query_note
        if note.startswith("unknown word"):
            rich = None
            if self._suggestions:
                head = note.split("; did you mean")[0]
                rich = f"{html.escape(head)}; did you mean {word_links(self._suggestions)}?"
            self._note.show_message(note, "error", rich=rich)
        else:
            self._note.show_message(note, "info")

    def _on_selection_changed(self) -> None:
        sel, es = self._session.selection, self._session.embeddings
        if es is not None and len(sel) == 1 and 0 <= sel[0] < len(es) and sel[0] != self._query_index:
            self._set_query(es.words[sel[0]])

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
    def completer(self) -> QCompleter:
        return self._completer
