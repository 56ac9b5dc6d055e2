"""Progress reports and cooperative cancellation for long jobs.

Long work in ``core`` is written as a generator that yields :class:`Progress`
and returns its result (``return value`` -> ``StopIteration.value``). The GUI
runs such a generator on a worker thread and stops it between yields; the CLI
and tests drive it with :func:`run_sync`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Generator, TypeVar

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
