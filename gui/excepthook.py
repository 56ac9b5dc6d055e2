"""Uncaught exceptions (bugs) anywhere, GUI thread or worker thread, are logged and shown.

Installed once by ``gui.app.run_gui``. With EMBEDDING_EXPLORER_TESTING=1 (set by the
tests) no dialog ever opens: the traceback goes to the log and stderr, and the
previous hook (pytest-qt's, which fails the test) still runs.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger("embedding_explorer.uncaught")


def testing() -> bool:
    return os.environ.get("EMBEDDING_EXPLORER_TESTING") == "1"


class _Relay(QObject):
    """Carries a report from any thread to the GUI thread (queued connection)."""

    caught = Signal(str, str)  # message, traceback


class ExceptHook:
    def __init__(self, show: Callable[[str, str], None] | None) -> None:
        self.show = None if testing() else show
        self.count = 0  # uncaught exceptions seen (main.py --screenshot exits non-zero if any)
        self._relay = _Relay()
        self._relay.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._prev_sys = sys.excepthook
        self._prev_thread = threading.excepthook

    def _handle(self, etype, value, tb, where: str) -> None:
        self.count += 1
        text = "".join(traceback.format_exception(etype, value, tb))
        log.error("uncaught exception in %s\n%s", where, text)
        if self.show is not None:
            self._relay.caught.emit(f"{etype.__name__}: {value}", text)

    def _show(self, message: str, details: str) -> None:
        if self.show is not None:
            self.show(message, details)

    def sys_hook(self, etype, value, tb) -> None:
        if issubclass(etype, KeyboardInterrupt):
            self._prev_sys(etype, value, tb)
            return
        self._handle(etype, value, tb, "the GUI thread")
        if testing():
            self._prev_sys(etype, value, tb)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "a thread"
        self._handle(args.exc_type, args.exc_value, args.exc_traceback, name)
        if testing():
            self._prev_thread(args)

    def uninstall(self) -> None:
        sys.excepthook = self._prev_sys
        threading.excepthook = self._prev_thread


_installed: ExceptHook | None = None


def install(show: Callable[[str, str], None] | None) -> ExceptHook:
    """Install the hooks once; later calls return the installed one (with `show` updated)."""
    global _installed
    if _installed is None:
        _installed = ExceptHook(show)
        sys.excepthook = _installed.sys_hook
        threading.excepthook = _installed.thread_hook
    elif not testing():
        _installed.show = show
    return _installed


def uninstall() -> None:
    global _installed
    if _installed is not None:
        _installed.uninstall()
        _installed = None
