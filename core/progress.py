"""Progress reports and cooperative cancellation for long jobs.

Long work in ``core`` is written as a generator that yields :class:`Progress`
and returns its result (``return value`` -> ``StopIteration.value``). The GUI
runs such a generator on a worker thread and stops it between yields; the CLI
and tests drive it with :func:`run_sync`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1, or -1 when unknown
    message: str = ""
    payload: object = None  # optional intermediate result (e.g. a t-SNE layout)


Job = Generator[Progress, None, T]


class CancelToken:
    """A flag shared between the caller and a job; the job checks it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        from .errors import Cancelled

        if self._event.is_set():
            raise Cancelled()


def run_sync(job: Job[T], callback: Callable[[Progress], None] | None = None) -> T:
    """Drive a job generator to its end and return its result."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if callback is not None:
            callback(p)


BACKGROUND_NICE = 10


def background_priority() -> None:
    """Lower the calling thread's scheduling priority (Linux: nice +10 for this thread only).

    With two cores and several jobs at once, the window's thread would otherwise get a
    third of a core while it paints. A thread that is lowered already is left alone;
    elsewhere than Linux this does nothing."""
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        if os.getpriority(os.PRIO_PROCESS, tid) < base + BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, min(base + BACKGROUND_NICE, 19))
    except OSError:
        pass


def scaled(job: Job[T], start: float, end: float, prefix: str = "") -> Job[T]:
    """Run a nested job as part of a larger one: its fractions are mapped into ``start..end``
    (unknown stays unknown), its messages get ``prefix``, and its result is returned.

        result = yield from scaled(build_one(name), i / n, (i + 1) / n, f"{name}: ")

    Closing the outer job closes the nested one at once (its cleanup runs now)."""
    try:
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                return stop.value
            f = p.fraction if p.fraction < 0 else start + (end - start) * p.fraction
            yield Progress(f, prefix + p.message, p.payload)
    finally:
        job.close()
