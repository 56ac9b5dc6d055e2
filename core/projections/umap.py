"""UMAP to 3D with umap-learn, in a worker process, cancellable while it runs.

Why a process: umap-learn's numba functions hold the GIL. Fitted on a thread, one
epoch over 50,000 points blocks every other Python thread, the GUI's included,
for 100-250 ms (measured: 36 stalls over 100 ms in one fit). So the fit runs in
a persistent child process (``python -c``, talking over a socketpair): the GUI
never waits, a cancel terminates the child at once (even in the neighbour
search), and numba compiles umap's functions once per child, not once per fit.

umap reports its epochs through tqdm; a small file object given as tqdm's
output turns "n/total" into progress messages. umap-learn exposes no
intermediate layouts. The fitted model stays in the child; the layout gets a
:class:`RemoteModel` whose ``transform`` places new words there. If the child
was terminated (a later fit was cancelled), or is busy fitting, placement falls
back to the neighbour mean (core.projections.placement).

In the installed (frozen) app the child is the executable itself (core/children.py). On
Windows (a Connection needs a POSIX socket here) the fit runs on a thread instead; large sets
may then stall the UI for an epoch at a time.
With a fixed ``random_state`` umap runs single-threaded (its own rule); we pass
``n_jobs=1`` so it does not warn about overriding it.
"""
from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
import warnings
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from .. import children
from ..embeddings.embedding_set import EmbeddingSet
from ..errors import Cancelled, ExplorerError
from ..progress import Job, Progress
from .layout import Layout, unit_rows

KEEP_MODELS = 3  # fitted models the child keeps for placement


# -- the child process ------------------------------------------------------------------
class _EpochHook:
    """tqdm's output stream: reports "n/total" through `report`."""

    def __init__(self, report) -> None:
        self.report = report

    def write(self, text: str) -> int:
        part = text.strip().split("/")
        if len(part) == 2 and part[0].isdigit() and part[1].isdigit():
            self.report(int(part[0]), int(part[1]))
        return len(text)

    def flush(self) -> None:
        pass


def _import_umap():
    with warnings.catch_warnings():  # umap-learn warns on import when TensorFlow is absent
        warnings.filterwarnings("ignore", message="Tensorflow not installed", category=ImportWarning)
        import umap as umap_learn
    return umap_learn


def _fit(X: np.ndarray, kwargs: dict, report) -> tuple[np.ndarray, Any, list[str]]:
    umap_learn = _import_umap()
    tqdm = {"disable": False, "file": _EpochHook(report), "mininterval": 0.1, "bar_format": "{n}/{total}",
            "ascii": True}
    model = umap_learn.UMAP(n_components=3, metric="euclidean", n_jobs=1, low_memory=True, tqdm_kwds=tqdm, **kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coords = np.asarray(model.fit_transform(X), dtype=np.float32)
    model.tqdm_kwds = {"disable": True}
    return coords, model, sorted({str(w.message) for w in caught})


def serve_fd(fd: int) -> None:
    """Entry point of the child process: serve requests on the inherited socket `fd`."""
    _serve(Connection(fd))


def _serve(conn) -> None:
    """The child's loop: fit and transform requests, one at a time."""
    models: OrderedDict[int, Any] = OrderedDict()
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        kind, key = msg[0], msg[1]
        try:
            if kind == "fit":
                coords, model, caught = _fit(msg[2], msg[3], lambda n, t, key=key: conn.send(("epoch", key, n, t)))
                models[key] = model
                while len(models) > KEEP_MODELS:
                    models.popitem(last=False)
                conn.send(("fitted", key, coords, caught))
            elif kind == "transform":
                if key not in models:
                    raise ExplorerError("the fitted UMAP model is no longer kept")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    conn.send(("transformed", key, np.asarray(models[key].transform(msg[2]), dtype=np.float32)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            conn.send(("error", key, f"{type(exc).__name__}: {exc}"))


# -- the parent side ----------------------------------------------------------------------
class _Worker:
    """The persistent child process; one request at a time (a lock).

    Started with subprocess (not multiprocessing), so the child never re-imports
    the parent's main script; it talks over a socketpair wrapped in a
    multiprocessing Connection (pickled messages).
    """

    _ids = itertools.count(1)

    def __init__(self) -> None:
        self.process, self.conn = children.start("core.projections.umap", "serve_fd")
        self.lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        children.stop(self.process, self.conn)

    def fit(self, X: np.ndarray, kwargs: dict) -> Job[tuple[np.ndarray, int, list[str]]]:
        key = next(self._ids)
        t0 = time.perf_counter()
        with self.lock:
            finished = False
            try:
                self.conn.send(("fit", key, X, kwargs))
                msg = f"UMAP: neighbour graph of {len(X):,} points"
                frac = 0.05
                while True:
                    while self.conn.poll(0.1):
                        reply = self.conn.recv()
                        if reply[0] == "epoch":
                            frac, msg = 0.3 + 0.7 * reply[2] / max(reply[3], 1), f"UMAP: epoch {reply[2]} of {reply[3]}"
                        elif reply[0] == "fitted":
                            finished = True
                            return reply[2], key, reply[3]
                        elif reply[0] == "error":
                            finished = True
                            raise ExplorerError(f"UMAP failed: {reply[2]}")
                    if not self.alive:
                        finished = True
                        raise ExplorerError("the UMAP worker process ended unexpectedly")
                    yield Progress(frac, msg if frac > 0.05 else f"{msg} ({time.perf_counter() - t0:.0f} s)")
            finally:
                if not finished:  # closed (cancelled) mid-fit: stop the child now
                    _drop(self)

    def transform(self, key: int, V: np.ndarray, timeout: float = 60.0) -> np.ndarray:
        if not self.lock.acquire(blocking=False):
            raise ExplorerError("the UMAP worker is busy fitting")
        try:
            self.conn.send(("transform", key, np.asarray(V, dtype=np.float32)))
            if not self.conn.poll(timeout):
                raise ExplorerError("UMAP transform timed out")
            reply = self.conn.recv()
            if reply[0] != "transformed":
                raise ExplorerError(f"UMAP transform failed: {reply[2]}")
            return reply[2]
        finally:
            self.lock.release()


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _get_worker() -> _Worker:
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.alive:
            _worker = _Worker()
        return _worker


def _drop(worker: _Worker) -> None:
    global _worker
    worker.kill()
    with _worker_lock:
        if _worker is worker:
            _worker = None


@atexit.register
def stop_worker() -> None:
    """End the child process (at exit, so no UMAP process outlives the app)."""
    with _worker_lock:
        worker = _worker
    if worker is not None and worker.alive:
        _drop(worker)


class RemoteModel:
    """A fitted UMAP kept in the worker process; ``transform`` places new (unit) vectors."""

    def __init__(self, worker: _Worker, key: int) -> None:
        self.worker, self.key = worker, key

    @property
    def alive(self) -> bool:
        return self.worker.alive

    def transform(self, V: np.ndarray) -> np.ndarray:
        return self.worker.transform(self.key, V)


class _LocalModel:
    """A fitted UMAP in this process (the frozen-app fallback)."""

    alive = True

    def __init__(self, model: Any) -> None:
        self.model = model

    def transform(self, V: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.model.transform(V), dtype=np.float32)


def _fit_on_thread(X: np.ndarray, kwargs: dict) -> Job[tuple[np.ndarray, Any, list[str]]]:
    box: dict[str, Any] = {"epoch": (0, 0)}
    stop = threading.Event()

    def report(n: int, total: int) -> None:
        if stop.is_set():
            raise Cancelled()
        box["epoch"] = (n, total)

    def run() -> None:
        try:
            box["result"] = _fit(X, kwargs, report)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the job's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="umap-fit", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
            n, total = box["epoch"]
            yield Progress(0.3 + 0.7 * n / total if total else 0.05, f"UMAP: epoch {n} of {total}" if total else
                           f"UMAP: neighbour graph of {len(X):,} points")
    finally:
        stop.set()
    if "error" in box:
        raise box["error"]
    coords, model, caught = box["result"]
    return coords, _LocalModel(model), caught


def umap(es: EmbeddingSet, rows: np.ndarray, p: dict[str, Any]) -> Job:
    t0 = time.perf_counter()
    X = unit_rows(es, rows, p["normalize"])
    n_neighbors = min(int(p["n_neighbors"]), len(X) - 1)
    kwargs = {"n_neighbors": n_neighbors, "min_dist": float(p["min_dist"]), "random_state": int(p["seed"])}
    yield Progress(0.0, "UMAP: starting")
    if os.name != "posix":
        coords, model, caught = yield from _fit_on_thread(X, kwargs)
    else:
        for _ in range(20):  # a previous fit whose job was abandoned (not closed) may still hold it
            worker = _get_worker()  # again each time: a cancelled fit stops its worker when it lets go
            if not worker.lock.locked() and not worker.conn.closed:
                break
            yield Progress(0.0, "UMAP: stopping the previous run")
            time.sleep(0.1)
        else:
            _drop(worker)
            worker = _get_worker()
        coords, key, caught = yield from worker.fit(X, kwargs)
        model = RemoteModel(worker, key)
    info = {"seconds": time.perf_counter() - t0, "n_neighbors": n_neighbors, "warnings": caught}
    return Layout("umap", (), rows, coords, ("UMAP 1", "UMAP 2", "UMAP 3"), info, model=model)
