"""From launch to a usable window: the installed executable against the same app from source.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python benchmarks/bench_startup.py --exe /tmp/root/opt/embedding-explorer/embedding-explorer

Each run starts the app with ``--screenshot`` (a scripted start) and times, from the moment the
process is started, the first ``ready:`` line it prints: the window is shown and the default set is
loaded (gui/app.py prints it when the first set arrives). Runs alternate between the two, so load
falls on both alike; the median of ``--runs`` is reported with the ratio. Every run uses fresh,
empty config and cache folders except the first start's cache, which is kept: the figure is a
normal start, not the very first one.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_to_ready(cmd: list[str], env: dict, timeout: float = 120.0) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([*cmd, "--screenshot", str(Path(tmp) / "shot.png")], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env, cwd=tmp)
        try:
            for line in proc.stdout:
                if line.startswith("ready:"):
                    elapsed = time.perf_counter() - started
                    break
            else:
                raise RuntimeError(f"{cmd[0]} ended without a 'ready:' line (exit {proc.wait()})")
        finally:
            try:
                proc.communicate(timeout=timeout)  # read to the end: the app still prints as it exits
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", required=True, help="the installed (or built) embedding-explorer executable")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        print("needs a display: run it under xvfb-run (see the module's docstring)", file=sys.stderr)
        return 2
    home = Path(tempfile.mkdtemp(prefix="startup-"))
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
           "EMBEDDING_EXPLORER_CONFIG": str(home / "config"), "EMBEDDING_EXPLORER_CACHE": str(home / "cache")}
    # the source checkout's set is converted once into this cache (its first start), as a user's would be
    source = [sys.executable, str(ROOT / "main.py")]
    for cmd in (source, [args.exe]):
        time_to_ready(cmd, env)
    times: dict[str, list[float]] = {"installed": [], "source": []}
    for _ in range(args.runs):
        times["installed"].append(time_to_ready([args.exe], env))
        times["source"].append(time_to_ready(source, env))
    med = {k: statistics.median(v) for k, v in times.items()}
    load = os.getloadavg()[0]
    print(f"launch -> window shown with the default set (median of {args.runs}; load average {load:.1f})")
    for k, v in times.items():
        print(f"  {k:<10} {med[k]:.2f} s   runs: {', '.join(f'{t:.2f}' for t in v)}")
    print(f"  installed / source: {med['installed'] / med['source']:.2f}x; target: installed <= 3 s "
          f"({'met' if med['installed'] <= 3 else 'not met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
