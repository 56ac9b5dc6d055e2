"""What the command-line tests share: run ``main.py`` as a user would (a subprocess), or in this
process through ``main.main(argv)`` (faster; output read with capsys)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import main

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str, ok: bool = True, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` in a subprocess from the repository root (``env``: its whole
    environment, default this one's); with ``ok`` the command must exit 0."""
    r = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
                       timeout=timeout, env=env)
    if ok:
        assert r.returncode == 0, r.stderr[-2000:]
    return r


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """``main.main(argv)`` in this process: (exit status, stdout, stderr)."""
    rc = main.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err
