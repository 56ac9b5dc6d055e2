"""Child processes that serve one parent over a socketpair: started with ``python -c`` (never
re-importing the parent's main script) or, in the installed (frozen) app, as the executable itself
with ``--child MODULE FUNCTION FD`` (main.py serves it before anything else); talking through a
multiprocessing Connection (our own pickled messages), ended on request. Used where work holds the
GIL for long (UMAP's numba code, reading large ONNX graphs), so the window's thread never waits for it.

    process, conn = start("core.projections.umap", "serve_fd")   # the child calls serve_fd(fd)
    conn.send(request); reply = conn.recv()
    stop(process, conn)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

CHILD_FLAG = "--child"


def start(module: str, function: str) -> tuple[subprocess.Popen, Connection]:
    """A child running ``module.function(fd)`` on its end of a new socketpair."""
    if not module.startswith("core."):
        raise ValueError(f"children serve core modules only, not {module!r}")
    parent, child = socket.socketpair()
    if getattr(sys, "frozen", False):
        command, env = [sys.executable, CHILD_FLAG, module, function], dict(os.environ)
    else:
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-c", f"import sys; from {module} import {function}; {function}(int(sys.argv[1]))"]
    process = subprocess.Popen(
        [*command, str(child.fileno())], pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL
    )
    child.close()
    return process, Connection(parent.detach())


def serve(argv: list[str]) -> int:
    """The child side in the installed app: ``--child MODULE FUNCTION FD`` (from :func:`start`)."""
    import importlib

    module, function, fd = argv
    if not module.startswith("core."):
        raise SystemExit(f"children serve core modules only, not {module!r}")
    getattr(importlib.import_module(module), function)(int(fd))
    return 0


def stop(process: subprocess.Popen, conn: Connection) -> None:
    """Terminate the child (kill it if it does not go within 2 s) and close the connection."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(2)
    conn.close()
