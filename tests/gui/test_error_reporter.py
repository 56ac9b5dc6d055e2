"""ErrorReporter (non-modal, details) and the excepthook (no dialog under test)."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget

from core.errors import Cancelled, FileFormatError
from gui import excepthook
from gui.error_reporter import ErrorReporter


def test_reporter_shows_a_non_modal_box_with_details(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    rep = ErrorReporter(parent)
    try:
        raise ValueError("boom")
    except ValueError as e:
        with qtbot.waitSignal(rep.reported):
            rep.job_failed("export", e)
    assert rep.history == [("Could not export", "ValueError: boom")]
    assert rep.box.isVisible() and not rep.box.isModal()
    assert "Traceback" in rep.box.detailedText() and "boom" in rep.box.detailedText()
    rep.report("x", FileFormatError("/tmp/a.txt", "bad number", line=4, expected="a number", found="abc"))
    assert rep.history[-1][1] == "/tmp/a.txt, line 4: bad number; expected a number, found 'abc'"
    assert rep.box.detailedText() == ""  # expected problems need no traceback
    rep.report("x", Cancelled())
    assert len(rep.history) == 2  # a cancel is not an error


def test_excepthook_never_shows_a_dialog_under_test(monkeypatch):
    shown = []
    hook = excepthook.ExceptHook(lambda m, d: shown.append(m))
    assert hook.show is None  # EMBEDDING_EXPLORER_TESTING=1
    monkeypatch.setattr(hook, "_prev_sys", lambda *a: None)
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        hook.sys_hook(*sys.exc_info())
    assert hook.count == 1 and shown == []


def test_excepthook_shows_uncaught_errors_from_any_thread(qtbot, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_TESTING", "0")
    shown = []
    hook = excepthook.ExceptHook(lambda m, d: shown.append((m, d)))
    try:
        raise RuntimeError("bug in a slot")
    except RuntimeError:
        hook.sys_hook(*sys.exc_info())
    qtbot.waitUntil(lambda: len(shown) == 1)
    assert shown[0][0] == "RuntimeError: bug in a slot" and "Traceback" in shown[0][1]

    import threading

    def worker():
        try:
            raise KeyError("in a thread")
        except KeyError:
            args = threading.ExceptHookArgs((*sys.exc_info(), threading.current_thread()))
            hook.thread_hook(args)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(shown) == 2)  # delivered on the GUI thread
    assert "in a thread" in shown[1][0] and hook.count == 2


def test_install_is_once():
    a = excepthook.install(None)
    try:
        assert excepthook.install(None) is a
        assert sys.excepthook == a.sys_hook
    finally:
        excepthook.uninstall()
    assert sys.excepthook != a.sys_hook
