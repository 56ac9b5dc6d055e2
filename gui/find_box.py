"""Ctrl+K: find panels, workspaces, examples and menu actions by name, and go there.

    box = FindBox(window); box.show(); box.text.setText("lens")   # Enter opens the first match
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QMenu, QVBoxLayout

from core.state.examples import EXAMPLES, WORKSPACES


def rank(query: str, text: str) -> int | None:
    """How well ``text`` matches ``query`` (lower is better), None for no match: 0 every word of the query
    begins a word of the text, 1 every word appears in it, 2 its letters appear in order in the name
    (after "Panel: " and the like). Case-insensitive."""
    q, t = query.lower().split(), text.lower()
    if not q:
        return 0
    name = t.split(": ", 1)[-1].split(" ▸ ")[-1]
    words = name.replace("-", " ").split()
    if all(any(w.startswith(x) for w in words) for x in q):
        return 0
    if all(x in t for x in q):
        return 1
    letters, i = "".join(q), 0
    for ch in name:
        if i < len(letters) and ch == letters[i]:
            i += 1
    return 2 if i == len(letters) else None


def menu_actions(menu: QMenu, path: str = "") -> list[tuple[str, QAction]]:
    out = []
    for act in menu.actions():
        name = act.text().replace("&", "")
        if act.menu() is not None:
            out += menu_actions(act.menu(), f"{path}{name} ▸ ")
        elif name and not act.isSeparator():
            out.append((f"{path}{name}", act))
    return out


class FindBox(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("find_box")
        self.setWindowTitle("Find")
        self.setModal(False)
        self.text = QLineEdit(placeholderText="Find a panel, workspace, example or command…", objectName="find_text")
        self.list = QListWidget(objectName="find_list")
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(self.list)
        self.entries: list[tuple[str, Callable[[], None]]] = []
        for name, title in WORKSPACES.items():
            self.entries.append((f"Workspace: {title}", lambda n=name: window.switch_workspace(n)))
        for name, dock in window.docks.items():
            self.entries.append((f"Panel: {dock.windowTitle()}", lambda n=name: window.show_panel(n)))
        for name, ex in EXAMPLES.items():
            self.entries.append((f"Example: {ex.title}", lambda n=name: window.open_example(n)))
        for bar_action in window.menuBar().actions():
            if bar_action.menu() is not None:
                for label, act in menu_actions(bar_action.menu(), bar_action.text().replace("&", "") + " ▸ "):
                    if "Find…" not in label:
                        self.entries.append((label, act.trigger))
        self.text.textChanged.connect(self.refill)
        self.text.returnPressed.connect(self.activate)
        self.list.itemActivated.connect(lambda _item: self.activate())
        self.resize(520, 420)
        self.refill()

    def refill(self) -> None:
        q = self.text.text().strip()
        self.list.clear()
        ranked = [(r, i, label) for i, (label, _) in enumerate(self.entries) if (r := rank(q, label)) is not None]
        for _, _, label in sorted(ranked):
            self.list.addItem(QListWidgetItem(label))
        if self.list.count():
            self.list.setCurrentRow(0)

    def activate(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        action = dict(self.entries)[item.text()]
        self.close()
        action()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.text.hasFocus():
            row = self.list.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
            self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
            return
        super().keyPressEvent(event)
