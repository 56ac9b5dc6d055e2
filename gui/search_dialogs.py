"""Dialogs of the search backends: "Index…" (an HNSW index, or the set into Milvus) and
File ▸ Open Milvus collection…. The Milvus address is kept in the settings; the token never
is (it lives in memory, for this window only).

    dialog = IndexDialog(settings, es, parent)          # choice(): ("hnsw", None, "") or ("milvus", target, name)
    dialog = CollectionDialog(settings, parent)         # choice(): (target, collection, vector, label, sample)
"""
from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.search import milvus_backend, milvus_export
from core.embeddings.search.milvus_connect import MilvusTarget, default_lite_path
from core.state.settings import Settings

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_tokens: dict[str, str] = {}  # uri -> token, for this process only


class TargetFields(QWidget):
    """Where Milvus is: a URI (empty: the Milvus Lite database in the user data folder) and a token."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.uri = QLineEdit(settings.milvus_uri, placeholderText=f"Milvus Lite: {default_lite_path()}")
        self.uri.setToolTip("empty: an embedded Milvus Lite database (no server to start); or a server such as "
                            "http://milvus.lab:19530, or a Milvus Lite path ending in .db")
        self.token = QLineEdit(_tokens.get(settings.milvus_uri, ""), placeholderText="user:password or API key")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setToolTip("kept in memory for this window only; never saved")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Milvus URI", self.uri)
        form.addRow("Token", self.token)
        self.uri.textChanged.connect(lambda t: self.token.setEnabled("://" in t))
        self.token.setEnabled("://" in self.uri.text())

    def target(self) -> MilvusTarget:
        uri = self.uri.text().strip()
        token = self.token.text() if "://" in uri else ""
        self._settings.milvus_uri = uri
        if token:
            _tokens[uri] = token
        return MilvusTarget(uri, token=token)


class IndexDialog(QDialog):
    def __init__(self, settings: Settings, es: EmbeddingSet, parent: QWidget | None = None, *,
                 milvus: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export to Milvus" if milvus else "Index")
        self.hnsw = QRadioButton("HNSW index in this app (faiss): built here, stored beside the set's cache")
        self.milvus = QRadioButton("Milvus collection: the set exported into Milvus, which answers the queries")
        group = QButtonGroup(self)
        for b in (self.hnsw, self.milvus):
            group.addButton(b)
        self.fields = TargetFields(settings)
        self.collection = QLineEdit(milvus_export.collection_name(es))
        self.collection.setToolTip("letters, digits and underscores; an interrupted export into it resumes")
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #c0392b;")
        about = QLabel(f"{es.name}: {len(es):,} words × {es.dim}. Recall@10 against exact search is measured on "
                       "1,000 sampled words. Progress and Cancel are in the status bar.", wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export" if milvus else "Build")
        milvus_box = QWidget()
        form = QFormLayout(milvus_box)
        form.setContentsMargins(18, 0, 0, 0)
        form.addRow(self.fields)
        form.addRow("Collection", self.collection)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        if not milvus:
            layout.addWidget(self.hnsw)
        layout.addWidget(self.milvus)
        layout.addWidget(milvus_box)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        (self.milvus if milvus else self.hnsw).setChecked(True)
        self.hnsw.toggled.connect(lambda on: milvus_box.setEnabled(not on))
        milvus_box.setEnabled(milvus)
        self.milvus.setVisible(not milvus)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.resize(600, self.sizeHint().height())

    def _accept(self) -> None:
        if self.milvus.isChecked() and not NAME.fullmatch(self.collection.text().strip()):
            self.problem.setText("A collection name is letters, digits and underscores, starting with a letter.")
            return
        self.accept()

    def choice(self) -> tuple[str, MilvusTarget | None, str]:
        if self.hnsw.isChecked():
            return "hnsw", None, ""
        return "milvus", self.fields.target(), self.collection.text().strip()


class CollectionDialog(QDialog):
    """File ▸ Open Milvus collection…: any collection with a float vector field and a text field."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open Milvus collection")
        self._settings = settings
        self.fields = TargetFields(settings)
        self.collection = QLineEdit(settings.milvus_collection, placeholderText="glove_6b_50d")
        self.vector = QLineEdit(placeholderText="found when there is one float vector field")
        self.label = QLineEdit(placeholderText="word, or the first text field")
        self.sample = QSpinBox(minimum=100, maximum=200_000, singleStep=5000, value=milvus_backend.SAMPLE)
        self.sample.setToolTip("words fetched for the 3D cloud; neighbour queries search the whole collection "
                               "in Milvus")
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.fields)
        form.addRow("Collection", self.collection)
        form.addRow("Vector field", self.vector)
        form.addRow("Word field", self.label)
        form.addRow("Sample for the cloud", self.sample)
        form.addRow(self.problem)
        form.addRow(buttons)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.resize(600, self.sizeHint().height())

    def _accept(self) -> None:
        if not NAME.fullmatch(self.collection.text().strip()):
            self.problem.setText("Name the collection (letters, digits and underscores).")
            return
        self.accept()

    def choice(self) -> tuple[MilvusTarget, str, str, str, int]:
        name = self.collection.text().strip()
        self._settings.milvus_collection = name
        return (self.fields.target(), name, self.vector.text().strip(), self.label.text().strip(), self.sample.value())
