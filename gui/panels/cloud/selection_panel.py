"""The selection (``session.selection``): how to make it, what it holds, and what to do with it.

* Tools for the cloud: Orbit (a drag moves the camera), Box, Lasso (a drag selects; Shift adds, Ctrl
  removes); written to ``session.cloud.select_tool``.
* Select by a regular expression over the words, by a metadata value, or the neighbours of a word
  (core.projections.selection); the same Shift/Ctrl rule through the Add / Remove choice.
* Its count and words; Clear; Isolate (only the selection is projected again with the method on show,
  ``session.cloud.isolated``) and Back; Export: words, word2vec vectors, Projector TSV (written by the
  CloudController from ``session.cloud.export_selection``).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import ExplorerError
from core.projections import selection as sel
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage

TOOLS = (("", "Orbit"), ("box", "Box"), ("lasso", "Lasso"))
SHOWN_WORDS = 500
MIN_ISOLATE = 4
FILTERS = {"words": "Words, one a line (*.txt)", "vectors": "word2vec text (*.txt *.vec)",
           "tsv": "Projector vectors (*.tsv)"}


class SelectionPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selection_panel")
        self._session = session
        self.tools = QButtonGroup(self)
        tool_row = QHBoxLayout()
        tool_row.addWidget(QLabel("Drag:"))
        for i, (tool, label) in enumerate(TOOLS):
            b = QPushButton(label, checkable=True, objectName=f"tool_{tool or 'orbit'}",
                            toolTip="Shift adds to the selection, Ctrl removes" if tool else "a drag moves the camera")
            self.tools.addButton(b, i)
            tool_row.addWidget(b)
        tool_row.addStretch(1)
        self.mode = QComboBox(objectName="mode")
        for m in sel.MODES:
            self.mode.addItem(m.capitalize(), m)
        self.regex = QLineEdit(placeholderText="regex, e.g. ^un.*able$", objectName="regex", clearButtonEnabled=True)
        self.meta_column = QComboBox(objectName="meta_column")
        self.meta_value = QLineEdit(placeholderText="value", objectName="meta_value")
        self.near_word = QLineEdit(placeholderText="a word", objectName="near_word")
        self.near_k = QSpinBox(minimum=1, maximum=1000, value=20, prefix="k = ")
        grid = QGridLayout()
        for r, (label, widgets) in enumerate((("Matching", [self.regex]), ("Metadata", [self.meta_column,
                                              self.meta_value]), ("Neighbours of", [self.near_word, self.near_k]))):
            grid.addWidget(QLabel(label), r, 0)
            for c, w in enumerate(widgets):
                grid.addWidget(w, r, 1 + c, 1, 2 if len(widgets) == 1 else 1)
        self.count = QLabel(objectName="count", wordWrap=True)  # a long count must not widen the window
        self.words = QPlainTextEdit(readOnly=True, objectName="words", maximumBlockCount=SHOWN_WORDS + 1)
        self.clear = QPushButton("Clear")
        self.isolate = QPushButton("Isolate", objectName="isolate")
        self.back = QPushButton("Back", objectName="back", toolTip="back to all points, as projected before Isolate")
        self.export_kind = QComboBox(objectName="export_kind")
        for kind, label in (("words", "words"), ("vectors", "vectors (word2vec text)"), ("tsv", "Projector TSV")):
            self.export_kind.addItem(label, kind)
        self.export = QPushButton("Export…", objectName="export")
        self.message = InlineMessage()
        actions = QHBoxLayout()
        for w in (self.clear, self.isolate, self.back):
            actions.addWidget(w)
        exports = QHBoxLayout()
        exports.addWidget(self.export_kind, 1)
        exports.addWidget(self.export)
        lay = QVBoxLayout(self)
        lay.addLayout(tool_row)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Selecting by text:"))
        mode_row.addWidget(self.mode)
        mode_row.addStretch(1)
        lay.addLayout(mode_row)
        lay.addLayout(grid)
        lay.addWidget(self.count)
        lay.addWidget(self.words, 1)
        lay.addLayout(actions)
        lay.addLayout(exports)
        lay.addWidget(self.message)
        self._connect()
        self._on_embeddings_changed()
        self._on_select_tool_changed()
        self._on_selection_changed()

    def _connect(self) -> None:
        s, c = self._session, self._session.cloud
        self.tools.idClicked.connect(lambda i: setattr(c, "select_tool", TOOLS[i][0]))
        self.regex.returnPressed.connect(lambda: self._select(lambda es: sel.by_regex(es, self.regex.text())))
        self.meta_value.returnPressed.connect(lambda: self._select(
            lambda es: sel.by_metadata(es, self.meta_column.currentText(), self.meta_value.text())))
        self.near_word.returnPressed.connect(lambda: self._select(
            lambda es: sel.neighbours_of(es, self.near_word.text().strip(), self.near_k.value())))
        self.clear.clicked.connect(lambda: setattr(s, "selection", ()))
        self.isolate.clicked.connect(self.isolate_selection)
        self.back.clicked.connect(lambda: setattr(c, "isolated", ()))
        self.export.clicked.connect(self._ask_export)
        bind(self, s.events.embeddings, self._on_embeddings_changed)
        bind(self, s.events.selection, self._on_selection_changed)
        bind(self, c.events.isolated, self._on_selection_changed)
        bind(self, c.events.select_tool, self._on_select_tool_changed)
        bind(self, c.events.saved, self._on_saved)

    # -- inputs -> Session ------------------------------------------------------------------
    def _select(self, find) -> None:
        es = self._session.embeddings
        if es is None:
            return
        try:
            rows = find(es)
        except ExplorerError as exc:
            self.message.show_message(str(exc), "error")
            return
        self.message.clear_message()
        if not rows:
            self.message.show_message("nothing matches: the selection is unchanged", "warning")
            return
        s = self._session
        s.selection = sel.combine(s.selection, rows, self.mode.currentData())

    def isolate_selection(self) -> None:
        rows = self._session.selection
        if len(rows) >= MIN_ISOLATE:
            self._session.cloud.isolated = tuple(rows)

    def _ask_export(self) -> None:
        kind = self.export_kind.currentData()
        name = f"selection.{'tsv' if kind == 'tsv' else 'txt'}"
        path, _ = QFileDialog.getSaveFileName(self, "Export the selection", str(Path.home() / name), FILTERS[kind])
        if path:
            self.export_to(kind, path)

    def export_to(self, kind: str, path: str) -> None:
        self._session.cloud.export_selection = (kind, path)

    # -- Session -> widgets ---------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        self.meta_column.clear()
        cols = list(es.metadata) if es is not None else []
        self.meta_column.addItems(cols)
        for w in (self.meta_column, self.meta_value):
            w.setEnabled(bool(cols))
        self.meta_value.setPlaceholderText("value" if cols else "no metadata")  # the longer text was cut
        self.meta_value.setToolTip("" if cols else "this set has no metadata columns to select by")

    def _on_select_tool_changed(self) -> None:
        tool = self._session.cloud.select_tool
        i = next((i for i, (t, _) in enumerate(TOOLS) if t == tool), 0)
        self.tools.button(i).setChecked(True)

    def _on_selection_changed(self) -> None:
        s, es = self._session, self._session.embeddings
        rows = s.selection
        n = len(rows)
        self.count.setText(f"<b>{n:,}</b> selected" if n else "Nothing selected: drag a box or lasso on the "
                           "cloud, or select by text")
        words = [es.words[r] for r in rows[:SHOWN_WORDS] if es is not None and 0 <= r < len(es)]
        more = [f"… and {n - SHOWN_WORDS:,} more"] if n > SHOWN_WORDS else []
        self.words.setPlainText("\n".join(words + more))
        isolated = bool(s.cloud.isolated)
        self.isolate.setEnabled(n >= MIN_ISOLATE)
        have = "nothing is" if not n else f"only {n} is" if n == 1 else f"only {n} are"
        self.isolate.setToolTip(f"project only these {n:,} points again" if n >= MIN_ISOLATE else
                                f"select at least {MIN_ISOLATE} points to isolate them ({have} selected)")
        self.back.setEnabled(isolated)
        self.export.setEnabled(bool(n))
        self.export.setToolTip("" if n else "nothing is selected")

    def _on_saved(self) -> None:
        saved = self._session.cloud.saved
        if saved:
            self.message.show_message(saved, "info")
