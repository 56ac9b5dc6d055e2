"""The session cache: every onnxruntime session the app opens is kept here, once per key, within a
byte budget, and let go when idle (core.inference.runtime opens them; core.inference.any_model too).

* Least recently used first out: each session is counted at its file's (or graph's) size, and opening
  one past :func:`budget_bytes` (``$EE_MODEL_BUDGET_MB``, default 1536 MB) drops the least recently used.
  Only the cache's reference goes: a caller (a running job, an open model) still holding the session
  keeps it working, and Python frees it when the last holder lets go.
* :func:`release_idle` lets go of what nobody asked for in ``$EE_MODEL_IDLE_S`` seconds (5 minutes).
* :func:`held` says what the cache holds, :func:`alive` every session still alive, cached or not.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..release import release_later

BUDGET_ENV = "EE_MODEL_BUDGET_MB"
DEFAULT_BUDGET_MB = 1536
T = TypeVar("T")


@dataclass
class _Held:
    session: object  # an OnnxSession, or an ort.InferenceSession (core.inference.any_model)
    label: str
    size: int  # estimated bytes: the ONNX file's or the graph's size
    used: float = field(default_factory=time.monotonic)  # when it was last asked for


_sessions: OrderedDict[tuple, _Held] = OrderedDict()  # least recently used first
_sessions_lock = threading.Lock()
# Every session made here that is still alive, cached or not (a model object keeps its sessions after
# the cache let go of them): what the Session's memory report lists, weakly.
_alive: dict[int, tuple[weakref.ref, str, int]] = {}


def _track(made: object, label: str, size: int) -> None:
    key = id(made)
    _alive[key] = (weakref.ref(made, lambda _ref: _alive.pop(key, None)), label, size)


def budget_bytes() -> int:
    """How many bytes of sessions the cache keeps: ``$EE_MODEL_BUDGET_MB`` megabytes (MiB), else
    :data:`DEFAULT_BUDGET_MB`. The session just opened is always kept, even alone over budget."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_BUDGET_MB
    except ValueError:
        mb = DEFAULT_BUDGET_MB
    return max(0, int(mb * 2**20))


def cached_session(key: tuple, label: str, create: Callable[[], tuple[T, int]]) -> T:
    """The session cached under ``key`` (now the most recently used), else the one ``create()``
    makes, cached with its label and the estimated bytes ``create()`` returns beside it; then the
    least recently used others are dropped until the cache fits :func:`budget_bytes`."""
    with _sessions_lock:
        hit = _sessions.get(key)
        if hit is not None:
            _sessions.move_to_end(key)
            hit.used = time.monotonic()
            return hit.session
        made, size = create()
        _sessions[key] = _Held(made, label, int(size))
        _track(made, label, int(size))
        budget, total = budget_bytes(), sum(h.size for h in _sessions.values())
        dropped = []
        while total > budget and len(_sessions) > 1:
            _, held = _sessions.popitem(last=False)  # the cache lets go; holders keep theirs
            total -= held.size
            dropped.append(held.session)
    release_later(*dropped)  # freed (and the heap trimmed) on the release thread
    return made


IDLE_ENV = "EE_MODEL_IDLE_S"
DEFAULT_IDLE_S = 300


def idle_seconds() -> float:
    """After how long unused a session is let go (:func:`release_idle`): ``$EE_MODEL_IDLE_S``, else
    :data:`DEFAULT_IDLE_S` (5 minutes)."""
    try:
        return max(0.0, float(os.environ.get(IDLE_ENV, "") or DEFAULT_IDLE_S))
    except ValueError:
        return float(DEFAULT_IDLE_S)


def release_idle(max_idle_s: float | None = None) -> list[str]:
    """Let go of the sessions nobody asked for in ``max_idle_s`` seconds (:func:`idle_seconds` by
    default): the work with them has ended, and a model object holds no session of its own, so
    their memory goes back to the system (off the caller's thread). A later use opens them again.
    Never waits: while a model is being opened (the cache is locked), nothing is let go this time.
    Returns the labels let go."""
    limit = idle_seconds() if max_idle_s is None else max_idle_s
    now = time.monotonic()
    if not _sessions_lock.acquire(blocking=False):
        return []
    try:
        idle = [k for k, h in _sessions.items() if now - h.used >= limit]
        dropped = [_sessions.pop(k) for k in idle]
    finally:
        _sessions_lock.release()
    release_later(*(h.session for h in dropped))
    return [h.label for h in dropped]


def cached(key: tuple) -> object | None:
    """The session cached under ``key`` (now the most recently used), or None when the cache let it
    go: a model object asks this first, without looking at its files again."""
    with _sessions_lock:
        hit = _sessions.get(key)
        if hit is None:
            return None
        _sessions.move_to_end(key)
        hit.used = time.monotonic()
        return hit.session


def held() -> list[tuple[str, int]]:
    """What the session cache holds: (label, estimated bytes), least recently used first."""
    with _sessions_lock:
        return [(h.label, h.size) for h in _sessions.values()]


def alive() -> list[tuple[str, int, bool]]:
    """Every session opened here that is still alive: (label, estimated bytes, whether the cache
    holds it). One the cache dropped lives on while a model object or a job still holds it."""
    with _sessions_lock:
        cached = {id(h.session) for h in _sessions.values()}
        return [(label, size, key in cached) for key, (ref, label, size) in list(_alive.items())
                if ref() is not None]


def clear() -> None:
    """Forget every cached session (tests; after a rebuild)."""
    with _sessions_lock:
        _sessions.clear()


__all__ = [
    "BUDGET_ENV",
    "DEFAULT_BUDGET_MB",
    "DEFAULT_IDLE_S",
    "IDLE_ENV",
    "alive",
    "budget_bytes",
    "cached",
    "cached_session",
    "clear",
    "held",
    "idle_seconds",
    "release_idle",
]
