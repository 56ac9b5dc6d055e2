"""The map you can work with (issue 23): selection, compare, isolate, in one run.

    python benchmarks/bench_map.py [--umap | --isolate | --tokens | --frames]

* selection: a 200-vertex lasso and a box over 400,000 projected points of the bundled GloVe (the 3D
  view's projection to pixels included), median of 7 — target ≤ 30 ms;
* compare: two 400,000 x 50 sets (GloVe and a rotated copy with 1,000 words moved), k = 10 — target ≤ 5 s;
* --umap (after the rest) or --isolate (alone): Isolate 2,000 points with UMAP as the app runs it
  (projection_job: the child process, progress, the cache looked up) against umap-learn's UMAP called in
  this process with the same parameters on the same unit rows; cold and warm, with the load average;
* --tokens (alone): SmolLM2-135M's token embeddings in fp32 against those of its 4-bit copy: reading them,
  the comparison, how far the tokens moved and how many neighbour lists stayed the same.
* --frames, --all, --jobs: the 3D view and the cloud panel in a window: see bench_map_window.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.embeddings.compare import compare
from core.embeddings.default_set import load_default
from core.embeddings.embedding_set import EmbeddingSet
from core.progress import run_sync
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


@contextmanager
def _fresh_cache():
    """A temporary cache folder while the block runs (projections and token sets computed, not read)."""
    old = os.environ.get("EMBEDDING_EXPLORER_CACHE")
    with tempfile.TemporaryDirectory(prefix="bench-map-") as d:
        os.environ["EMBEDDING_EXPLORER_CACHE"] = d
        try:
            yield Path(d)
        finally:
            if old is None:
                del os.environ["EMBEDDING_EXPLORER_CACHE"]
            else:
                os.environ["EMBEDDING_EXPLORER_CACHE"] = old


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


def bench_isolate(es: EmbeddingSet, repeat: int = 5) -> None:
    """Isolate 2,000 points with UMAP as the CloudController runs it (projection_job with the cloud's default
    UMAP settings: unit rows, a fit in the persistent child process, progress read between epochs, the
    projection cache looked up and written) against umap-learn's UMAP called in this process with the same
    parameters on the same unit rows. Cold: the app's child started afresh, and this process's import of
    umap-learn plus its first fit (numba compiles in each process; its on-disk cache is shared by both);
    warm: median of ``repeat`` more of each, interleaved."""
    import shutil
    import warnings

    from core.projections import cache as projection_cache
    from core.projections import umap as app_umap
    from core.projections.cloud_jobs import projection_job
    from core.projections.layout import resolve_params, unit_rows
    from core.state.session import CloudState

    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(10_000, 2_000, replace=False)).astype(np.int64)  # a selection among the shown words
    params = CloudState(method="umap").params
    p = dict(resolve_params("umap", params))
    kwargs = {"n_neighbors": int(p["n_neighbors"]), "min_dist": float(p["min_dist"]), "random_state": int(p["seed"]),
              "metric": "euclidean", "n_jobs": 1, "low_memory": True}
    print(f"isolate 2,000 of the 10,000 most frequent GloVe words with UMAP ({kwargs}); {_load()}")
    with _fresh_cache() as cache:
        def app_once() -> tuple[float, np.ndarray, int]:
            projection_cache.clear_memory()
            shutil.rmtree(cache / "projections", ignore_errors=True)  # a fit, not a cache hit
            steps: list = []
            t = time.perf_counter()
            lay = run_sync(projection_job(es, rows, "umap", params), steps.append)
            return time.perf_counter() - t, lay.coords, len(steps)

        x = unit_rows(es, rows, True)
        t = time.perf_counter()
        umap_learn = app_umap._import_umap()  # the app's child imports it too, in its cold time
        t_import = time.perf_counter() - t

        def direct_once() -> tuple[float, np.ndarray]:
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = umap_learn.UMAP(n_components=3, **kwargs).fit_transform(x)
            return time.perf_counter() - t, np.asarray(out, np.float32)

        app_umap.stop_worker()
        app_cold, app_coords, n_steps = app_once()
        direct_cold, direct_coords = direct_once()
        direct_cold += t_import
        app_warm, direct_warm = [], []
        for _ in range(repeat):  # interleaved, so a burst of load from other jobs falls on both
            app_warm.append(app_once()[0])
            direct_warm.append(direct_once()[0])
    aw, dw = float(np.median(app_warm)), float(np.median(direct_warm))
    same = float(np.abs(app_coords - direct_coords).max())
    print(f"  the app (projection_job, child process, {n_steps} progress steps): cold {app_cold:.2f} s, "
          f"warm {aw:.2f} s (median of {repeat}: {', '.join(f'{t:.2f}' for t in app_warm)})")
    print(f"  umap-learn directly: cold {direct_cold:.2f} s (import {t_import:.2f} s included), warm {dw:.2f} s "
          f"(median of {repeat}: {', '.join(f'{t:.2f}' for t in direct_warm)})")
    print(f"  ratio app / direct: cold {app_cold / direct_cold:.2f}, warm {aw / dw:.2f}; the two layouts differ by "
          f"at most {same:.2g} (same seed, same rows); {_load()}")


def bench_tokens() -> None:
    """SmolLM2-135M's token embeddings in fp32 against those of its 4-bit copy (model_q4.onnx): reading the
    4-bit table into a fresh cache, the comparison (k = 10, overlap among the 10,000 first tokens), and what
    it shows."""
    from core.inference.token_embeddings import q4_unavailable, token_embeddings

    why = q4_unavailable()
    if why:
        print(f"tokens: {why}")
        return
    print(f"SmolLM2-135M token embeddings, fp32 against the 4-bit copy; {_load()}")
    with _fresh_cache():
        t = time.perf_counter()
        fp32 = run_sync(token_embeddings())
        t_fp32 = time.perf_counter() - t
        t = time.perf_counter()
        q4 = run_sync(token_embeddings(precision="q4"))
        t_q4 = time.perf_counter() - t
        t = time.perf_counter()
        run_sync(token_embeddings(precision="q4"))
        t_again = time.perf_counter() - t
        t = time.perf_counter()
        cmp = run_sync(compare(fp32, q4, 10))
        t_cmp = time.perf_counter() - t
        a, b = np.asarray(fp32.vectors), np.asarray(q4.vectors)
    raw = 1 - (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    ov = cmp.overlap[~np.isnan(cmp.overlap)]
    top = ", ".join(f"{w['word']} {w['moved']:.2e}" for w in cmp.as_json(5)["words"])
    low = ", ".join(f"{cmp.words[i]} {cmp.overlap[i]:.2f}" for i in cmp.order("overlap")[:5].tolist())
    print(f"  read into the cache: fp32 {t_fp32:.1f} s, 4-bit {t_q4:.1f} s (opened again: {1000 * t_again:.0f} ms); "
          f"compare {t_cmp:.1f} s")
    print(f"  elements: largest |fp32 - 4-bit| {np.abs(a - b).max():.4f} (largest |fp32| {np.abs(a).max():.2f}), "
          f"mean {np.abs(a - b).mean():.5f}; cosine distance before alignment: median {np.median(raw):.2e}, "
          f"max {raw.max():.2e}")
    print(f"  {cmp.shared:,} shared tokens; moved (after alignment) median {np.median(cmp.moved):.2e}, max "
          f"{cmp.moved.max():.2e}; top moved: {top}")
    print(f"  overlap of 10 neighbours among {cmp.pool:,}: mean {ov.mean():.3f}; identical lists "
          f"{np.mean(ov == 1):.1%}, "
          f"9 of 10 kept {np.mean(np.isclose(ov, 9 / 11)):.1%}, fewer {np.mean(ov < 9 / 11 - 1e-6):.1%}; "
          f"lowest: {low}; {_load()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--umap", action="store_true", help="also time Isolate with UMAP against umap-learn")
    ap.add_argument("--frames", action="store_true", help="only the 3D view's frame times (under Xvfb)")
    ap.add_argument("--all", action="store_true", help="the 'all' button in the real cloud panel (under Xvfb)")
    ap.add_argument("--jobs", nargs="*", choices=("tsne", "umap"), help="t-SNE / UMAP of 100,000 points")
    ap.add_argument("--tokens", action="store_true", help="only SmolLM2's token embeddings, fp32 against 4-bit")
    ap.add_argument("--isolate", action="store_true", help="only Isolate with UMAP against umap-learn")
    args = ap.parse_args()
    if args.tokens:
        bench_tokens()
        return
    es = run_sync(load_default())
    if args.isolate:
        bench_isolate(es)
        return
    if args.frames or args.all or args.jobs is not None:
        from bench_map_window import bench_all, bench_frames, bench_jobs  # this folder is on sys.path

        if args.frames:
            bench_frames(es)
        if args.all:
            bench_all(es)
        if args.jobs is not None:
            bench_jobs(es, args.jobs or ["umap", "tsne"])
        return
    bench_selection(es)
    bench_compare(es)
    if args.umap:
        bench_isolate(es)


if __name__ == "__main__":
    main()
