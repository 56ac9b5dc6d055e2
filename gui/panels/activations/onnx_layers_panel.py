"""Any ONNX model's layers (File > Open ONNX model...): every tensor inside it (name, operator,
shape where known), tick the ones to see; each is fetched from an in-memory copy of the graph
that exposes it, for an input made by its type (a picture, text through the tokenizer.json beside
the model, zeros or a .npy file of numbers), and drawn by its rank.

The OnnxLayersController opens and runs the model (``session.activations.onnx``); this panel
writes the path, the chosen tensors and the input, and shows what comes back.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from core.inference.tensor_forms import form_of
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.inline_message import InlineMessage
from gui.widgets.tensor_view import TensorView

MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"


def shape_text(shape) -> str:
    return "?" if shape is None else "×".join(str(d) if d not in (None, "") else "?" for d in shape)


BUILT_MODELS = {"mnist-cnn": "the digit CNN", "minilm-l6-v2": "MiniLM"}  # registry names -> button text


class OnnxLayersPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("onnx_layers")
        self._a, self._m = session.activations, session.activations.onnx
        self.open_button = QPushButton("Open ONNX model…", objectName="onnx_open")
        self.path_label = QLabel("No model open.", wordWrap=True)
        self.message = InlineMessage()
        self.inputs_label = QLabel(wordWrap=True, objectName="onnx_inputs")
        self.text = QLineEdit(self._m.choice.text, placeholderText="text for the tokenizer", objectName="onnx_text")
        self.picture_button = QPushButton("Picture…", objectName="onnx_picture")
        self.pad_button = QPushButton("The pad's digit", objectName="onnx_pad")
        self.numbers_button = QPushButton("Numbers (.npy)…", objectName="onnx_numbers")
        self.filter = QLineEdit(placeholderText="filter tensors by name or operator", clearButtonEnabled=True)
        self.tree = QTreeWidget(objectName="onnx_tensors")
        self.tree.setHeaderLabels(["tensor", "operator", "shape"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.views_box = QWidget()
        self.views_layout = QVBoxLayout(self.views_box)
        self.views_layout.addStretch(1)
        self.views: list[TensorView] = []
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.views_box)

        self.builtins = QWidget(objectName="onnx_builtins")
        quick = QHBoxLayout(self.builtins)
        quick.setContentsMargins(0, 0, 0, 0)
        quick.addWidget(QLabel("or a built model:"))
        for name, title in BUILT_MODELS.items():
            button = QPushButton(title, objectName=f"onnx_open_{name}")
            button.clicked.connect(lambda _=False, n=name: self.open_built(n))
            quick.addWidget(button)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.path_label, 1)
        top.addWidget(self.builtins)
        feeds = QHBoxLayout()
        for w in (self.text, self.picture_button, self.pad_button, self.numbers_button):
            feeds.addWidget(w, 1 if w is self.text else 0)
        feeds.addStretch(0)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(self.filter)
        left_lay.addWidget(self.tree, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(self.inputs_label)
        lay.addLayout(feeds)
        lay.addWidget(split, 1)

        self.open_button.clicked.connect(self._ask_open)
        self.text.textChanged.connect(self._on_text_edited)
        self.picture_button.clicked.connect(self._ask_picture)
        self.pad_button.clicked.connect(self.use_pad_digit)
        self.numbers_button.clicked.connect(self._ask_numbers)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree.itemChanged.connect(self._on_item_changed)
        m = self._m
        bind(self, m.events.path, self._on_path_changed)
        bind(self, m.events.graph, self._on_graph_changed)
        bind(self, m.events.chosen, self._on_chosen_changed)
        bind(self, m.events.values, self._on_values_changed)
        bind(self, m.events.problem, self._on_problem_changed)
        self._on_path_changed()
        self._on_graph_changed()
        self._on_values_changed()
        self._on_problem_changed()

    # -- inputs -------------------------------------------------------------------------------------
    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an ONNX model", str(Path.home()), MODEL_FILTER)
        if path:
            self._m.path = ""  # the same file again is read again
            self._m.path = path

    @qdebounced(timeout=300)
    def _on_text_edited(self, text: str) -> None:
        self._m.choice = self._m.choice.replace(text=text)

    def _ask_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A picture for the model", str(Path.home()),
                                              "Pictures (*.png *.jpg *.jpeg *.bmp);;All files (*)")
        if path:
            self.open_picture(path)

    def open_picture(self, path: str) -> None:
        """Feed this picture (read when the model runs; a problem shows here)."""
        self._m.choice = self._m.choice.replace(image=None, image_name=Path(path).name, image_path=str(path))

    def use_pad_digit(self) -> None:
        lay = self._a.layers
        if lay is not None and lay.ok:
            self._m.choice = self._m.choice.replace(image=lay.image, image_name="the pad's digit", image_path="")
        else:
            self.message.show_message("Draw a digit on the pad first.")

    def _ask_numbers(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Numbers for the model's input", str(Path.home()),
                                              "NumPy arrays (*.npy)")
        if path:
            self.open_numbers(path)

    def open_numbers(self, path: str, name: str | None = None) -> None:
        """A .npy file for the named input (default: the first input made of numbers)."""
        graph = self._m.graph
        if graph is None:
            return
        spec = next((s for s in graph.inputs if s.name == name or (name is None and s.kind in ("numbers", ""))), None)
        if spec is None:
            self.message.show_message("This model has no input made of plain numbers.")
            return
        c = self._m.choice
        others = tuple((k, v) for k, v in c.numbers if k != spec.name)
        self._m.choice = c.replace(numbers=(*others, (spec.name, str(path))))

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        checked = []
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            if it.checkState(0) == Qt.CheckState.Checked:
                checked.append(it.data(0, Qt.ItemDataRole.UserRole))
        self._m.chosen = tuple(checked)

    def _apply_filter(self, text: str) -> None:
        t = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            it.setHidden(bool(t) and t not in it.text(0).lower() and t not in it.text(1).lower())

    # -- session ---------------------------------------------------------------------------------------
    def open_built(self, name: str) -> None:
        """Open one of the app's built models (the empty state's buttons)."""
        from core.inference import registry

        path = registry.model_dir(name) / "model.onnx"
        if not path.is_file():
            self.message.show_message(
                f"{name} is not built: {registry.build_command(name) or 'reinstall the app'}", "error"
            )
            return
        self._m.path = ""
        self._m.path = str(path)

    def _on_path_changed(self) -> None:
        path = self._m.path
        self.path_label.setText(html.escape(path) if path else "No model open: Open… any .onnx file")
        self.builtins.setVisible(not path)

    def _on_graph_changed(self) -> None:
        g = self._m.graph
        kinds = {s.kind for s in g.inputs} if g is not None else set()
        self.text.setVisible("text" in kinds)
        self.picture_button.setVisible("image" in kinds)
        self.pad_button.setVisible("image" in kinds)
        self.numbers_button.setVisible(bool(kinds - {"image", "text"}))
        with signals_blocked(self.tree):
            self.tree.clear()
            if g is None:
                self.inputs_label.setText("")
                return
            self.inputs_label.setText(
                "<br>".join(f"input {html.escape(s.describe())}" for s in g.inputs)
                + f"<br>{len(g.tensors):,} tensors; tick one to fetch and draw it."
            )
            chosen = set(self._m.chosen)
            for t in g.tensors:
                it = QTreeWidgetItem([t.name, t.op_type, shape_text(t.shape)])
                it.setData(0, Qt.ItemDataRole.UserRole, t.name)
                it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(0, Qt.CheckState.Checked if t.name in chosen else Qt.CheckState.Unchecked)
                it.setToolTip(0, t.name)
                self.tree.addTopLevelItem(it)
            self.tree.resizeColumnToContents(1)
            self.tree.resizeColumnToContents(2)
        self._apply_filter(self.filter.text())

    def _on_chosen_changed(self) -> None:
        chosen = set(self._m.chosen)
        with signals_blocked(self.tree):
            for i in range(self.tree.topLevelItemCount()):
                it = self.tree.topLevelItem(i)
                want = (
                    Qt.CheckState.Checked if it.data(0, Qt.ItemDataRole.UserRole) in chosen else Qt.CheckState.Unchecked
                )
                if it.checkState(0) != want:
                    it.setCheckState(0, want)

    def _on_values_changed(self) -> None:
        values = self._m.values
        items = [] if values is None else [(n, values.values[n]) for n in self._m.chosen if n in values.values]
        while len(self.views) < len(items):
            view = TensorView()
            self.views_layout.insertWidget(len(self.views), view)
            self.views.append(view)
        for view, (name, value) in zip(self.views, items):
            try:
                view.set_form(form_of(name, value))
            except ValueError as exc:
                view.title.setText(html.escape(str(exc)))
            view.show()
        for view in self.views[len(items) :]:
            view.hide()
        if values is not None and not self._m.problem:
            notes = "; ".join(values.notes)
            self.message.show_message(f"{notes} · ran in {values.seconds * 1000:.0f} ms" if notes else "")

    def _on_problem_changed(self) -> None:
        if self._m.problem:
            self.message.show_message(self._m.problem, "error")
        else:
            self.message.clear_message()
