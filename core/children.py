"""Child processes that serve one parent over a socketpair: started with ``python -c`` (never
re-importing the parent's main script), talking through a multiprocessing Connection (our own
pickled messages), ended on request. Used where work holds the GIL for long (UMAP's numba
code, reading large ONNX graphs), so the window's thread never waits for it.

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


def start(module: str, function: str) -> tuple[subprocess.Popen, Connection]:
    """A child running ``module.function(fd)`` on its end of a new socketpair."""
    parent, child = socket.socketpair()
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    code = f"import sys; from {module} import {function}; {function}(int(sys.argv[1]))"
    process = subprocess.Popen([sys.executable, "-c", code, str(child.fileno())], pass_fds=(child.fileno(),),
                               env=env, stdin=subprocess.DEVNULL)
    child.close()
    return process, Connection(parent.detach())


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
