"""Workspaces: one arrangement of the docks per task, switched from a bar at the top of the window.

A workspace only arranges panels; the Session and the panels are shared, so a word typed in Words is
still there in Language model. Each workspace keeps the user's changes to its layout (QMainWindow.saveState
per workspace, in the settings) and View ▸ Reset workspace brings back its default. Dock sizes of a default
layout are fractions of the window, so they work from 1280x720 to 3840x2160.

    manager = Workspaces(window)       # builds the bar, Ctrl+1..Ctrl+4
    manager.switch("language")
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QByteArray, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSizePolicy, QTabBar, QToolBar, QWidget

from core.state.examples import WORKSPACES
from gui.docks import DOCKS, DockSpec

log = logging.getLogger(__name__)
Groups = tuple[tuple[str, ...], ...]  # groups of docks; the docks of one group are tabbed


@dataclass(frozen=True)
class Arrangement:
    """A workspace's default sizes. Its docks and their areas are declared in gui.docks (:func:`groups`)."""

    left_width: float = 0.25  # of the window's width
    right_width: float = 0.3
    bottom_height: float = 0.35  # of the window's height
    bottom_full: bool = False  # the bottom area spans the whole width (else it sits between the side columns)
    right_heights: tuple[float, ...] = ()  # shares of the right column's height, top group first (else equal)
    cloud: bool = True  # the 3D cloud in the middle (hidden: the bottom area fills its place)
    hint: str = ""  # one line in the bar: what this workspace is for


ARRANGEMENTS: dict[str, Arrangement] = {
    "words": Arrangement(left_width=0.22, right_width=0.3,
                         hint="Nearest words, word arithmetic and directions on the live 3D map"),
    "language": Arrangement(left_width=0.36, bottom_height=0.9, cloud=False,
                            hint="What SmolLM2 predicts, layer by layer; a word in context; search by meaning"),
    "network": Arrangement(left_width=0.28, bottom_height=0.9, cloud=False,
                           hint="A digit classifier's layers, its image embeddings, any ONNX model's layers"),
    # the Train panel folds its charts under its settings when narrow: the cloud keeps a third of the width
    "train": Arrangement(left_width=0.5, right_width=0.24,
                         hint="Train word2vec on a corpus and watch its vectors settle, epoch by epoch"),
}
AREA = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
        "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}


def groups(name: str, area: str, specs: list[DockSpec] | None = None) -> Groups:
    """The docks of workspace ``name`` in ``area``: groups stacked top to bottom (left, right) or side by
    side (bottom), in the order of gui.docks.DOCKS; the first dock of a group is the tab in front."""
    found: list[list[str]] = []
    for spec in DOCKS if specs is None else specs:
        if name not in spec.workspaces or spec.area != area:
            continue
        group = next((g for g in found if spec.tab_with in g), None) if spec.tab_with else None
        if group is None:
            found.append([spec.name])
        else:
            group.append(spec.name)
    return tuple(tuple(g) for g in found)


def docks_of(name: str, specs: list[DockSpec] | None = None) -> list[str]:
    return [d for area in AREA for g in groups(name, area, specs) for d in g]


class Workspaces(QObject):
    """The workspace bar and the switching; the window's docks are arranged, never rebuilt."""

    changed = Signal(str)

    def __init__(self, window: QMainWindow, states: dict[str, str] | None = None,
                 specs: list[DockSpec] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.specs = DOCKS if specs is None else specs  # the window's docks, declared in gui.docks
        self.current = ""
        self.states: dict[str, str] = dict(states or {})  # name -> saveState() base64 (the user's layout)
        self.problems: list[str] = []  # saved layouts that could not be restored (said once)
        self.bar = QToolBar("Workspaces", window)
        self.bar.setObjectName("workspace_bar")
        self.bar.setMovable(False)
        self.bar.setFloatable(False)
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for i, (name, title) in enumerate(WORKSPACES.items(), 1):
            act = QAction(title, self, checkable=True)
            act.setObjectName(f"workspace_{name}")
            act.setShortcut(QKeySequence(f"Ctrl+{i}"))
            act.setToolTip(
                f"{ARRANGEMENTS[name].hint} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
            )
            act.triggered.connect(lambda _checked=False, n=name: self.switch(n))
            group.addAction(act)
            self.bar.addAction(act)
            self.actions[name] = act

    def add_tail(self, *actions: QAction) -> None:
        """Actions at the right end of the bar (Examples, Find)."""
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.bar.addWidget(spacer)
        for act in actions:
            self.bar.addAction(act)

    # -- switching ----------------------------------------------------------------------------
    def switch(self, name: str, *, reset: bool = False) -> None:
        if name not in ARRANGEMENTS:
            raise KeyError(name)
        if name == self.current and not reset:
            return
        if self.current:
            self.remember()
        self.current = name
        size = self.window.size()
        self.window.setUpdatesEnabled(False)  # one paint of the new arrangement, none of the steps to it
        try:
            self._corners(ARRANGEMENTS[name])
            saved = None if reset else self.states.get(name)
            # a saved layout is restored with the cloud as it was saved (hidden then, as Language model
            # hides it, the cloud got none of Words' width back: 629 -> 283 px at 1366); the default one
            # is arranged around a shown cloud, its sizes are fractions of the window with the cloud in it
            # (arranged without it, the draw pad's dock took 877 of 1920 px instead of 537)
            self._show_cloud(ARRANGEMENTS[name].cloud if saved else True)
            if not saved or not self._restore(name, saved):
                self._show_cloud(True)
                self.arrange(name)
            if self.window.size() != size:  # docks passing through side by side while they are tabbed grew it
                self.window.resize(size)
            self._show_cloud(ARRANGEMENTS[name].cloud)
            self.fix_tab_bars()
        finally:
            # painted on the next turn of the event loop: the relayout this started runs first, on its own
            QTimer.singleShot(0, self._paint_again)
        with_signals = self.actions[name]
        with_signals.setChecked(True)
        self.changed.emit(name)

    def _paint_again(self) -> None:
        if shiboken6.isValid(self.window):
            self.put_away_stale_tab_bars()
            self.window.setUpdatesEnabled(True)

    def reset(self) -> None:
        """View ▸ Reset workspace: the current workspace's default layout."""
        self.states.pop(self.current, None)
        self.switch(self.current or "words", reset=True)

    def remember(self) -> None:
        if self.current:
            self.states[self.current] = bytes(self.window.saveState().toBase64()).decode()

    def _restore(self, name: str, saved: str) -> bool:
        try:
            ok = self.window.restoreState(QByteArray.fromBase64(saved.encode()))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            self.states.pop(name, None)
            self.problems.append(
                f"the saved layout of the {WORKSPACES[name]} workspace could not be read; "
                f"it starts from its default layout"
            )
            return False
        # a layout saved on a larger screen: docks are kept, only the window is brought onto the screen
        return True

    def arrange(self, name: str) -> None:
        """The default layout of ``name``: its docks in their areas at sizes relative to the window."""
        w, a = self.window, ARRANGEMENTS[name]
        docks: dict[str, QDockWidget] = w.docks
        wanted = set(docks_of(name, self.specs))
        for dname, dock in docks.items():
            if dname not in wanted:
                dock.hide()
        fronts: list[QDockWidget] = []
        sized: dict[str, list[QDockWidget]] = {"left": [], "right": [], "bottom": []}
        for area in AREA:
            previous: QDockWidget | None = None
            for group in groups(name, area, self.specs):
                present = [docks[d] for d in group if d in docks]
                if not present:
                    continue
                first = present[0]
                for dock in present:
                    dock.setFloating(False)
                    w.removeDockWidget(dock)
                w.addDockWidget(AREA[area], first)
                first.show()
                if previous is not None:
                    orient = Qt.Orientation.Horizontal if area == "bottom" else Qt.Orientation.Vertical
                    w.splitDockWidget(previous, first, orient)
                for dock in present[1:]:  # shown before they are tabbed: hidden ones leave stray tab bars
                    w.addDockWidget(AREA[area], dock)
                    dock.show()
                    w.tabifyDockWidget(first, dock)
                fronts.append(first)
                sized[area].append(first)
                previous = first
        for dock in fronts:
            dock.raise_()
        width, height = max(w.width(), 640), max(w.height(), 480)
        side = [(d, frac) for area, frac in (("left", a.left_width), ("right", a.right_width)) for d in sized[area][:1]]
        if side:
            w.resizeDocks([d for d, _ in side], [int(width * f) for _, f in side], Qt.Orientation.Horizontal)
        if sized["bottom"]:
            w.resizeDocks(sized["bottom"][:1], [int(height * a.bottom_height)], Qt.Orientation.Vertical)
            n = len(sized["bottom"])
            if n > 1:
                w.resizeDocks(sized["bottom"], [width // n] * n, Qt.Orientation.Horizontal)
        for area in ("left", "right"):
            n = len(sized[area])
            if n > 1:
                shares = a.right_heights if area == "right" and len(a.right_heights) == n else (1 / n,) * n
                w.resizeDocks(sized[area], [int(height * f) for f in shares], Qt.Orientation.Vertical)

    def _corners(self, a: Arrangement) -> None:
        bottom, left, right = (
            Qt.DockWidgetArea.BottomDockWidgetArea,
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.window.setCorner(Qt.Corner.BottomLeftCorner, bottom if a.bottom_full else left)
        self.window.setCorner(Qt.Corner.BottomRightCorner, bottom if a.bottom_full else right)

    def _show_cloud(self, on: bool) -> None:
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(on)

    def reveal_cloud(self) -> None:
        """Show the cloud in a workspace that hides it, the bottom docks giving it the room it needs."""
        central = self.window.centralWidget()
        if central is None or not central.isHidden():
            return
        central.show()
        a = ARRANGEMENTS.get(self.current)
        bottom = [self.window.docks[g[0]] for g in (groups(self.current, "bottom", self.specs) if a else ())
                  if g and g[0] in self.window.docks]
        if bottom:
            self.window.resizeDocks(bottom[:1], [int(self.window.height() * 0.4)], Qt.Orientation.Vertical)

    def fix_tab_bars(self) -> None:
        """Dock tab titles are never cut: the window's tab bars scroll instead of eliding."""
        for bar in self.window.findChildren(QTabBar):
            if bar.parent() is self.window:
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)
                bar.setExpanding(False)

    def put_away_stale_tab_bars(self) -> None:
        """Restoring a workspace's layout can leave the tab bars of the one before where they were (Qt lets
        go of them without moving them away): 'Next word | Masked word' showed under 'Neighbours |
        Selection' in Words, and a second 'Directions | Benchmarks' lay over the cloud. A bar is in use
        when a shown dock of one of its tabs stands right above or below it, as wide; the others are moved off
        the window as Qt moves the bars it does not use (Qt places a bar again when it uses it again)."""
        w = self.window
        shown = {d.windowTitle(): d.geometry() for d in w.docks.values() if d.isVisible() and not d.isFloating()}
        for bar in w.findChildren(QTabBar):
            if bar.parent() is not w or not bar.isVisible():
                continue
            g = bar.geometry()
            if g.right() < 0 or g.bottom() < 0:  # already off the window
                continue
            docks = [shown[t] for t in (bar.tabText(i) for i in range(bar.count())) if t in shown]
            if not any(abs(d.left() - g.left()) <= 2 and abs(d.width() - g.width()) <= 8
                       and (abs(d.bottom() - g.top()) <= 8 or abs(g.bottom() - d.top()) <= 8) for d in docks):
                bar.move(-500 - g.width(), -500 - g.height())

    def of_dock(self, dock_name: str) -> str | None:
        """The workspace a dock belongs to (the first that shows it)."""
        return next((n for n in ARRANGEMENTS if dock_name in docks_of(n, self.specs)), None)
