"""Free large objects off the caller's thread, a piece at a time.

Dropping the last reference to a 400,000-word set frees its word list, its word index and its
arrays inside one call, holding the interpreter all along: 13 ms for GloVe's, 25 ms with its
search engines. Done where the window switches sets, that is 25 ms of frozen window. Instead:

    release_later(old_set, old_engines)   # keeps them for DELAY_S, then frees them on a helper thread

After DELAY_S (when the panels have let go of the old set), an object that nobody else holds any
more has its attributes taken off one by one, and a list or dict that only it held is emptied
CHUNK items at a time, so the helper gives the interpreter back between pieces. An object or
attribute still held elsewhere is only dropped: whoever holds it frees it as before.

Then the C heap is trimmed (:func:`trim`): glibc keeps memory that Python, numpy and onnxruntime
freed for later use, so without it a process that once held a model keeps its size (826 MB after
SmolLM2 was opened and closed, 109 MB after a trim).
"""
from __future__ import annotations

import ctypes
import functools
import itertools
import queue
import sys
import threading
import time

DELAY_S = 1.0
CHUNK = 5_000

_queue: queue.SimpleQueue = queue.SimpleQueue()
_thread: threading.Thread | None = None
_lock = threading.Lock()
_pending = 0  # batches queued or being freed (tests wait for 0)


def release_later(*objects: object) -> None:
    """Keep `objects` for DELAY_S, then free them on the helper thread (None items are skipped)."""
    global _thread, _pending
    objects = tuple(o for o in objects if o is not None)
    if not objects:
        return
    with _lock:
        _pending += 1
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="release", daemon=True)
            _thread.start()
    _queue.put((time.monotonic() + DELAY_S, list(objects)))


def pending() -> int:
    return _pending


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere (macOS, musl, Windows)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def trim() -> bool:
    """Give the C heap's free memory back to the system (glibc); False where there is no way to."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True


def _work() -> None:
    global _pending
    from .progress import background_priority

    background_priority()
    while True:
        due, objects = _queue.get()
        time.sleep(max(0.0, due - time.monotonic()))
        while objects:
            _dismantle(objects)
        del objects
        trim()
        with _lock:
            _pending -= 1


def _dismantle(objects: list) -> None:
    """Free the last object of `objects` (popped), piece by piece if only the list held it."""
    obj = objects.pop()
    # held by: `obj`, getrefcount's argument; anything more is someone else
    if sys.getrefcount(obj) > 2 or isinstance(obj, type):
        return
    if isinstance(obj, (list, dict)):
        _empty(obj)
        return
    if isinstance(obj, tuple):
        objects.extend(obj)
        return
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict) and sys.getrefcount(attributes) <= 3:  # + `attributes`, the argument
        for key in list(attributes):
            value = attributes.pop(key)
            if isinstance(value, (list, dict)) and sys.getrefcount(value) <= 2:
                _empty(value)
            del value
            time.sleep(0)


def _empty(container: list | dict) -> None:
    """Empty a list or dict CHUNK items at a time (each step a short call: the interpreter is handed on)."""
    if isinstance(container, list):
        while container:
            del container[-CHUNK:]
            time.sleep(0)  # hands the interpreter to a thread waiting for it (the window's)
        return
    while container:
        for key in list(itertools.islice(container, CHUNK)):
            del container[key]
        time.sleep(0)
