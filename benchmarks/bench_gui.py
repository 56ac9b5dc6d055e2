"""GUI timings (not a test). Prints:

1. launch -> usable window: `python main.py --selftest` in a subprocess, with GloVe already in the
   cache; time from spawning it to its "ready" line (window shown, 400k words loaded), and to exit
   after a neighbours query (target: ready < 2 s).
2. the longest GUI-thread stall while a 171 MB GloVe text file loads (written once from the bundled
   set with core.embeddings.exporters.write_word2vec_text into a temp dir, parsed with a cold cache), measured
   with a 5 ms QTimer heartbeat (target < 100 ms); also the stall until every panel has reacted
   (target <= 50 ms). ``--over N``: the file opens over a window already showing N words (as after a
   start with the bundled set) instead of into an empty window. With ``--keep DIR`` the text file and
   the caches that a second start would find (the digits' split) stay between runs; the set's
   converted copy and its projections are removed before each run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py [--runs 3] [--keep DIR] [--over N]
3. ``--workspaces``: switching workspaces in the real window: click to first paint (target <= 100 ms),
   the longest stall (target <= 50 ms), and whether any model was opened again.
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
sys.path.insert(0, str(ROOT))


def bench_launch(runs: int) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    ready, total = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--selftest"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        t_ready = None
        for line in p.stdout:
            if line.startswith("ready:") and t_ready is None:
                t_ready = time.perf_counter() - t0
        code = p.wait()
        total.append(time.perf_counter() - t0)
        if code != 0 or t_ready is None:
            raise SystemExit(f"selftest failed (exit {code})")
        ready.append(t_ready)
    print(f"launch -> usable window (GloVe 400k cached): median {statistics.median(ready):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in ready)}); target < 2 s")
    print(f"launch -> neighbours query answered and exited: median {statistics.median(total):.2f} s")


class StackSampler:
    """Samples the GUI thread's Python stack every 2 ms (and what the other threads run), to say
    where a stall went: `--stacks` prints the samples that fall inside each gap over 50 ms."""

    def __init__(self) -> None:
        import threading

        self.main = threading.get_ident()
        self.samples: list[tuple[float, list[str], list[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import threading
        import traceback

        me = threading.get_ident()

        def short(f) -> str:
            return f"{f.filename.split('site-packages/')[-1].replace(str(ROOT) + '/', '')}:{f.lineno} {f.name}"

        while not self._stop.wait(0.002):
            frames = sys._current_frames()
            main = frames.get(self.main)
            if main is None:
                continue
            stack = [short(f) for f in traceback.extract_stack(main)[-7:]]
            others = [short(traceback.extract_stack(f)[-1]) for tid, f in frames.items() if tid not in (me, self.main)]
            self.samples.append((time.perf_counter(), stack, others))

    def report(self, beats: list[float], t0: float, threshold: float = 0.05) -> None:
        from collections import Counter

        for a, b in zip(beats, beats[1:]):
            if b - a < threshold:
                continue
            inside = [s for s in self.samples if a <= s[0] <= b]
            print(f"\n-- stall {1000 * (b - a):.0f} ms at +{a - t0:.2f} s, {len(inside)} samples")
            for stack, n in Counter(" <- ".join(reversed(s[1][-4:])) for s in inside).most_common(4):
                print(f"   {n:3d}x GUI: {stack}")
            for other, n in Counter(o for s in inside for o in s[2]).most_common(4):
                print(f"   {n:3d}x worker: {other}")


def bench_load_stall(folder: Path, stacks: bool = False, over: int = 0) -> None:
    os.environ["EMBEDDING_EXPLORER_CACHE"] = str(folder / "cache")  # cold cache: the text is parsed
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from core.embeddings.default_set import load_default
    from core.embeddings.exporters import write_word2vec_text
    from core.progress import run_sync

    text = folder / "glove.6B.50d.txt"
    if not text.exists():
        t = time.perf_counter()
        es = run_sync(load_default())
        run_sync(write_word2vec_text(es, text, header=False))
        print(f"wrote {text} ({text.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.state.session import Session
    from core.state.settings import Settings
    from gui.app import freeze_startup_objects, preload_libraries
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    session, runner = Session(), TaskRunner()
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    preload_libraries()  # as gui.app.run_gui does
    freeze_startup_objects()
    if over:  # a window already showing a set, as after the app's start with the bundled GloVe
        session.set_embeddings(run_sync(load_default()).subset(range(over), name=f"GloVe {over:,}"))
    window.show()
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    beats: list[float] = []
    marks: dict[str, float] = {}
    heartbeat = QTimer(interval=5)
    collections: list[tuple[float, float, int, str]] = []  # (start, seconds, generation, thread)
    if stacks:
        import gc
        import threading

        began: dict[int, float] = {}

        def on_gc(phase: str, info: dict) -> None:
            me = threading.get_ident()
            if phase == "start":
                began[me] = time.perf_counter()
            elif me in began:
                t = began.pop(me)
                collections.append((t, time.perf_counter() - t, info["generation"], threading.current_thread().name))

        gc.callbacks.append(on_gc)
    sched: list[tuple[float, float, float]] = []  # (beat, GUI thread's CPU time, time runnable but not running)

    def beat() -> None:
        beats.append(time.perf_counter())
        if stacks:
            with open("/proc/thread-self/schedstat") as f:
                cpu, waited, _ = f.read().split()
            sched.append((beats[-1], int(cpu) / 1e9, int(waited) / 1e9))

    heartbeat.timeout.connect(beat)

    jobs: list[tuple[float, str]] = []

    def on_finished(kind: str) -> None:
        marks.setdefault(f"{kind} done", time.perf_counter())
        jobs.append((time.perf_counter(), f"{kind} done"))

    runner.started.connect(lambda kind, _label: jobs.append((time.perf_counter(), f"{kind} started")))

    runner.finished.connect(on_finished)
    quiet = {"since": None}

    def poll() -> None:
        now = time.perf_counter()
        if runner.is_running():
            quiet["since"] = None
        elif quiet["since"] is None:
            quiet["since"] = now
        elif now - quiet["since"] > 0.5 and "start" not in marks:  # the window has settled: open the file
            quiet["since"] = None
            start()
        elif now - quiet["since"] > 0.5 and "load done" in marks:
            marks["idle"] = quiet["since"]
            app.quit()

    def start() -> None:
        marks["start"] = time.perf_counter()
        window.open_file(text, "glove")

    poller = QTimer(interval=50)
    poller.timeout.connect(poll)
    heartbeat.start()
    QTimer.singleShot(300, poller.start)
    sampler = StackSampler() if stacks else None
    if sampler:
        sampler.start()
    app.exec()
    heartbeat.stop()
    if sampler:
        sampler.stop()
    failures = window.reporter.history
    window.close()
    if failures or session.embeddings is None or len(session.embeddings) != 400000:
        raise SystemExit(f"load failed: {failures}")

    def longest(t0: float, t1: float) -> tuple[float, float]:
        gaps = [(b - a, a) for a, b in zip(beats, beats[1:]) if t0 <= b and a <= t1]
        return max(gaps) if gaps else (0.0, t0)

    load_s = marks["load done"] - marks["start"]
    gap, gap_at = longest(marks["start"], marks["load done"])
    gap_all, at = longest(marks["start"], marks["idle"])
    print(f"loading {text.stat().st_size / 1e6:.0f} MB GloVe text (400,000 x 50, cold cache): {load_s:.1f} s")
    print(f"longest GUI-thread stall during the load: {gap * 1000:.0f} ms at +{gap_at - marks['start']:.2f} s "
          f"(the load ends at +{load_s:.2f} s); target < 100 ms")
    print(f"longest stall from the start until every panel has reacted ({marks['idle'] - marks['start']:.1f} s): "
          f"{gap_all * 1000:.0f} ms at +{at - marks['start']:.2f} s")
    if sampler:
        t0 = marks["start"]
        print("\njobs: " + ", ".join(f"{what} +{t - t0:.2f}" for t, what in jobs if t >= t0))
        slow = [c for c in collections if c[1] > 0.005 and c[0] >= t0]
        print("garbage collections over 5 ms: " + (", ".join(f"gen{g} {1000 * d:.0f} ms on {th} at +{t - t0:.2f}"
                                                         for t, d, g, th in slow) or "none"))
        after = [x for x in sched if marks["load done"] <= x[0] <= marks["idle"]]
        if len(after) > 1:
            most = max((b[1] - a[1], b[0] - a[0]) for a, b in zip(after, after[1:]))
            print(f"the GUI thread ran {1000 * (after[-1][1] - after[0][1]):.0f} ms from the load's end until idle "
                  f"({after[-1][0] - after[0][0]:.1f} s); at most {1000 * most[0]:.0f} ms between two beats")
        print("the longest gaps: where the GUI thread's time went (from /proc/thread-self/schedstat)")
        gaps = sorted(zip(sched, sched[1:]), key=lambda g: g[0][0] - g[1][0])
        for (a, cpu_a, wait_a), (b, cpu_b, wait_b) in gaps[:5]:
            if a < t0:
                continue
            cpu, waited = cpu_b - cpu_a, wait_b - wait_a
            print(
                f"   {1000 * (b - a):4.0f} ms at +{a - t0:.2f} s: running {1000 * cpu:.0f} ms, waiting for a core "
                f"{1000 * waited:.0f} ms, asleep (GIL, X server, locks) {1000 * (b - a - cpu - waited):.0f} ms"
            )
        sampler.report([b for b in beats if t0 <= b <= marks["idle"]], t0)


def bench_workspaces(rounds: int = 5) -> None:
    """Switching workspaces in the real window on the bundled set: time from the click to the window's
    first paint, and the longest GUI-thread stall (5 ms heartbeat) over all the switching (targets:
    first paint <= 100 ms, no stall over 50 ms); models opened before the switching stay the same objects."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from core.embeddings.default_set import load_default
    from core.progress import run_sync
    from core.state.examples import WORKSPACES
    from core.state.session import Session
    from core.state.settings import Settings
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    session = Session()
    session.set_embeddings(run_sync(load_default()))
    window = MainWindow(session, settings=Settings(), persist=False)
    window.resize(1366, 728)
    window.show()
    for name in WORKSPACES:  # every panel shown once: models open, first layouts computed
        window.switch_workspace(name)
        _settle(app, window.runner)
    session.language.prompt = "Once upon a"
    _settle(app, window.runner)
    models = {k: id(v) for k, v in vars(window.controllers).items()}
    decoders = dict(window.controllers.language._decoders)  # the language model(s) opened so far

    class Painted(QObject):
        seen = False

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    painted = Painted()
    app.installEventFilter(painted)
    beats: list[float] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    firsts = []
    per: dict[str, list[float]] = {n: [] for n in WORKSPACES}
    names = list(WORKSPACES)
    for _ in range(rounds):
        for name in names[1:] + names[:1]:
            painted.seen = False
            t0 = time.perf_counter()
            window.switch_workspace(name)
            while not painted.seen:
                app.processEvents()
            firsts.append(time.perf_counter() - t0)
            b0 = len(beats)
            end = time.perf_counter() + 0.15
            while time.perf_counter() < end:
                app.processEvents()
            per[name].append(max([firsts[-1]] + [b - a for a, b in zip(beats[b0:], beats[b0 + 1 :])]))
    timer.stop()
    app.removeEventFilter(painted)
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    after = window.controllers.language._decoders
    same = (
        models == {k: id(v) for k, v in vars(window.controllers).items()}
        and bool(decoders)
        and all(after.get(k) is v for k, v in decoders.items())
    )
    print(
        f"workspace switch -> first paint: median {statistics.median(firsts) * 1e3:.0f} ms, "
        f"max {max(firsts) * 1e3:.0f} ms over {len(firsts)} switches (target <= 100 ms)"
    )
    print("longest stall per workspace switched to: " + ", ".join(f"{n} {max(v) * 1e3:.0f} ms" for n, v in per.items()))
    print(
        f"longest GUI stall while switching: {max(gaps) * 1e3:.0f} ms (target <= 50 ms); "
        f"models and controllers kept: {same}"
    )
    window.runner.shutdown()


def _settle(app, runner, quiet_s: float = 0.4) -> None:
    quiet = None
    while True:
        app.processEvents()
        time.sleep(0.01)
        if runner.is_running():
            quiet = None
        elif quiet is None:
            quiet = time.perf_counter()
        elif time.perf_counter() - quiet > quiet_s:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description="GUI timings")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="folder for the 171 MB text file (kept between runs)")
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--workspaces", action="store_true", help="only time switching workspaces")
    parser.add_argument("--stacks", action="store_true", help="say where each GUI stall over 50 ms went")
    parser.add_argument(
        "--over",
        type=int,
        default=0,
        metavar="N",
        help="open the file over a window already showing the N most frequent GloVe words "
        "(as after a start with the bundled set); 0: into an empty window",
    )
    args = parser.parse_args()
    if args.workspaces:
        bench_workspaces()
        return 0
    if not args.skip_launch:
        bench_launch(args.runs)
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        folder = Path(args.keep)
        import shutil

        for part in ("sets", "projections"):  # the text is parsed and projected again; the digits' split
            shutil.rmtree(folder / "cache" / part, ignore_errors=True)  # (computed once per install) stays
        bench_load_stall(folder, args.stacks, args.over)
    else:
        with tempfile.TemporaryDirectory(prefix="ee-bench-gui-") as tmp:
            bench_load_stall(Path(tmp), args.stacks, args.over)
    return 0


if __name__ == "__main__":
    sys.exit(main())
