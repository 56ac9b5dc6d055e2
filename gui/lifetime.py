"""Connections that end with the widget that made them.

A panel watches the Session (psygnal) and the task runner (Qt). When its dock is closed or rebuilt the
widget's C++ half is deleted, but a result still in flight would then call the Python half and raise
("Internal C++ object already deleted"). :func:`bind` connects a slot and disconnects it when the owner
is destroyed, so such a result reaches no one and is dropped quietly.
"""
from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, SignalInstance


def bind(owner: QObject, signal: Any, slot: Callable) -> None:
    """``signal.connect(slot)`` (a psygnal SignalInstance or a Qt signal) until ``owner`` is destroyed."""
    signal.connect(slot)
    if isinstance(signal, SignalInstance) and isinstance(getattr(slot, "__self__", None), QObject):
        return  # Qt ends a connection to a QObject's method with that object

    # a bound method is held weakly here, as psygnal holds it: this connection must not keep its object alive
    held = weakref.WeakMethod(slot) if inspect.ismethod(slot) else (lambda: slot)

    def release(*_args) -> None:
        target = held()
        if target is None:  # the object went first: psygnal dropped the connection with it
            return
        try:
            signal.disconnect(target)
        except (RuntimeError, TypeError, ValueError, SystemError):  # already gone with its sender
            pass

    owner.destroyed.connect(release)
