"""Projection and rendering figures for the README (not a test).

    .venv/bin/python benchmarks/bench_projections.py                 # projections
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x1024x24" \\
        .venv/bin/python benchmarks/bench_projections.py render      # frame times, GUI stalls
    .venv/bin/python benchmarks/bench_projections.py pca tsne10k     # chosen parts

Parts: pca, tsne10k, tsne50k, umap50k, render. Timings are wall-clock on this
machine; the load average is printed with each part (other work skews them).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from core.embeddings.default_set import load_default
from core.progress import run_sync
from core.projections import layout as P
from core.projections.project import project


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def timed_job(job):
    """Run a job; return (result, seconds to first payload, seconds to first optimised payload, total)."""
    t0 = time.perf_counter()
    marks: list[float] = []
    result = run_sync(job, lambda p: marks.append(time.perf_counter() - t0) if p.payload is not None else None)
    total = time.perf_counter() - t0
    return result, (marks[0] if marks else None), (marks[1] if len(marks) > 1 else None), total


def bench_pca(es) -> None:
    rows = np.arange(len(es))
    t = time.perf_counter()
    layout = run_sync(project(es, rows, "pca", cache=False))
    dt = time.perf_counter() - t
    ratio = ", ".join(f"{r:.3f}" for r in layout.info["explained_variance_ratio"])
    print(f"PCA 3D, {len(es):,} x {es.dim}: {dt:.2f} s (explained variance {ratio}) [{load()}]", flush=True)


def bench_tsne(es, n: int) -> None:
    layout, first, first_opt, total = timed_job(project(es, P.point_rows(es, n), "tsne", cache=False))
    its = dict(layout.params)
    print(f"t-SNE 3D (Barnes-Hut), {n:,} points, {its['early_iterations']}+{its['iterations']} iterations: "
          f"first layout {first:.2f} s, first optimised layout {first_opt:.2f} s, total {total:.1f} s "
          f"(KL {layout.info['kl_divergence']:.3f}) [{load()}]", flush=True)


def bench_umap(es, n: int) -> None:
    t = time.perf_counter()
    run_sync(project(es, P.point_rows(es, 300), "umap", cache=False))
    warm = time.perf_counter() - t
    layout, _, _, total = timed_job(project(es, P.point_rows(es, n), "umap", cache=False))
    print(f"UMAP 3D, {n:,} points: {total:.1f} s (after a {warm:.1f} s warm-up that compiles numba) "
          f"[{load()}]", flush=True)


def bench_render(es) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from bench_map_window import frame_times  # this folder is on sys.path

    from core.projections.cloud_jobs import projection_job
    from core.state.session import Session
    from gui.canvas.view_3d import View3D, gl_available
    from gui.controllers.cloud_controller import CloudController
    from gui.panels.cloud.point_cloud_panel import PointCloudPanel
    from gui.task_runner import TaskRunner

    if not gl_available():
        print("render: no OpenGL on this platform (run under xvfb-run with QT_QPA_PLATFORM=xcb)")
        return
    view = View3D()
    view.resize(800, 600)
    view.show()
    layout = run_sync(project(es, np.arange(len(es)), "pca", cache=False))
    for n in (10_000, 100_000, 400_000):
        pos = layout.coords[:n] / np.percentile(np.abs(layout.coords), 99)
        col = np.tile(np.array([[0.4, 0.7, 1.0, 0.8]], np.float32), (n, 1))
        size = 4.0 if n <= 20_000 else 3.0 if n <= 120_000 else 2.0  # as the panel sizes them
        view.set_points(pos, col, np.full(n, size, np.float32))
        times = frame_times(view, frames=20, degrees=3.0, warmup=3)
        print(f"frame, {n:,} points of {size:.0f} px, 800x600 software GL: median {1000 * np.median(times):.1f} ms, "
              f"max {1000 * max(times):.1f} ms [{load()}]", flush=True)
    view.close()

    # GUI-thread work when a finished layout arrives (PCA of 10k / 400k points)
    session = Session()
    runner = TaskRunner()
    controller = CloudController(session, runner)  # noqa: F841 (kept alive for the run)
    panel = PointCloudPanel(session, runner)
    panel.resize(1000, 700)
    panel.show()
    session.set_embeddings(es)
    while panel.layout_ is None:
        app.processEvents()
    for n in (10_000, 400_000):
        big = run_sync(projection_job(es, np.arange(n), "pca", ()))  # as the runner delivers it
        t = time.perf_counter()
        session.cloud.layout = big  # what the CloudController publishes
        t1 = time.perf_counter()
        panel.view.render_frame()
        t2 = time.perf_counter()
        panel.view.render_frame()
        print(f"panel: a finished {n:,}-point layout: shown {1000 * (t1 - t):.0f} ms, first frame "
              f"{1000 * (t2 - t1):.0f} ms, next frame {1000 * (time.perf_counter() - t2):.0f} ms "
              f"on the GUI thread [{load()}]", flush=True)
    session.cloud.point_count = 10_000
    session.cloud.run += 1
    while panel.layout_ is None or len(panel.layout_.rows) != 10_000 or runner.is_running():
        app.processEvents()

    # GUI-thread stalls while t-SNE 10k runs in the background and streams layouts into the panel
    app.processEvents()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    done = []
    runner.finished.connect(lambda kind: done.append(kind) if kind == "cloud.projection" else None)
    t = time.perf_counter()
    session.cloud.method = "tsne"
    session.cloud.params = (("seed", int(time.time()) % 100_000),)  # a fresh seed: never a cached layout
    session.cloud.run += 1
    while "cloud.projection" not in done and time.perf_counter() - t < 600:
        app.processEvents()
        time.sleep(0.002)
    timer.stop()
    g = np.asarray(gaps[5:], dtype=float)
    print(f"GUI thread during t-SNE 10k in the panel ({time.perf_counter() - t:.0f} s, {panel.view.frames} frames): "
          f"longest stall {g.max():.0f} ms, stalls > 100 ms: {(g > 100).sum()} [{load()}]", flush=True)
    runner.shutdown()
    panel.close()


def main(parts: list[str]) -> None:
    es = run_sync(load_default())
    todo = parts or ["pca", "tsne10k", "umap50k", "tsne50k"]
    for part in todo:
        if part == "pca":
            bench_pca(es)
        elif part == "tsne10k":
            bench_tsne(es, 10_000)
        elif part == "tsne50k":
            bench_tsne(es, 50_000)
        elif part == "umap50k":
            bench_umap(es, 50_000)
        elif part == "render":
            bench_render(es)
        else:
            raise SystemExit(f"unknown part {part!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
