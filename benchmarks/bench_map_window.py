"""The map you can work with (issue 23), in a window: the 3D view's frames, the 'all' button, t-SNE and
UMAP of 100,000 points as background jobs. Run through bench_map.py:

* --frames: frame times of the 3D view at 800 x 600 (needs OpenGL: run under Xvfb, Mesa's software
  renderer) — dots at 10k, 100k and 400k GloVe points (today's figures in docs/measurements.md: 5.7,
  28.9 and 96.7 ms), the same with density shading, and pictures as points: the 5,000 MNIST digits, then
  10k and 100k points drawing the digits' pictures in turn; median of 15 frames, the camera orbiting.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/bench_map.py --frames

* --all: every point, not a sample, in the real cloud panel (PointCloudPanel + CloudController, 3D under
  Xvfb): from the first map, the "all" button; the time to all 400,000 points on screen and to their
  cluster names (k-means of a 50,000 sample, the rest assigned), whether the level of detail (density
  shading and thinning) switched on, and the GUI thread's longest stall (a 5 ms heartbeat; software GL's
  paints included, listed apart); then frame times with the app's own level of detail at 10k, 100k and 400k
  (the point count set in the panel; median of 15 frames, the camera orbiting).
* --jobs [tsne] [umap]: t-SNE and UMAP of GloVe's 100,000 most frequent words as the app runs them (the
  CloudController's background job, Run pressed): wall time, progress updates and the longest gap between
  them, and a second run cancelled mid-way (time from Cancel to the job's end).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/bench_map.py --all
    nice .venv/bin/python benchmarks/bench_map.py --jobs umap tsne
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.embeddings.embedding_set import EmbeddingSet
from core.progress import run_sync
from core.projections.linear import pca


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


def frame_times(view, frames: int = 15, degrees: float = 2.0, warmup: int = 1) -> list[float]:
    """Seconds per frame of a 3D view, the camera orbiting `degrees` between frames; the first `warmup` frames
    (the first after new data uploads it) are not counted. bench_projections.py uses it too."""
    for _ in range(warmup):
        view.render_frame()
    times = []
    for _ in range(frames):
        view.camera_orbit(degrees)
        t = time.perf_counter()
        view.render_frame()
        times.append(time.perf_counter() - t)
    return times


def _frame_ms(view) -> float:
    """The median of 15 frames, in ms."""
    return 1000 * float(np.median(frame_times(view)))


def bench_frames(es: EmbeddingSet) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from core.inference.mnist import load_digits
    from gui.canvas import colors
    from gui.canvas.scene import Frame
    from gui.canvas.sprites import tinted
    from gui.canvas.view_3d import View3D, gl_available

    app = QApplication.instance() or QApplication([])
    if not gl_available():
        print("frames: no OpenGL here; run under xvfb-run with QT_QPA_PLATFORM=xcb")
        return
    view = View3D()
    view.resize(800, 600)
    view.show()
    for _ in range(50):
        QCoreApplication.processEvents()
        time.sleep(0.01)

    lay = run_sync(pca(es, np.arange(len(es))))
    digits = load_digits()
    pics = digits.uint8()
    print("frame time, 3D view 800 x 600, software OpenGL (median of 15 frames)")
    for n in (10_000, 100_000, 400_000):
        pos = Frame.fit(lay.coords[:n]).apply(lay.coords[:n])
        col = colors.frequency(np.arange(n), len(es))
        size = 4.0 if n <= 20_000 else 3.0 if n <= 120_000 else 2.0
        view.set_points(pos, col, size)
        dots = _frame_ms(view)
        t = time.perf_counter()
        view.set_density(True)
        shade_s = time.perf_counter() - t  # on the GUI thread (above 50,000 points: a worker computes the densities)
        while view.density_pending():
            QCoreApplication.processEvents()
            time.sleep(0.001)
        shaded = _frame_ms(view)
        view.set_density(False)
        line = f"  {n:>7,} points: dots {dots:6.1f} ms · density shading {shaded:6.1f} ms (+{1000 * shade_s:.0f} ms)"
        if n <= 100_000:
            t = time.perf_counter()
            view.set_sprites(tinted(pics[np.arange(n) % len(pics)], col), 20.0 if n > 5_000 else 28.0)
            atlas_s = time.perf_counter() - t
            line += f" · pictures {_frame_ms(view):6.1f} ms (atlas {1000 * atlas_s:.0f} ms once)"
            view.set_sprites(None, 0)
        print(line)
    # the 5,000 digits themselves (their pixels' PCA), as dots and as pictures
    d_lay = run_sync(pca(EmbeddingSet([str(i) for i in range(len(pics))],
                                      digits.images.reshape(len(pics), -1).astype(np.float32)), np.arange(len(pics))))
    pos = Frame.fit(d_lay.coords).apply(d_lay.coords)
    col = colors.numeric_or_categories([str(v) for v in digits.labels.tolist()])[0]
    view.set_points(pos, col, 4.0)
    dots = _frame_ms(view)
    t = time.perf_counter()
    view.set_sprites(tinted(pics, col), 28.0)
    atlas_s = time.perf_counter() - t
    print(f"  5,000 MNIST digits: dots {dots:.1f} ms · pictures (28 px) {_frame_ms(view):.1f} ms "
          f"(atlas {1000 * atlas_s:.0f} ms)")
    view.close()
    app.processEvents()


class Heartbeat:
    """The GUI thread's stalls: a 5 ms timer's gaps (each over `over` ms kept, with what was running)."""

    def __init__(self, over: float = 30.0) -> None:
        from PySide6.QtCore import QTimer

        self.over, self.gaps, self.paints = over, [], 0.0
        self._last = time.perf_counter()
        self.timer = QTimer(interval=5)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        gap = 1000 * (now - self._last)
        if gap > self.over:
            self.gaps.append(gap)
        self._last = now

    def reset(self) -> None:
        self.gaps, self._last = [], time.perf_counter()


def _timed(obj, name: str, into: dict[str, list[float]]) -> None:
    """Time every call of obj.name (ms) into `into[name]`: the GUI thread's own work, apart from waits."""
    inner = getattr(obj, name)

    def call(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            into.setdefault(name, []).append(1000 * (time.perf_counter() - t))

    setattr(obj, name, call)


def _wait(app, until, timeout_s: float) -> float:
    t = time.perf_counter()
    while not until():
        app.processEvents()
        time.sleep(0.002)
        if time.perf_counter() - t > timeout_s:
            raise SystemExit(f"gave up after {timeout_s:.0f} s")
    return time.perf_counter() - t


def _settle(app, seconds: float = 0.3) -> None:
    """Events for a moment (the paints and overlays that follow a layout)."""
    t = time.perf_counter()
    while time.perf_counter() - t < seconds:
        app.processEvents()
        time.sleep(0.005)


def bench_all(es: EmbeddingSet) -> None:
    from PySide6.QtWidgets import QApplication

    from core.state.session import Session
    from gui.canvas import density
    from gui.canvas.view_3d import gl_available
    from gui.controllers.cloud_controller import CloudController
    from gui.panels.cloud.point_cloud_panel import PointCloudPanel
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication([])
    if not gl_available():
        print("all: no OpenGL here; run under xvfb-run with QT_QPA_PLATFORM=xcb")
        return
    s, runner = Session(), TaskRunner()
    controller = CloudController(s, runner)
    panel = PointCloudPanel(s, runner)
    panel.resize(1000, 800)
    panel.show()
    s.set_embeddings(es)
    c = s.cloud
    _wait(app, lambda: c.layout is not None and not runner.is_running(), 120)
    _settle(app)
    print(f"all points, the real cloud panel (3D, 1000 x 800, software OpenGL): first map of {len(c.layout.rows):,}; "
          f"{_load()}")
    beat, own = Heartbeat(), {}
    for obj, name in ((controller, "_publish"), (controller, "_on_named"), (panel, "_draw_overlays")):
        _timed(obj, name, own)
    t0 = time.perf_counter()
    panel.controls.all.click()
    on_screen = _wait(app, lambda: c.layout is not None and len(c.layout.rows) == len(es), 120)
    named = _wait(app, lambda: c.named is not None, 300) + on_screen
    view = panel.view
    _wait(app, lambda: not runner.is_running() and not view.density_pending(), 300)
    total = time.perf_counter() - t0
    drawn = len(view.scatter.pos)
    print(f"  'all' pressed: {c.method} of {len(c.layout.rows):,} points on screen after {on_screen:.2f} s, "
          f"names at {', '.join(str(n.k) for n in c.named)} after {named:.2f} s, every job done after {total:.2f} s")
    print(f"  level of detail: density {'on' if c.density else 'OFF'}, {drawn:,} of {len(view._pos):,} points drawn "
          f"(thinned above {density.THIN_ABOVE:,}); the broadest names: {', '.join(c.named[0].names[:6])}")
    gaps = sorted(beat.gaps, reverse=True)
    print("  GUI thread's own work: " + "; ".join(f"{name.strip('_')} {max(ms):.0f} ms (x{len(ms)})"
                                                    for name, ms in own.items()))
    print(f"  GUI thread's heartbeat (its work, software GL's paints of {drawn:,} points, and waits for the GIL "
          f"and the 2 cores while the jobs run): longest gap {gaps[0] if gaps else 0:.0f} ms; gaps over 30 ms: "
          f"{len(gaps)} ({', '.join(f'{g:.0f}' for g in gaps[:8])} ms)")
    beat.timer.stop()
    w, h = view.gl.width(), view.gl.height()
    t = time.perf_counter()
    for i in range(10):
        view.pick(w / 2 + 7 * i, h / 2)
    print(f"  a hover's pick among {len(view._pos):,} points: {100 * (time.perf_counter() - t):.1f} ms")

    print("  frame time with the app's level of detail (median of 15 frames, camera orbiting):")
    for n in (400_000, 100_000, 10_000):
        if len(c.layout.rows) != n:
            c.point_count = n
            _wait(app, lambda n=n: len(c.layout.rows) == n and not runner.is_running(), 120)
            _settle(app)
        ms = _frame_ms(view)
        print(f"    {n:>7,} points: {ms:6.1f} ms, density {'on' if c.density else 'off'}, "
              f"{len(view.scatter.pos):,} drawn; {_load()}")
    panel.close()
    runner.shutdown()
    app.processEvents()


def bench_jobs(es: EmbeddingSet, methods: list[str]) -> None:
    """t-SNE / UMAP of 100,000 points through the CloudController, as the app runs them."""
    from PySide6.QtWidgets import QApplication

    from core.state.session import Session
    from gui.controllers.cloud_controller import CloudController
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication([])
    for method in methods:
        s, runner = Session(), TaskRunner()
        controller = CloudController(s, runner)
        c = s.cloud
        c.point_count, c.method = 100_000, method
        s.set_embeddings(es)
        updates, gaps, last = [], [], [0.0]

        def seen(*_):
            now = time.perf_counter()
            if c.activity is not None:
                if int(10 * c.activity.fraction) > int(10 * (updates[-1][1] if updates else 0.0)):
                    print(f"  {now - t0:7.1f} s: {c.activity.message}; {_load()}", flush=True)
                updates.append((now, c.activity.fraction, c.activity.message))
                gaps.append(now - last[0])
                last[0] = now

        c.events.activity.connect(seen)
        t0 = last[0] = time.perf_counter()
        print(f"{method} of 100,000 GloVe words, the app's background job: started; {_load()}", flush=True)
        c.active = True  # as a cloud panel does: the set opens on the method and count chosen (no first map)
        _wait(app, lambda: c.layout is not None and len(c.layout.rows) == 100_000 and c.layout.method == method
              and not controller.projection.running, 3600)
        wall = time.perf_counter() - t0
        print(f"{method} of {len(c.layout.rows):,} GloVe words (the app's background job): {wall:.1f} s; "
              f"{len(updates)} progress updates, longest gap {max(gaps):.1f} s; last {updates[-1][2]!r}; {_load()}")
        # Cancel mid-way: other parameters (no cache), Run, Cancel once the progress passes 15 % (t-SNE: in its
        # iterations) or 40 % (UMAP: in its epochs)
        c.params = (("perplexity", 31.0),) if method == "tsne" else (("n_neighbors", 16),)
        updates.clear()
        c.run += 1
        t1 = time.perf_counter()
        _wait(app, lambda: c.activity is not None and c.activity.fraction >= (0.15 if method == "tsne" else 0.4),
              2 * wall)
        at = c.activity.message if c.activity else "?"
        t2 = time.perf_counter()
        c.cancel += 1
        _wait(app, lambda: not runner.is_running("cloud.projection"), 120)
        ended = 1000 * (time.perf_counter() - t2)
        print(f"  Cancel {t2 - t1:.0f} s into a second run ({at!r}): the job ended {ended:.0f} ms later; "
              f"the layout on show stays {c.layout.method} of {len(c.layout.rows):,}; "
              f"the note: {c.problem or '(none)'!r}")
        c.events.activity.disconnect(seen)
        runner.shutdown()
