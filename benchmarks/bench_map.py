"""The map you can work with (issue 23): selection, compare, isolate, in one run.

    python benchmarks/bench_map.py [--umap]

* selection: a 200-vertex lasso and a box over 400,000 projected points of the bundled GloVe (the 3D
  view's projection to pixels included), median of 7 — target ≤ 30 ms;
* compare: two 400,000 x 50 sets (GloVe and a rotated copy with 1,000 words moved), k = 10 — target ≤ 5 s;
* --umap: Isolate 2,000 points with the app's UMAP (a child process) against umap-learn called directly
  on the same unit rows.
* --frames: frame times of the 3D view at 800 x 600 (needs OpenGL: run under Xvfb, Mesa's software
  renderer) — dots at 10k, 100k and 400k GloVe points (today's figures in docs/measurements.md: 5.7,
  28.9 and 96.7 ms), the same with density shading, and pictures as points: the 5,000 MNIST digits, then
  10k and 100k points drawing the digits' pictures in turn; median of 15 frames, the camera orbiting.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/bench_map.py --frames
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.embeddings.compare import compare
from core.embeddings.default_set import load_default
from core.embeddings.embedding_set import EmbeddingSet
from core.progress import run_sync
from core.projections.layout import point_rows
from core.projections.linear import pca
from core.projections.selection import in_box, in_polygon


def _median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * float(np.median(times))


def bench_selection(es: EmbeddingSet) -> None:
    from gui.canvas.picking import project  # numpy only

    lay = run_sync(pca(es, np.arange(len(es))))
    pos = (lay.coords - np.median(lay.coords, axis=0)) / np.percentile(np.abs(lay.coords), 99)
    # a camera 3.4 units away looking at the origin, 60° field of view, 1600 x 1000 pixels
    f, aspect, near, far, d = 1 / np.tan(np.radians(30)), 1.6, 0.1, 100.0, 3.4
    zz, zw = (far + near) / (near - far), 2 * far * near / (near - far)
    proj = np.array([[f / aspect, 0, 0, 0], [0, f, 0, 0], [0, 0, zz, zw], [0, 0, -1, 0]], np.float32)
    view = np.eye(4, dtype=np.float32)
    view[2, 3] = -d
    mvp = proj @ view
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    lasso = np.c_[800 + 200 * np.cos(t) * (1 + 0.3 * np.sin(5 * t)), 500 + 150 * np.sin(t)].astype(np.float32)

    def lasso_select():
        xy, _, visible = project(pos, mvp, 1600, 1000)
        return np.flatnonzero(in_polygon(xy, lasso, visible))

    def box_select():
        xy, _, visible = project(pos, mvp, 1600, 1000)
        return np.flatnonzero(in_box(xy, (650, 400), (950, 600)) & visible)

    n_lasso, n_box = len(lasso_select()), len(box_select())
    print(f"selection over {len(pos):,} points (projection to pixels included): lasso of 200 vertices "
          f"{_median_ms(lasso_select):.1f} ms ({n_lasso:,} selected), box {_median_ms(box_select):.1f} ms "
          f"({n_box:,} selected); target ≤ 30 ms")


def bench_compare(es: EmbeddingSet) -> None:
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(es.dim, es.dim)))
    v = np.asarray(es.vectors, np.float32) @ q.astype(np.float32)
    v[:1000] += rng.normal(size=(1000, es.dim)).astype(np.float32)
    other = EmbeddingSet(list(es.words), v, name="rotated")
    t = time.perf_counter()
    cmp = run_sync(compare(es, other, 10))
    dt = time.perf_counter() - t
    moved_first = np.mean([r < 1000 for r in cmp.order()[:1000]])
    print(f"compare {len(es):,} x {es.dim} against a rotated copy (k = 10, overlap among the {cmp.pool:,} most "
          f"frequent): {dt:.2f} s; {100 * moved_first:.0f}% of the 1,000 moved words rank in the top 1,000; "
          f"target ≤ 5 s")


def bench_isolate(es: EmbeddingSet) -> None:
    import umap as umap_learn

    from core.projections.project import project

    rows = point_rows(es, 2000, [])
    t = time.perf_counter()
    run_sync(project(es, rows, "umap", cache=False))
    app = time.perf_counter() - t
    x = np.asarray(es.vectors[rows], np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    t = time.perf_counter()
    umap_learn.UMAP(n_components=3, n_neighbors=15, min_dist=0.1, random_state=42).fit_transform(x)
    direct = time.perf_counter() - t
    print(f"isolate 2,000 points with UMAP: the app {app:.2f} s (child process, progress, cancellable), "
          f"umap-learn directly {direct:.2f} s (ratio {app / direct:.2f})")


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

    def frame_ms() -> float:
        view.render_frame()  # the first frame after new data uploads it
        times = []
        for _ in range(15):
            view.camera_orbit(2.0)
            t = time.perf_counter()
            view.render_frame()
            times.append(time.perf_counter() - t)
        return 1000 * float(np.median(times))

    lay = run_sync(pca(es, np.arange(len(es))))
    digits = load_digits()
    pics = digits.uint8()
    print("frame time, 3D view 800 x 600, software OpenGL (median of 15 frames)")
    for n in (10_000, 100_000, 400_000):
        pos = Frame.fit(lay.coords[:n]).apply(lay.coords[:n])
        col = colors.frequency(np.arange(n), len(es))
        size = 4.0 if n <= 20_000 else 3.0 if n <= 120_000 else 2.0
        view.set_points(pos, col, size)
        dots = frame_ms()
        t = time.perf_counter()
        view.set_density(True)
        shade_s = time.perf_counter() - t
        shaded = frame_ms()
        view.set_density(False)
        line = f"  {n:>7,} points: dots {dots:6.1f} ms · density shading {shaded:6.1f} ms (+{1000 * shade_s:.0f} ms)"
        if n <= 100_000:
            t = time.perf_counter()
            view.set_sprites(tinted(pics[np.arange(n) % len(pics)], col), 20.0 if n > 5_000 else 28.0)
            atlas_s = time.perf_counter() - t
            line += f" · pictures {frame_ms():6.1f} ms (atlas {1000 * atlas_s:.0f} ms once)"
            view.set_sprites(None, 0)
        print(line)
    # the 5,000 digits themselves (their pixels' PCA), as dots and as pictures
    d_lay = run_sync(pca(EmbeddingSet([str(i) for i in range(len(pics))],
                                      digits.images.reshape(len(pics), -1).astype(np.float32)), np.arange(len(pics))))
    pos = Frame.fit(d_lay.coords).apply(d_lay.coords)
    col = colors.numeric_or_categories([str(v) for v in digits.labels.tolist()])[0]
    view.set_points(pos, col, 4.0)
    dots = frame_ms()
    t = time.perf_counter()
    view.set_sprites(tinted(pics, col), 28.0)
    atlas_s = time.perf_counter() - t
    print(f"  5,000 MNIST digits: dots {dots:.1f} ms · pictures (28 px) {frame_ms():.1f} ms "
          f"(atlas {1000 * atlas_s:.0f} ms)")
    view.close()
    app.processEvents()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--umap", action="store_true", help="also time Isolate with UMAP against umap-learn")
    ap.add_argument("--frames", action="store_true", help="only the 3D view's frame times (under Xvfb)")
    args = ap.parse_args()
    es = run_sync(load_default())
    if args.frames:
        bench_frames(es)
        return
    bench_selection(es)
    bench_compare(es)
    if args.umap:
        bench_isolate(es)


if __name__ == "__main__":
    main()
