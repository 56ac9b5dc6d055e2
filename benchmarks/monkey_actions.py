"""The monkey's actions on the window (benchmarks/monkey.py runs them; tests/gui/test_monkey.py too):
``Monkey(window, files, seed)`` does one seeded random action per ``step()``."""
from __future__ import annotations

import random
import time
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QPoint, Qt, QThreadPool, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLineEdit,
    QMenu,
    QTabBar,
    QToolButton,
    QWidget,
)

TEXTS = ["king", "queen", "paris - france + italy", "man : king :: woman : ?", "the", "", " ", "zzzzqx", "KING",
         "é", "日本", "a" * 300, "king -", "((", "1e9", "-5", "0", "42", "3.5", "cat -> cats, dog -> dogs",
         "%s%d{}", "\t", "king + + queen", "the cat sat on the", "[MASK] is the capital of france"]
NOT_CLICKED = ("&Quit",)  # closing the window ends the run, not part of it

def type_into(widget: QWidget, text: str) -> None:
    """Key presses for ASCII (QTest.keyClicks knows no other keys); other characters arrive as a key
    event carrying the text, as an input method sends them."""
    for ch in text:
        if ord(ch) < 128:
            QTest.keyClick(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


class Monkey:
    """Seeded random actions on ``window``; ``step()`` does one and returns its name."""

    def __init__(self, window, files: dict[str, Path], seed: int = 15) -> None:
        self.window, self.files, self.rng = window, files, random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.log: deque[str] = deque(maxlen=40)  # the last actions, to replay a failure by hand
        self.closed_by_watchdog = 0
        self._exports = 0
        self._actions: list[tuple[Callable[[], None], int]] = [
            (self.type_text, 14), (self.click_button, 14), (self.pick_combo, 8), (self.spin, 6),
            (self.click_row, 8), (self.click_tab, 4), (self.drag, 6), (self.menu_action, 4),
            (self.open_file, 3), (self.open_dialog, 2), (self.cancel_job, 4), (self.toggle_dock, 3),
            (self.float_dock, 1), (self.resize, 2), (self.projection, 3), (self.wait, 8),
        ]
        self._watchdog = QTimer(interval=50)
        self._watchdog.timeout.connect(self._close_modal)
        self._patched: dict[str, object] = {}

    # -- running -------------------------------------------------------------------------
    def __enter__(self) -> Monkey:
        pick = lambda *keys: lambda *a, **k: (str(self.files[self.rng.choice(keys)]), "")  # noqa: E731
        self._patched = {n: getattr(QFileDialog, n) for n in ("getOpenFileName", "getSaveFileName",
                                                             "getExistingDirectory")}
        QFileDialog.getOpenFileName = staticmethod(pick("good", "bad", "onnx", "npy", "picture", "corpus", "packed"))
        QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (self._export_path(), ""))
        QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(self.files["folder"]))
        self._watchdog.start()
        return self

    def __exit__(self, *exc) -> None:
        self._watchdog.stop()
        for name, fn in self._patched.items():
            setattr(QFileDialog, name, fn)

    def step(self) -> str:
        fns, weights = zip(*self._actions)
        action = self.rng.choices(fns, weights)[0]
        self.log.append(f"{sum(self.counts.values())}: {action.__name__}")
        action()
        QApplication.processEvents()
        self.counts[action.__name__] += 1
        return action.__name__

    def finish(self, timeout_ms: int = 20000) -> dict[str, str]:
        """Cancel what runs, let the debounced requests land, and wait for every worker thread:
        returns the jobs still running (a job that ignores its cancel keeps its slot or its thread)."""
        runner = self.window.runner
        QTest.qWait(200)
        deadline = time.monotonic() + timeout_ms / 1000
        quiet = 0
        while quiet < 5 and time.monotonic() < deadline:
            runner.cancel_all()
            QTest.qWait(40)
            quiet = 0 if runner.is_running() else quiet + 1
        left = runner.running()
        if not QThreadPool.globalInstance().waitForDone(max(int((deadline - time.monotonic()) * 1000), 1000)):
            left["threads"] = f"{QThreadPool.globalInstance().activeThreadCount()} worker threads still busy"
        QApplication.processEvents()
        return left

    # -- what is on screen ------------------------------------------------------------------
    def _visible(self, cls) -> list:
        def on_screen(w: QWidget) -> bool:
            top = w.window()
            return w.isVisible() and w.isEnabled() and (top is self.window or isinstance(top, QDockWidget))

        return [w for w in self.window.findChildren(cls) if on_screen(w)]

    def _choice(self, cls):
        found = self._visible(cls)
        return self.rng.choice(found) if found else None

    def _export_path(self) -> str:
        self._exports += 1
        suffix = self.rng.choice([".tsv", ".txt", ".csv", ".png", ".bin", ".vec"])
        folder = self.files["out"]
        folder.mkdir(exist_ok=True)
        return str(folder / f"export{self._exports % 5}{suffix}")

    def _close_modal(self) -> None:
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
            self.closed_by_watchdog += 1
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            modal.reject()
            self.closed_by_watchdog += 1

    # -- actions -------------------------------------------------------------------------------
    def type_text(self) -> None:
        box = self._choice(QLineEdit)
        if box is None or box.isReadOnly():
            return
        if self.rng.random() < 0.5:
            box.selectAll()
            QTest.keyClick(box, Qt.Key.Key_Delete)
        text = self.rng.choice(TEXTS + list(self.window.session.embeddings.words[:50]
                                            if self.window.session.embeddings is not None else []))
        type_into(box, text[:40])
        if self.rng.random() < 0.4:
            QTest.keyClick(box, self.rng.choice([Qt.Key.Key_Return, Qt.Key.Key_Backspace, Qt.Key.Key_Escape,
                                                 Qt.Key.Key_Down, Qt.Key.Key_Tab]))

    def spin(self) -> None:
        box = self._choice(QAbstractSpinBox)
        if box is None:
            return
        if self.rng.random() < 0.5:
            box.selectAll()
            QTest.keyClicks(box, self.rng.choice(["0", "1", "3", "50", "999999", "-1", "2.5", "x"]))
            QTest.keyClick(box, Qt.Key.Key_Return)
        else:
            for _ in range(self.rng.randint(1, 4)):
                QTest.keyClick(box, self.rng.choice([Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                                                     Qt.Key.Key_PageDown]))

    def click_button(self) -> None:
        button = self._choice(QAbstractButton)
        if button is None or button.text() in NOT_CLICKED:
            return
        menu = button.menu() if isinstance(button, QToolButton) else None
        if menu is not None:  # an InstantPopup menu would block in exec(): trigger one of its actions
            actions = [a for a in menu.actions() if a.isEnabled() and not a.isSeparator()]
            if actions:
                self.rng.choice(actions).trigger()
            return
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def pick_combo(self) -> None:
        combo = self._choice(QComboBox)
        if combo is None or combo.count() == 0:
            return
        if combo.isEditable() and self.rng.random() < 0.3:
            combo.lineEdit().selectAll()
            type_into(combo.lineEdit(), self.rng.choice(TEXTS)[:20])
            QTest.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
            return
        for _ in range(self.rng.randint(1, 3)):
            QTest.keyClick(combo, self.rng.choice([Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_End,
                                                   Qt.Key.Key_Home]))

    def click_row(self) -> None:
        view = self._choice(QAbstractItemView)
        model = view.model() if view is not None else None
        root = QModelIndex()
        if model is None or model.rowCount(root) == 0:
            return
        columns = 1 if isinstance(model, QAbstractListModel) else max(model.columnCount(root), 1)
        index = model.index(self.rng.randrange(model.rowCount(root)), self.rng.randrange(columns))
        view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        rect = view.visualRect(index)
        if rect.isEmpty():
            return
        click = QTest.mouseDClick if self.rng.random() < 0.2 else QTest.mouseClick
        click(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())

    def click_tab(self) -> None:
        bar = self._choice(QTabBar)
        if bar is None or bar.count() == 0:
            return
        rect = bar.tabRect(self.rng.randrange(bar.count()))
        if not rect.isEmpty():
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())

    def drag(self) -> None:
        """Press, move, release across a widget: draws on the pad, pans a plot, moves a slider, clicks a point."""
        candidates = [w for w in self._visible(QWidget) if not w.children() or isinstance(w, QAbstractSlider)
                      or w.objectName() in ("point_cloud",)] or [self.window]
        target = self.rng.choice(candidates)
        if isinstance(target, QAbstractSlider) and self.rng.random() < 0.5:
            QTest.keyClick(target, self.rng.choice([Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home,
                                                    Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right]))
            return
        w, h = max(target.width(), 1), max(target.height(), 1)
        points = [QPoint(self.rng.randrange(w), self.rng.randrange(h)) for _ in range(self.rng.randint(2, 6))]
        QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(target, p)
        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])

    def menu_action(self) -> None:
        actions = []
        stack = [m.menu() for m in self.window.menuBar().actions() if m.menu() is not None]
        while stack:
            menu: QMenu = stack.pop()
            for a in menu.actions():
                if a.menu() is not None:
                    stack.append(a.menu())
                elif a.isEnabled() and not a.isSeparator() and a.text() not in NOT_CLICKED \
                        and a is not self.window.open_action:
                    actions.append(a)
        if actions:
            self.rng.choice(actions).trigger()

    def open_file(self) -> None:
        key = self.rng.choice(["good", "packed", "bad", "truncated", "binary", "good"])
        self.window.open_file(self.files[key])

    def open_dialog(self) -> None:
        """File ▸ Open: the modal dialog is filled in (a good or a broken file) and accepted, or cancelled."""
        from gui.open_dialog import OpenDialog

        def fill() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, OpenDialog):
                return
            if self.rng.random() < 0.25:
                dialog.reject()
                return
            dialog.path.setText(str(self.files[self.rng.choice(["good", "bad", "packed", "binary"])]))
            dialog.limit.setValue(self.rng.choice([0, 100, 300]))
            dialog.accept()

        QTimer.singleShot(0, fill)
        self.window.open_action.trigger()

    def cancel_job(self) -> None:
        running = list(self.window.runner.running())
        if running:
            self.window.runner.cancel(self.rng.choice(running))

    def toggle_dock(self) -> None:
        dock = self.rng.choice(list(self.window.docks.values()))
        if self.rng.random() < 0.5:
            dock.toggleViewAction().trigger()
        else:
            self.window.raise_panel(dock.objectName())

    def float_dock(self) -> None:
        dock = self.rng.choice(list(self.window.docks.values()))
        if dock.isVisible():
            dock.setFloating(not dock.isFloating())

    def resize(self) -> None:
        if self.rng.random() < 0.2:
            self.window.reset_layout()
        else:
            self.window.resize(self.rng.randint(700, 1600), self.rng.randint(500, 1000))

    def projection(self) -> None:
        cloud = self.window.session.cloud
        if self.rng.random() < 0.7:
            cloud.method = self.rng.choice(["pca", "axes", "pca", "tsne", "umap"])
        else:
            cloud.point_count = self.rng.choice([500, 2000, 5000, 10000])

    def wait(self) -> None:
        QTest.qWait(self.rng.choice([0, 10, 30, 60, 150]))
