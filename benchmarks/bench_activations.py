"""Timings of the activations room (not a test). Prints, in one run:

1. pen stroke -> every layer and both bar charts redrawn: strokes are mouse events (QTest) on the
   real draw pad, one piece of a stroke at a time, waited for until the layers panel has painted
   the layers of that very input; median latency, split into the model (preparing the picture,
   then the network) and the drawing (filling the heatmaps and bars, then painting); target 30 ms,
   against one frame of a 60 Hz screen (16.7 ms).
2. the longest GUI-thread stall while drawing continuously (a pen move every 8 ms for 3 s, a
   5 ms QTimer heartbeat); target 50 ms.
3. the 500-wide layer of all 5,000 digits (onnxruntime, batches of 500), against torch eager on
   the same weights; target 1 s.
4. live placement of the pad's digit into the 5,000-digit cloud: from ``session.cloud.probes``
   set to the point drawn (PCA layout, exact placement, on the task runner), and the neighbour
   mean t-SNE layouts use; target 30 ms, against re-projecting all 5,000 digits with PCA.
5. opening MiniLM (90 MB) in the ONNX layers panel and fetching one of its tensors: the longest
   GUI stall with the model in its child process, against the same work on a thread in-process.
6. with ``--quality``: kNN accuracy (pixels vs the 500-wide layer, k = 1, 5, 10) and the
   trustworthiness of PCA, t-SNE and UMAP layouts of the 5,000 digits, in the 500-wide layer and
   in raw pixel space (minutes: t-SNE and UMAP).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_activations.py [--strokes 120] [--quality]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def median(xs) -> float:
    return statistics.median(xs) if xs else float("nan")


def pump(app, until, timeout: float = 10.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + timeout
    while not until():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() > end:
            raise TimeoutError("no result in time")


def stroke_points(n: int) -> list[tuple[float, float]]:
    """A wandering stroke of n points over the pad (pad pixels)."""
    t = np.linspace(0, 4 * np.pi, n)
    return list(zip(140 + 90 * np.sin(t), 140 + 90 * np.sin(1.5 * t + 0.4)))


class PaintClock:
    """Time of the last paint of a widget (an event filter)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        clock = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    clock.last = time.perf_counter()
                return False

        self.last = 0.0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def bench_strokes(app, n: int) -> None:
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtTest import QTest

    from core.inference.digit_layers import prepared
    from core.state.session import Session
    from gui.controllers import Controllers
    from gui.panels.activations.digit_layers_panel import DigitLayersPanel
    from gui.panels.activations.draw_pad_panel import DrawPadPanel
    from gui.task_runner import TaskRunner

    s, runner = Session(), TaskRunner()
    controllers = Controllers(s, runner)  # noqa: F841 (kept alive for the run)
    pad, layers = DrawPadPanel(s, runner), DigitLayersPanel(s, runner)
    pad.setGeometry(0, 0, 360, 620)
    layers.setGeometry(380, 0, 1100, 520)
    pad.show()
    layers.show()
    pump(app, lambda: pad.digits is not None, 30)
    clock = PaintClock(layers.views["probs"])
    canvas = pad.canvas

    def at(x, y):
        return QPoint(round(canvas.width() * x / 280), round(canvas.height() * y / 280))

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    pts = stroke_points(n + 10)
    QTest.mousePress(canvas, left, none, at(*pts[0]))
    latency, model, prep, fill, paint = [], [], [], [], []
    for i, p in enumerate(pts[1:]):
        t0 = time.perf_counter()
        QTest.mouseMove(canvas, at(*p))
        src = s.activations.digit
        pump(app, lambda: s.activations.layers is not None and s.activations.layers.source is src
             and clock.last > t0)
        t_end = time.perf_counter()
        if i < 10:  # warm-up: the model opens, first paints
            continue
        res = s.activations.layers
        latency.append((t_end - t0) * 1000)
        model.append(res.model_ms)
        fill.append(layers.draw_ms[-1])
        t = time.perf_counter()
        prepared(src)
        prep.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        layers.repaint()
        paint.append((time.perf_counter() - t) * 1000)
    QTest.mouseRelease(canvas, left, none, at(*pts[-1]))
    print(f"1. pen stroke -> every layer and both bar charts painted ({len(latency)} stroke pieces): "
          f"median {median(latency):.1f} ms (p90 {np.percentile(latency, 90):.1f}); target 30 ms; "
          f"{median(latency) / 16.7:.2f}x one 60 Hz frame")
    print(f"   model: prepare the picture {median(prep):.2f} ms + the network, every layer {median(model):.2f} ms; "
          f"drawing: fill heatmaps and bars {median(fill):.2f} ms + paint the panel {median(paint):.1f} ms")

    # 2. continuous drawing with a heartbeat
    beats: list[float] = []
    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    moves = iter(stroke_points(400))
    pen = QTimer(interval=8)

    def move() -> None:
        p = next(moves, None)
        if p is None:
            pen.stop()
            QTest.mouseRelease(canvas, left, none, at(140, 140))
        else:
            QTest.mouseMove(canvas, at(*p))

    QTest.mousePress(canvas, left, none, at(140, 140))
    started = len(layers.draw_ms)
    heartbeat.start()
    pen.timeout.connect(move)
    pen.start()
    pump(app, lambda: not pen.isActive(), 30)
    pump(app, lambda: not runner.is_running(), 10)
    heartbeat.stop()
    gaps = np.diff(beats) * 1000
    print(f"2. drawing for {beats[-1] - beats[0]:.1f} s (a move every 8 ms, 400 moves, {len(layers.draw_ms) - started} "
          f"layer updates shown): longest GUI stall {gaps.max():.0f} ms (p99 {np.percentile(gaps, 99):.0f} ms); "
          f"target 50 ms")
    runner.shutdown()
    pad.close()
    layers.close()


def torch_layer(images: np.ndarray):
    """The network up to its 500-wide layer in torch eager, weights read from the ONNX file."""
    try:
        import onnx
        import torch
        import torch.nn.functional as F
        from onnx import numpy_helper
    except ImportError:
        return None
    from core.inference import registry

    m = onnx.load(str(registry.model_dir(registry.DIGITS) / "model.onnx"))
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    x = torch.from_numpy(images[:, None].copy())

    def run():
        with torch.no_grad():
            out = []
            for s in range(0, len(x), 500):
                h = F.max_pool2d(F.relu(F.conv2d(x[s:s + 500], w["conv1.weight"], w["conv1.bias"])), 2)
                h = F.max_pool2d(F.relu(F.conv2d(h, w["conv2.weight"], w["conv2.bias"])), 2)
                out.append(F.relu(F.linear(h.flatten(1), w["fc1.weight"], w["fc1.bias"])))
            return torch.cat(out).numpy()

    return run


def bench_layer() -> object:
    from core.inference import registry
    from core.inference.digit_embeddings import image_set_job
    from core.inference.mnist import load_digits
    from core.progress import run_sync

    clf = registry.open(registry.DIGITS)
    digits = load_digits()
    run_sync(image_set_job(clf, digits))  # warm-up
    runs = [run_sync(image_set_job(clf, digits)) for _ in range(3)]
    ort_s = median([r.layer_seconds for r in runs])
    line = f"3. 500-wide layer of all 5,000 digits: onnxruntime {ort_s:.2f} s (median of 3); target 1 s"
    run = torch_layer(digits.images)
    if run is not None:
        ref = run()
        err = float(np.abs(ref - runs[-1].embeddings.vectors).max())
        times = []
        for _ in range(3):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        line += f"; torch eager, same weights {median(times):.2f} s ({median(times) / ort_s:.2f}x; max diff {err:.1e})"
    print(line)
    return runs[-1]


def bench_placement(app, imgs) -> None:
    from core.progress import run_sync
    from core.projections.placement import place_vectors
    from core.projections.project import project
    from core.state.session import Session
    from gui.controllers import Controllers
    from gui.panels.cloud.point_cloud_panel import PointCloudPanel
    from gui.task_runner import TaskRunner

    s, runner = Session(), TaskRunner()
    controllers = Controllers(s, runner)  # noqa: F841 (kept alive for the run)
    cloud = PointCloudPanel(s, runner)
    cloud.resize(900, 700)
    cloud.show()
    s.activations.images = imgs
    s.set_embeddings(imgs.embeddings)
    pump(app, lambda: cloud.layout_ is not None, 60)
    pump(app, lambda: not runner.is_running(), 60)
    vectors = imgs.embeddings.vectors[imgs.digits.heldout[:60]]
    times = []
    for v in vectors:
        before = s.cloud.placed_probes
        t0 = time.perf_counter()
        s.cloud.probes = (("pad", v),)
        pump(app, lambda: s.cloud.placed_probes is not before)  # placed, and the overlays redrawn with it
        times.append((time.perf_counter() - t0) * 1000)
    es, layout = imgs.embeddings, cloud.layout_
    t = time.perf_counter()
    for v in vectors:
        place_vectors(es, layout, v[None], method="neighbour mean")
    mean_ms = (time.perf_counter() - t) * 1000 / len(vectors)
    t = time.perf_counter()
    run_sync(project(es, layout.rows, "pca", cache=False))
    pca_ms = (time.perf_counter() - t) * 1000
    print(f"4. live placement into the 5,000-digit cloud: probe set -> placed and drawn (PCA, exact) median "
          f"{median(times[5:]):.1f} ms; neighbour mean (t-SNE layouts) {mean_ms:.2f} ms per vector; target 30 ms; "
          f"re-projecting with PCA instead {pca_ms:.0f} ms ({pca_ms / median(times[5:]):.0f}x)")
    runner.shutdown()
    cloud.close()


def heartbeat_gap(app, start, done, timeout: float = 120.0) -> tuple[float, float]:
    """(longest gap between 5 ms heartbeats in ms, seconds) while `start()`'s work runs until `done()`."""
    from PySide6.QtCore import QTimer

    beats: list[float] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    pump(app, lambda: len(beats) > 5, 5)
    t0 = time.perf_counter()
    start()
    pump(app, done, timeout)
    seconds = time.perf_counter() - t0
    pump(app, lambda: time.perf_counter() - t0 > seconds + 0.05, 5)
    timer.stop()
    return float(np.diff(beats).max() * 1000), seconds


def bench_onnx_open(app) -> None:
    import threading

    from core.inference import registry
    from core.inference.any_model import AnyModel, InputChoice
    from core.progress import background_priority
    from core.state.session import Session
    from gui.controllers import Controllers
    from gui.task_runner import TaskRunner

    path = registry.model_dir(registry.ENCODER) / "model.onnx"
    if not path.is_file():
        print("5. (MiniLM is not built)")
        return
    s, runner = Session(), TaskRunner()
    controllers = Controllers(s, runner)  # noqa: F841 (kept alive for the run)
    m = s.activations.onnx

    def open_and_fetch():
        m.path = str(path)

    want: list[str] = []

    def fetched() -> bool:
        if m.graph is not None and not want:
            want.append(next(t.name for t in m.graph.tensors if t.op_type == "LayerNormalization"))
            m.chosen = (want[0], "sentence_embedding")
        return bool(want) and m.values is not None and want[0] in m.values.values
    worker_gap, worker_s = heartbeat_gap(app, open_and_fetch, fetched)
    runner.shutdown()
    box: dict = {}

    def in_thread():
        def work():
            background_priority()  # as the task runner's threads (and the child they start) run
            model = AnyModel(path)
            name = next(t.name for t in model.tensors if t.op_type == "LayerNormalization")
            box["out"] = model.run([name, "sentence_embedding"], model.feeds(InputChoice())[0])
        threading.Thread(target=work, daemon=True).start()
    thread_gap, thread_s = heartbeat_gap(app, in_thread, lambda: "out" in box)
    print(f"5. opening MiniLM in the ONNX layers panel and fetching a tensor ({worker_s:.1f} s): longest GUI stall "
          f"{worker_gap:.0f} ms with the model in a child process; the same on a thread in-process "
          f"({thread_s:.1f} s): {thread_gap:.0f} ms")


def bench_quality(imgs) -> None:
    from core.embeddings.embedding_set import EmbeddingSet
    from core.inference.digit_embeddings import knn_accuracy
    from core.progress import run_sync
    from core.projections.project import project
    from core.projections.quality import trustworthiness

    d = imgs.digits
    X, y, tr, te = imgs.embeddings.vectors, d.labels, d.train, d.heldout
    P = d.images.reshape(len(d), -1)
    for k in (1, 5, 10):
        print(
            f"6. {k}-NN accuracy of the 1,000 held-out digits: "
            f"pixels {knn_accuracy(P[tr], y[tr], P[te], y[te], k):.1%}, "
            f"500-wide layer {knn_accuracy(X[tr], y[tr], X[te], y[te], k):.1%}"
        )
    pixels = EmbeddingSet(imgs.embeddings.words, P.astype(np.float32), name="MNIST pixels", source="bench pixels")
    rows = np.arange(len(d))
    for name, es in (("500-wide layer", imgs.embeddings), ("raw pixels", pixels)):
        for method in ("pca", "tsne", "umap"):
            t = time.perf_counter()
            try:
                layout = run_sync(project(es, rows, method, cache=False))
            except Exception as exc:  # noqa: BLE001 - an optional method missing
                print(f"   {name} {method}: {exc}")
                continue
            secs = time.perf_counter() - t
            value, n = run_sync(trustworthiness(es, layout))
            print(
                f"   trustworthiness (k=10, {n:,} sampled) of the {method} layout of the {name}: "
                f"{value:.3f} ({secs:.0f} s)"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=120)
    ap.add_argument("--quality", action="store_true")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
        f"platform {app.platformName()}"
    )
    bench_strokes(app, args.strokes)
    imgs = bench_layer()
    bench_placement(app, imgs)
    bench_onnx_open(app)
    if args.quality:
        bench_quality(imgs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
