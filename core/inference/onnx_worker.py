"""Any ONNX model, opened and run in a child process (Qt-free).

Why a process: reading a protobuf graph, ONNX shape inference and copying a graph with extra
outputs run in C++ that holds the GIL. On a thread they block every other Python thread, the
window's included: measured here, opening MiniLM (90 MB) froze it for 1.4 s and its first
exposed tensor for 0.6 s; SmolLM2 (540 MB) for 4 s at a time. In the child the window never
waits, and cancelling (another model chosen while one opens) ends the child at once.

    worker = OnnxWorker()
    listing = run_sync(worker.open(path))            # Listing: tensors, inputs, outputs
    values = run_sync(worker.run(["relu1"], choice))  # TensorValues

The child keeps the last model it opened (its graph and sessions). It is started with
subprocess (``python -c``) and talks over a socketpair wrapped in a multiprocessing Connection
(our own pickled messages; no file is ever unpickled). An expected problem in the child comes
back as the same kind of ExplorerError with the same message. In a frozen app or on Windows
the model is opened on the calling thread instead (as before: the window may stall).
"""
from __future__ import annotations

import os
import sys
import threading
import traceback
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .. import children
from ..errors import ExplorerError, FileFormatError, InputError, ModelCorruptError
from ..progress import Job, Progress
from .any_model import AnyModel, InputChoice, InputSpec, TensorValues, run_job
from .graph import TensorInfo

ERRORS = {cls.__name__: cls for cls in (FileFormatError, InputError, ModelCorruptError, ExplorerError)}


@dataclass(frozen=True, eq=False)
class Listing:
    """What a panel shows about an opened model (the graph itself stays in the child)."""

    path: Path
    tensors: list[TensorInfo]
    inputs: list[InputSpec]
    outputs: list[str]


def listing_of(model: AnyModel) -> Listing:
    return Listing(model.path, model.tensors, model.inputs, model.outputs)


# -- the child ---------------------------------------------------------------------------------
def serve_fd(fd: int) -> None:
    """Entry point of the child process: serve requests on the inherited socket ``fd``."""
    conn = Connection(fd)
    model: AnyModel | None = None
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        try:
            if msg[0] == "open":
                model = None  # the old graph goes before the new one is read
                model = AnyModel(msg[1])
                conn.send(("ok", listing_of(model)))
            elif msg[0] == "run":
                if model is None or str(model.path) != msg[1]:  # a new child (the last one was stopped)
                    model = None
                    model = AnyModel(msg[1])
                conn.send(("ok", _finish(run_job(model, msg[2], msg[3]))))
        except ExplorerError as exc:
            conn.send(("error", type(exc).__name__, str(exc)))
        except Exception:  # noqa: BLE001 - a bug: its traceback goes to the parent
            conn.send(("bug", "", traceback.format_exc()))


def _finish(job):
    try:
        while True:
            next(job)
    except StopIteration as stop:
        return stop.value


# -- the parent --------------------------------------------------------------------------------
class _Child:
    def __init__(self) -> None:
        self.process, self.conn = children.start("core.inference.onnx_worker", "serve_fd")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        children.stop(self.process, self.conn)


def rebuilt(kind: str, text: str) -> ExplorerError:
    """The child's error as the same class with exactly its message (FileFormatError's message,
    already made from its parts, is kept as it is; its parts stay in the child)."""
    cls = ERRORS.get(kind, ExplorerError)
    exc = cls.__new__(cls)
    Exception.__init__(exc, text)
    if isinstance(exc, FileFormatError):
        exc.path, exc.line, exc.column, exc.expected, exc.found, exc.reason = "", None, None, None, None, text
    return exc


def _kill(box: list) -> None:
    child, box[0] = box[0], None
    if child is not None:
        child.kill()


class OnnxWorker:
    """One child process at a time, one request at a time."""

    def __init__(self) -> None:
        self._box: list[_Child | None] = [None]  # the child, ended when this worker goes (or at exit)
        weakref.finalize(self, _kill, self._box)
        self._lock = threading.Lock()
        self.in_process = getattr(sys, "frozen", False) or os.name != "posix"
        self._local: AnyModel | None = None

    def _ask(self, msg: tuple, what: str) -> Job:
        if not self._lock.acquire(timeout=10):
            raise ExplorerError("the ONNX worker is busy")
        done = False
        try:
            if self._box[0] is None or not self._box[0].alive:
                self._box[0] = _Child()
            child = self._box[0]
            child.conn.send(msg)
            while True:
                while child.conn.poll(0.05):
                    reply = child.conn.recv()
                    done = True
                    if reply[0] == "ok":
                        return reply[1]
                    if reply[0] == "bug":
                        raise RuntimeError(f"the ONNX worker failed:\n{reply[2]}")
                    raise rebuilt(reply[1], reply[2])
                if not child.alive:
                    done = True
                    raise ExplorerError(f"the ONNX worker process ended unexpectedly while {what} "
                                        f"(exit status {child.process.returncode}; out of memory?)")
                yield Progress(-1, what)
        finally:
            if not done:  # cancelled mid-request: the child may be busy for seconds
                self.stop()
            self._lock.release()

    def open(self, path: str | Path) -> Job[Listing]:
        """Open (and check) a model; the child keeps it for :meth:`run`."""
        if self.in_process:
            yield Progress(-1, f"reading {Path(path).name}")
            self._local = AnyModel(path)
            return listing_of(self._local)
        return (yield from self._ask(("open", str(path)), f"reading {Path(path).name}"))

    def run(self, listing: Listing, names: list[str], choice: InputChoice) -> Job[TensorValues]:
        if self.in_process:
            if self._local is None or self._local.path != listing.path:
                self._local = AnyModel(listing.path)
            return (yield from run_job(self._local, names, choice))
        return (yield from self._ask(("run", str(listing.path), list(names), choice), f"running {listing.path.name}"))

    @property
    def child(self) -> _Child | None:
        return self._box[0]

    def stop(self) -> None:
        """End the child now (a later request starts a new one)."""
        _kill(self._box)
