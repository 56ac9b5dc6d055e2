"""Memory over a long scripted session (not a test). Prints:
1. resident memory (RSS) at start-up (the window showing GloVe's 400,000 words), its peak during
   the script (sampled every 50 ms on a thread), and at the end, after the work is over: the window
   back on the Words workspace with the default set, every job finished, and the models idle for
   longer than $EE_MODEL_IDLE_S closed as the window's timer closes them (the app waits 5 minutes;
   once the script is over it sets ``--idle`` seconds, 20 by default, so as not to wait)
   (targets: peak < 3 GB, end within 1 GB of the start-up figure);
2. what the Session holds at the end of each round and at the end, per kind of object
   (core.state.held: sets, search indexes, layouts, model sessions, the language model's cache,
   passages, digits, training runs), with their bytes.

The script is what a person does in a long afternoon, ``--rounds`` times over: every guided example
(the king/queen arithmetic, the plural direction, the next word, temperature, the logit lens, a
masked word, "bank" across layers, drawing a 7, the 5,000 digits, training word2vec on the news,
searching the news), a t-SNE and a UMAP of the cloud, and opening two files of its own.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_memory.py [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


class Peak:
    """The largest RSS seen, sampled on a thread every 50 ms."""

    def __init__(self) -> None:
        self.mb = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.mb = max(self.mb, rss_mb())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--idle", type=float, default=20.0, help="$EE_MODEL_IDLE_S once the script is over")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ee-memory-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # its files (a word2vec text of 400k words) go
    os.environ["EMBEDDING_EXPLORER_CONFIG"] = str(tmp / "config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["EMBEDDING_EXPLORER_TESTING"] = "1"
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from core.embeddings.exporters import write_word2vec_text
    from core.progress import run_sync
    from core.state.examples import EXAMPLES
    from core.state.held import held, summary
    from core.state.session import Session
    from core.state.settings import Settings
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = TaskRunner()
    session = Session()
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    window.resize(1600, 1000)
    window.show()

    def settle(timeout_s: float = 300.0, quiet_ms: int = 400) -> None:
        """Until no job has run for ``quiet_ms`` (jobs start others: a projection, then its names)."""
        end = time.monotonic() + timeout_s
        quiet_since = None
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.02)  # QTest.qWait keeps the GIL: the jobs' threads would starve
            if runner.is_running():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > quiet_ms / 1000:
                return
        print(f"  (still running after {timeout_s:.0f} s: {runner.running()})", flush=True)

    window.load_default()
    settle()
    default = session.embeddings
    start = rss_mb()
    peak = Peak()
    print(f"start-up: {start:,.0f} MB with {len(default):,} words shown", flush=True)

    files = tmp / "files"
    files.mkdir()
    small, medium = files / "small.txt", files / "medium.txt"
    run_sync(write_word2vec_text(default, small, header=False, rows=range(5000)))
    run_sync(write_word2vec_text(default, medium, header=True, rows=range(60000)))

    rounds = []
    steps: list[tuple[str, float, float]] = []  # (what, RSS after it, the peak so far)
    t0 = time.perf_counter()
    for r in range(1, args.rounds + 1):
        for name in EXAMPLES:
            window.open_example(name)
            settle()
            steps.append((f"example {name}", rss_mb(), peak.mb))
        for method in ("tsne", "umap", "pca"):
            window.switch_workspace("words")
            session.cloud.method = method
            settle()
            steps.append((f"projection {method}", rss_mb(), peak.mb))
        for path in (small, medium):
            window.open_file(str(path))
            settle()
            steps.append((f"open {path.name}", rss_mb(), peak.mb))
        window.switch_workspace("words")
        session.set_embeddings(default)
        settle()
        app.processEvents()
        rows = held(session)
        rounds.append({"round": r, "rss_mb": round(rss_mb()), "held": rows})
        print(f"round {r}: {rss_mb():,.0f} MB after {time.perf_counter() - t0:.0f} s; held: {summary(rows)}",
              flush=True)

    # The work is over: back on the Words workspace with the default set, nothing running.
    window.switch_workspace("words")
    session.set_embeddings(default)
    settle()
    QTest.qWait(2000)  # core.release frees replaced objects on its own thread
    import gc

    from core import release
    from core.inference import session_cache

    before_idle = rss_mb()
    os.environ[session_cache.IDLE_ENV] = str(args.idle)  # during the script the app's 5 minutes held
    idle = session_cache.idle_seconds()
    QTest.qWait(int(idle * 1000) + 1000)
    closed = session_cache.release_idle()  # what the window's timer does every minute
    while release.pending():
        QTest.qWait(100)
    gc.collect()
    end = rss_mb()
    print(f"work over: {before_idle:,.0f} MB; after {idle:.0f} s idle, {len(closed)} model sessions closed")
    top = peak.stop()
    rows = held(session)
    print(f"\npeak {top:,.0f} MB (target < 3,000); end {end:,.0f} MB, {end - start:+,.0f} MB against start-up "
          f"(target within 1,000)")
    print("where the peak rose (step: RSS after it, peak so far):")
    last = start
    for what, after, so_far in steps:
        if so_far > last + 50:
            print(f"  {what:<28} {after:7,.0f} MB  peak {so_far:7,.0f} MB (+{so_far - last:,.0f})")
        last = max(last, so_far)
    print("held at the end, per kind:")
    for row in rows:
        print(f"  {row['kind']:<22} {row['bytes'] / 1e6:9.1f} MB  {row['what']}")
    if args.json:
        print(json.dumps({"start_mb": round(start), "peak_mb": round(top), "end_mb": round(end),
                          "rounds": rounds, "held": rows}))
    runner.shutdown()
    window.close()


if __name__ == "__main__":
    main()
