"""A monkey in the window: seeded random actions on the real MainWindow (not a test; the tests run
2,000 of them in tests/gui/test_monkey.py).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/monkey.py [--actions 20000] [--seed 15] [--every 1000]

Each action is one thing a person could do: type into a visible line edit or spin box, click a
button, a list row or a tab, pick from a combo box, drag across a widget, trigger a menu action,
open a good, a compressed or a broken file, cancel a running job, close, reopen or float a dock,
resize the window, switch the projection, wait. Every file dialog returns a file of the run's temp
folder (QFileDialog's static getters are replaced); the Open dialog is filled in and accepted or
cancelled by a timer, and any other modal dialog or popup is closed by a watchdog. Prints the actions
run, the exceptions and Qt warnings seen (both must be 0), the jobs left running after a final
cancel, and the resident memory every ``--every`` actions.
"""
from __future__ import annotations

import argparse
import gzip
import random
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QPoint, Qt, QThreadPool, QTimer  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox,  # noqa: E402
                               QApplication, QComboBox, QDialog, QDockWidget, QFileDialog, QLineEdit, QMenu,
                               QTabBar, QToolButton, QWidget)

from core.embeddings.embedding_set import EmbeddingSet  # noqa: E402
from core.embeddings.exporters import write_word2vec_text  # noqa: E402
from core.progress import run_sync  # noqa: E402

TEXTS = ["king", "queen", "paris - france + italy", "man : king :: woman : ?", "the", "", " ", "zzzzqx", "KING",
         "é", "日本", "a" * 300, "king -", "((", "1e9", "-5", "0", "42", "3.5", "cat -> cats, dog -> dogs",
         "%s%d{}", "\t", "king + + queen", "the cat sat on the", "[MASK] is the capital of france"]
NOT_CLICKED = ("&Quit",)  # closing the window ends the run, not part of it


def write_files(folder: Path, es: EmbeddingSet) -> dict[str, Path]:
    """The files the monkey opens: good (plain and gzip), broken ones, a broken ONNX model, a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "small.txt"
    run_sync(write_word2vec_text(es, good, header=False, rows=range(400)))
    packed = folder / "small.txt.gz"
    packed.write_bytes(gzip.compress(good.read_bytes()))
    bad = folder / "bad.txt"
    bad.write_text("the 0.1 0.2 0.3\nof 0.1 0.2 0.3\nand 0.1 zero 0.3\n", encoding="utf-8")
    truncated = folder / "truncated.txt.gz"
    truncated.write_bytes(packed.read_bytes()[: packed.stat().st_size // 3])
    binary = folder / "huge.bin"
    binary.write_bytes(b"10 999999999\nthe \x00\x00\x80?")
    onnx = folder / "broken.onnx"
    onnx.write_bytes(b"\x08\x07\x12\x04nope" + bytes(range(64)))
    npy = folder / "numbers.npy"
    npy.write_bytes(b"\x93NUMPY\x01\x00garbage")
    picture = folder / "digit.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    corpus = folder / "corpus.txt"
    corpus.write_text(" ".join(es.words[:200]) * 5, encoding="utf-8")
    empty_dir = folder / "not-a-model"
    empty_dir.mkdir(exist_ok=True)
    return {"good": good, "packed": packed, "bad": bad, "truncated": truncated, "binary": binary, "onnx": onnx,
            "npy": npy, "picture": picture, "corpus": corpus, "folder": empty_dir, "out": folder / "out"}


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
    def __enter__(self) -> "Monkey":
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


# -- the long run --------------------------------------------------------------------------------
def _rss_mb() -> float:
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description="random actions on the real window")
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--every", type=int, default=1000, help="sample the resident memory every N actions")
    parser.add_argument("--words", type=int, default=20000, help="the set open at start: the N most frequent GloVe words")
    args = parser.parse_args()

    import os
    import tempfile
    import threading

    tmp = Path(tempfile.mkdtemp(prefix="ee-monkey-"))
    os.environ["EMBEDDING_EXPLORER_CONFIG"] = str(tmp / "config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["EMBEDDING_EXPLORER_TESTING"] = "1"  # errors are counted here, never shown in a dialog
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from core.embeddings.default_set import load_default
    from core.state.session import Session
    from core.state.settings import Settings
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    problems: list[str] = []
    ignored = ("This plugin does not support",)

    def on_message(kind, _context, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg and not message.startswith(ignored):
            problems.append(f"Qt: {message}")

    def hook(etype, value, tb) -> None:
        import traceback

        problems.append("".join(traceback.format_exception(etype, value, tb)))

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    qInstallMessageHandler(on_message)
    es = run_sync(load_default())
    session = Session()
    session.set_embeddings(es.subset(range(args.words), name=f"GloVe {args.words // 1000}k"))
    window = MainWindow(session, TaskRunner(), settings=Settings(), persist=False)
    window.show()
    files = write_files(tmp / "files", es)
    QTest.qWait(500)
    samples = [(0, _rss_mb())]
    t0 = time.perf_counter()
    print(f"{'actions':>8} {'RSS MB':>8} {'s':>6}")
    print(f"{0:8,d} {samples[0][1]:8.0f} {0:6.0f}", flush=True)
    with Monkey(window, files, args.seed) as monkey:
        for i in range(1, args.actions + 1):
            monkey.step()
            if i % args.every == 0:
                samples.append((i, _rss_mb()))
                print(f"{i:8,d} {samples[-1][1]:8.0f} {time.perf_counter() - t0:6.0f}", flush=True)
        left = monkey.finish()
    elapsed = time.perf_counter() - t0
    reports = list(window.reporter.history)
    window.close()
    first_half = [m for i, m in samples if i >= args.actions // 2]
    print(f"\n{args.actions:,} actions in {elapsed:.0f} s (seed {args.seed}): "
          + ", ".join(f"{n} {c}" for n, c in monkey.counts.most_common()))
    print(f"dialogs and popups closed by the watchdog: {monkey.closed_by_watchdog}")
    print(f"exceptions and Qt warnings: {len(problems)}; error reports: {len(reports)}; jobs left running: "
          f"{len(left)} {left or ''}")
    print(f"resident memory: {samples[0][1]:.0f} MB at start, {max(m for _, m in samples):.0f} MB at most, "
          f"{samples[-1][1]:.0f} MB at the end; growth over the second half "
          f"{first_half[-1] - first_half[0]:+.0f} MB")
    for p in problems[:10]:
        print("\n" + p)
    for r in reports[:10]:
        print("report:", r)
    return 1 if problems or reports or left else 0


if __name__ == "__main__":
    sys.exit(main())
