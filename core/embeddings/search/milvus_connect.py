"""Reaching Milvus: an embedded Milvus Lite database (a folder in the user data folder, no server
to start) or a Milvus server or cluster by URI and token, through pymilvus's ``MilvusClient``.

    target = MilvusTarget()                                   # the default Milvus Lite database
    target = MilvusTarget("http://milvus.lab:19530", token="root:Milvus")
    client = yield from connect(target)                       # in a job: waits without blocking its caller

A URI that does not answer fails within ``timeout`` seconds with a message that says so.
Every call that may wait on Milvus runs on a helper thread while the job yields progress, so a
window's Cancel stops waiting at once. The token lives only in the MilvusTarget in memory: it
is never written to the settings, the export records or a log.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ...errors import ExplorerError
from ...io import atomic_write_json
from ...paths import data_dir
from ...progress import Job, Progress

T = TypeVar("T")
TIMEOUT = 5.0  # seconds a server may take to answer the first call
LITE_NAME = "explorer.db"


class MilvusError(ExplorerError):
    """Milvus could not be reached, or a collection cannot be used as asked."""


def default_lite_path() -> Path:
    return data_dir() / "milvus" / LITE_NAME


@dataclass(frozen=True)
class MilvusTarget:
    """Where a collection lives: a Milvus Lite database path (``…/name.db``) or a server URI."""

    uri: str = ""  # "" = the default Milvus Lite database in the user data folder
    token: str = field(default="", repr=False, compare=False)  # "user:password" or an API key; memory only
    timeout: float = TIMEOUT

    @property
    def resolved(self) -> str:
        return self.uri.strip() or str(default_lite_path())

    @property
    def is_lite(self) -> bool:
        u = self.resolved
        return "://" not in u or u.startswith("file://")

    @property
    def lite_path(self) -> Path:
        u = self.resolved
        return Path(u[len("file://"):] if u.startswith("file://") else u).expanduser()

    @property
    def shown(self) -> str:
        """The address as shown to the user (never the token)."""
        return f"Milvus Lite {self.lite_path}" if self.is_lite else f"Milvus {self.resolved}"


def milvus_exception() -> type[Exception]:
    """pymilvus's exception class (imported here, after its libraries were told to be quiet)."""
    _quiet_libraries()
    try:
        from pymilvus.exceptions import MilvusException
    except ImportError:
        raise MilvusError(NOT_INSTALLED) from None
    return MilvusException


# The installed app leaves pymilvus out: it imports pandas and pyarrow (about 250 MB), more than the
# rest of the app's libraries together (packaging/embedding-explorer.spec).
NOT_INSTALLED = ("Milvus needs the pymilvus and milvus-lite packages, which this installed app does not carry "
                 "(with what they import they would double its size); exact search and the HNSW index work "
                 "here. To use Milvus, run Embedding Explorer from a source checkout (./run.sh).")


def _quiet_libraries() -> None:
    """pymilvus logs every failed call with a traceback, gRPC's C core prints keep-alive chatter;
    the errors reach the user through MilvusError messages instead."""
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def waiting(fn: Callable[[], T], message: str, *, fraction: float = -1.0, poll: float = 0.1) -> Job[T]:
    """Run ``fn`` on a helper thread and yield progress until it returns; closing the job stops the
    wait (the call itself ends on its own, its result is dropped)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the job's thread below
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, name="milvus-call", daemon=True).start()
    while not done.wait(poll):
        yield Progress(fraction, message)
    if "error" in box:
        raise box["error"]
    return box["value"]


def connect(target: MilvusTarget) -> Job[Any]:
    """A MilvusClient for the target; MilvusError (within ``timeout`` s for a server) when it fails."""
    _quiet_libraries()
    yield Progress(-1, f"connecting to {target.shown}")
    MilvusException = milvus_exception()
    from pymilvus import MilvusClient

    if target.is_lite:
        path = target.lite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        # in-process server: no keep-alive pings (during a long index build it answers them with GOAWAY)
        make = lambda: MilvusClient(str(path), timeout=target.timeout,  # noqa: E731
                                    grpc_options={"grpc.keepalive_time_ms": 3_600_000})
    else:
        make = lambda: MilvusClient(uri=target.resolved, token=target.token, timeout=target.timeout)  # noqa: E731
    t0 = time.monotonic()
    try:
        client = yield from waiting(make, f"connecting to {target.shown}")
    except MilvusException as e:
        raise explain(e, target, time.monotonic() - t0) from None
    return client


def explain(e: Exception, target: MilvusTarget, waited: float | None = None) -> MilvusError:
    """A user's message for a pymilvus failure."""
    text = str(getattr(e, "message", "") or e)
    if target.is_lite and "Open local milvus failed" in text:
        if _lite_locked(target.lite_path):
            return MilvusError(f"the Milvus Lite database {target.lite_path} is open in another process (another "
                               "window or command); close it there, or use a Milvus server")
        return MilvusError(f"the Milvus Lite database {target.lite_path} cannot be opened: {text}")
    if "Fail connecting" in text or "server unavailable" in text or "UNAVAILABLE" in text or "DEADLINE" in text:
        after = f" (waited {waited:.0f} s)" if waited is not None else ""
        return MilvusError(f"{target.shown} does not answer{after}; check the address, that the server runs "
                           "and that this machine can reach it")
    if "UNIMPLEMENTED" in text or "not a Milvus" in text:
        return MilvusError(f"{target.shown} answered, but not as a Milvus gRPC port (default 19530): {text[:160]}")
    if "auth" in text.lower() or "token" in text.lower() or "credential" in text.lower():
        return MilvusError(f"{target.shown} refused the credentials: {text[:200]}")
    return MilvusError(f"{target.shown}: {text[:300]}")


def _lite_locked(path: Path) -> bool:
    import fcntl

    try:
        with open(path / "LOCK", "a+b") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def release(target: MilvusTarget) -> None:
    """Stop this process's Milvus Lite server for the target (its files are closed and unlocked)."""
    if target.is_lite:
        try:
            from milvus_lite import server_manager_instance
        except ImportError:
            return
        server_manager_instance.release_server(str(target.lite_path))


# -- what was exported where (no token) -----------------------------------------------------
def registry_path() -> Path:
    return data_dir() / "milvus" / "exports.json"


def read_registry() -> list[dict]:
    try:
        data = json.loads(registry_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def remember_export(entry: dict) -> None:
    """Record (uri, collection) -> set fingerprint, count, recall; replaces an older record of that pair."""
    assert "token" not in entry
    keep = [d for d in read_registry() if (d.get("uri"), d.get("collection")) != (entry["uri"], entry["collection"])]
    try:
        atomic_write_json(registry_path(), [entry] + keep)
    except OSError:
        pass  # a read-only data folder only costs the automatic reconnection


def exports_of(fingerprint: str) -> list[dict]:
    """Complete exports of the set with this fingerprint, most recent first."""
    return [d for d in read_registry() if d.get("fingerprint") == fingerprint and d.get("complete")]
