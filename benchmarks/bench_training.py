"""word2vec training timings (not a test). Prints:

1. throughput: words per second training skip-gram on a shipped corpus (default lee), 2 worker threads,
   through the app's job (gensim with the epoch callback, a snapshot, the loss and the probe figures per
   epoch) against the same gensim call (same corpus in memory, same settings, compute_loss on) without
   the callback, snapshots or probes; runs alternate, the median of each is compared
   (target: the app's overhead <= 10%). The cost of gensim's own compute_loss is printed too.
2. a layout snapshot per epoch: PCA of 10,000 words of a trained set plus the Procrustes turn onto the
   previous epoch's layout, as the cloud computes it for each epoch (target <= 100 ms); and the job's own
   per-epoch work (copying the vectors, the EmbeddingSet, probe neighbours and scores) for those words.
3. the longest GUI-thread stall (5 ms QTimer heartbeat) while the real window trains skip-gram on lee
   with 2 threads and every room follows the epochs (target < 50 ms); then, not training, while the
   epoch slider steps back and forth (each step a set switch that every room reacts to).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_training.py [--runs 5] [--corpus lee]
    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python benchmarks/bench_training.py --only gui
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_throughput(corpus_name: str, runs: int, epochs: int) -> None:
    from gensim.models import Word2Vec

    from core.embeddings.corpus import open_corpus
    from core.embeddings.training import TrainingSettings, train
    from core.progress import run_sync

    corpus = open_corpus(corpus_name)
    sentences = list(corpus)  # both read the same sentences from memory
    settings = TrainingSettings(sg=True, epochs=epochs, workers=2)
    words = corpus.tokens * epochs

    def ours() -> float:
        t = time.perf_counter()
        run_sync(train(settings, corpus))
        return time.perf_counter() - t

    def gensim(loss: bool = True) -> float:
        t = time.perf_counter()
        Word2Vec(sentences, **settings.gensim_kwargs(), compute_loss=loss)
        return time.perf_counter() - t

    ours(), gensim()  # warm up: imports, the analogy file, caches
    a, b, c = [], [], []
    for _ in range(runs):
        a.append(ours())
        b.append(gensim())
        c.append(gensim(loss=False))
    ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
    print(
        f"throughput, skip-gram on {corpus.info.name} ({corpus.tokens:,} words x {epochs} epochs, 2 threads, "
        f"{runs} alternating runs, load {load()}):"
    )
    print(
        f"  app (callback, snapshot, loss, probes per epoch): {words / ma:,.0f} words/s (median {ma:.2f} s; "
        f"{', '.join(f'{x:.2f}' for x in a)})"
    )
    print(
        f"  gensim alone, same call (compute_loss on):        {words / mb:,.0f} words/s (median {mb:.2f} s; "
        f"{', '.join(f'{x:.2f}' for x in b)})"
    )
    print(
        f"  app overhead: {100 * (ma / mb - 1):+.1f}% (target <= 10%); "
        f"gensim's own compute_loss costs {100 * (mb / mc - 1):+.1f}% ({words / mc:,.0f} words/s without it)"
    )


def bench_snapshot(runs: int) -> None:
    import numpy as np
    from threadpoolctl import threadpool_limits

    from core.embeddings.corpus import open_corpus
    from core.embeddings.probes import ProbeSet
    from core.embeddings.training import TrainingSettings, _record, train
    from core.progress import run_sync
    from core.projections.align import align_layout
    from core.projections.cloud_jobs import projection_job
    from core.projections.layout import point_rows
    from core.projections.linear import pca

    t = time.perf_counter()
    run = run_sync(train(TrainingSettings(epochs=2, min_count=3, workers=2), open_corpus("head500")))
    print(
        f"snapshot per epoch ({run.vocabulary:,} words of head500 at min count 3, 50 dimensions; "
        f"trained 2 epochs in {time.perf_counter() - t:.1f} s; load {load()}):"
    )
    previous, current = run.epochs[1].embeddings, run.final
    rows = point_rows(current, 10_000)
    reference = (previous.words, run_sync(projection_job(previous, rows, "pca", ())))
    probe_set = ProbeSet.build(current.words)  # once per run
    vocab = {"all": (current.words, current.index)}
    item = ("epoch", 2, np.asarray(current.vectors), 1.0, 1.0)
    times, single, cores = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        layout = run_sync(pca(current, rows))  # what project() computes on a cache miss
        aligned = align_layout(layout, current.words, reference[1], reference[0])
        times.append(time.perf_counter() - t)
        with threadpool_limits(1, user_api="blas"):
            t = time.perf_counter()
            align_layout(run_sync(pca(current, rows)), current.words, reference[1], reference[0])
            single.append(time.perf_counter() - t)
        t = time.perf_counter()
        vectors = np.asarray(current.vectors).copy()  # the epoch callback's copy
        _record(run, item[:2] + (vectors,) + item[3:], vocab, probe_set)  # as the job does it
        cores.append(time.perf_counter() - t)
    assert "aligned" in aligned.info
    print(
        f"  PCA of {len(rows):,} words + Procrustes turn onto the previous epoch: median "
        f"{1000 * statistics.median(times):.1f} ms (max {1000 * max(times):.1f} ms; target <= 100 ms); "
        f"{1000 * statistics.median(single):.1f} ms with one BLAS thread"
    )
    print(
        f"  the job's per-epoch record (vector copy, sets, probe neighbours and scores on "
        f"{len(probe_set.analogies):,} questions and {len(probe_set.pairs)} pairs, one BLAS thread): "
        f"median {1000 * statistics.median(cores):.1f} ms, "
        f"on the job's thread while gensim trains the next epoch"
    )


def bench_gui_stall(epochs: int, stacks: bool = False) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.embeddings.training import TrainingSettings
    from core.state.session import Session, TrainingRequest
    from core.state.settings import Settings
    from gui.app import freeze_startup_objects, preload_libraries
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    session, runner = Session(), TaskRunner()
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    preload_libraries()  # as gui.app.run_gui does
    freeze_startup_objects()
    window.resize(1600, 1000)
    window.show()
    window.raise_panel("train")
    window.load_default()
    beats: list[float] = []
    marks: dict[str, float] = {}
    switches: list[float] = []
    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    session.events.embeddings.connect(lambda *_: switches.append(time.perf_counter()))
    quiet = {"since": None}
    replay: list[float] = []

    def poll() -> None:
        now = time.perf_counter()
        if runner.is_running():
            quiet["since"] = None
        elif quiet["since"] is None:
            quiet["since"] = now
        elif now - quiet["since"] > 0.5:
            if "start" not in marks:
                marks["start"] = now
                session.training.request = TrainingRequest("lee", TrainingSettings(epochs=epochs, workers=2))
            elif "idle" not in marks and session.training.run is not None and session.training.run.finished:
                marks["idle"] = quiet["since"]
                replay.append(now)
            elif "idle" in marks and len(replay) < 8:  # no training now: the epoch slider, one step at a time
                replay.append(now)
                session.training.epoch = 1 if len(replay) % 2 else -1
            elif "idle" in marks:
                marks["replayed"] = quiet["since"]
                app.quit()

    poller = QTimer(interval=50)
    poller.timeout.connect(poll)
    heartbeat.start()
    poller.start()
    sampler = None
    if stacks:
        from benchmarks.bench_gui import StackSampler

        sampler = StackSampler()
        sampler.start()
    app.exec()
    heartbeat.stop()
    if sampler:
        sampler.stop()
        sampler.report([b for b in beats if marks["start"] <= b <= marks["idle"]], marks["start"])
    run = session.training.run
    failures = window.reporter.history
    window.close()
    runner.shutdown()
    if failures or run is None:
        raise SystemExit(f"training failed: {failures}")

    def stalls(t0: float, t1: float) -> tuple[float, float, int]:
        gaps = [(b - a, a) for a, b in zip(beats, beats[1:]) if t0 <= a <= t1]
        gap, at = max(gaps)
        return gap, at, sum(g > 0.05 for g, _ in gaps)

    gap, at, over = stalls(marks["start"], marks["idle"])
    shown = sum(marks["start"] <= s <= marks["idle"] for s in switches)
    print(
        f"GUI while training skip-gram on lee ({epochs} epochs, 2 threads, {os.environ['QT_QPA_PLATFORM']}, "
        f"load {load()}): {marks['idle'] - marks['start']:.1f} s until every room is idle, {shown} epochs shown "
        f"as the active set; longest GUI-thread stall {1000 * gap:.0f} ms at +{at - marks['start']:.2f} s, "
        f"{over} stalls over 50 ms (target: none)"
    )
    gap, _, over = stalls(replay[0], marks["replayed"])
    print(
        f"  the same window, not training: {len(replay) - 1} steps of the epoch slider (each a set switch every "
        f"room reacts to): longest stall {1000 * gap:.0f} ms, {over} over 50 ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="word2vec training timings")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--corpus", default="lee", help="lee or head500")
    parser.add_argument("--only", choices=["throughput", "snapshot", "gui"])
    parser.add_argument("--stacks", action="store_true", help="say where each GUI stall over 50 ms went")
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        bench_throughput(args.corpus, args.runs, args.epochs)
    if args.only in (None, "snapshot"):
        bench_snapshot(max(args.runs, 10))
    if args.only in (None, "gui"):
        bench_gui_stall(args.epochs, args.stacks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
