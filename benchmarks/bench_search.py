"""Search backends against their peers, each measured in ONE run on the same vectors.

    .venv/bin/python benchmarks/bench_search.py glove [--queries 1000] [--skip-milvus] [--milvus-db PATH]
    .venv/bin/python benchmarks/bench_search.py big [--file /tmp/big/words-2m-300d.bin] [--keep]

glove (GloVe 6B 50d, 400,000 words):
  * exact single top-10 queries: ours (full float32 scan; and the int8 scan with exact re-rank)
    against gensim's most_similar, interleaved, medians; identical lists on every query;
  * HNSW: faiss (what the app uses) and hnswlib (pip install .[bench]), same graph settings, ef
    chosen the same way; build time, recall@10 against exact on the sampled words, latency and
    queries per second against exact single queries;
  * Milvus Lite: the set exported (or reused with --milvus-db), recall@10 and queries per second.
big (a 2,000,000 x 300 word2vec binary made by make_big_set.py): load time and peak memory, ours
  (streamed into the memory-mapped cache) against gensim's load_word2vec_format, each in a fresh
  process; exact and HNSW query latency; index build time and its peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import nearest, search_words
from core.embeddings.search import compressed, hnsw, index_store, recall
from core.progress import run_sync


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(name: str, value: str, note: str = "") -> None:
    print(f"{name:<52} {value:<28} {note}", flush=True)


def copy_of(es: EmbeddingSet, name: str) -> EmbeddingSet:
    return EmbeddingSet(es.words, es.vectors, name=name, source=es.source, norms=es.norms, word_index=es.index)


def timed_queries(fns: dict, words: list[str], rounds: int = 1) -> dict[str, list[float]]:
    """Each function on every word in turn, in blocks (A's words, B's words, ... then again), so each runs
    in its steady state, as a user's queries do (interleaving each query would make every method read
    its data from memory again after the others' scans); seconds per query."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            for w in words:
                t = time.perf_counter()
                fn(w)
                times[k].append(time.perf_counter() - t)
    return times


def cpu_ms(fn, words: list[str]) -> float:
    """CPU time (every thread) per query: less sensitive than wall time to other work on the machine."""
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for w in words:
        fn(w)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / max(len(words), 1) * 1e3


# -- HNSW peers -----------------------------------------------------------------------------
def hnswlib_index(es: EmbeddingSet, tuning: recall.Truth, truth: recall.Truth) -> dict | None:
    try:
        import hnswlib
    except ImportError:
        return None
    unit = es.unit_matrix()
    t = time.perf_counter()
    p = hnswlib.Index(space="ip", dim=es.dim)
    p.init_index(max_elements=len(es), ef_construction=hnsw.EF_CONSTRUCTION, M=hnsw.M, random_seed=1)
    p.set_num_threads(hnsw.threads())
    for s in range(0, len(es), 10000):
        p.add_items(unit[s : s + 10000], np.arange(s, min(s + 10000, len(es))))
    build = time.perf_counter() - t
    p.set_num_threads(1)
    ef = hnsw.EF_CHOICES[-1]
    for ef in hnsw.EF_CHOICES:
        p.set_ef(ef)
        if recall.recall_of(list(p.knn_query(tuning.queries, k=11)[0]), tuning) >= hnsw.TARGET_RECALL + 0.01:
            break
    lat = []
    found = []
    for q in truth.queries:
        t = time.perf_counter()
        rows = p.knn_query(q, k=11)[0][0]
        lat.append(time.perf_counter() - t)
        found.append(rows)
    return {"build_s": build, "ef": ef, "recall": recall.recall_of(found, truth), "ms": statistics.median(lat) * 1e3}


def backend_latency(backend, truth: recall.Truth, count: int) -> tuple[float, list[np.ndarray]]:
    lat, found = [], []
    for q in truth.queries[:count]:
        t = time.perf_counter()
        found.append(backend.search(q[None], 11).rows[0])
        lat.append(time.perf_counter() - t)
    return statistics.median(lat) * 1e3, found


# -- GloVe ------------------------------------------------------------------------------------
def bench_glove(args) -> dict:
    from gensim.models import KeyedVectors

    from core.embeddings.default_set import load_default
    from core.embeddings.search import milvus_backend, milvus_connect, milvus_export
    from core.embeddings.search.milvus_connect import MilvusTarget

    out: dict = {}
    glove = run_sync(load_default())
    plain, fast = copy_of(glove, "plain"), copy_of(glove, "fast")
    t = time.perf_counter()
    compressed.ensure(fast)
    out["compress_s"] = time.perf_counter() - t
    kv = KeyedVectors(glove.dim)
    kv.add_vectors(glove.words, np.asarray(glove.vectors))
    kv.fill_norms()
    rng = np.random.default_rng(0)
    words = [glove.words[i] for i in rng.choice(len(glove), args.queries, replace=False)]
    for w in words[:20]:
        nearest(fast, w, 10), nearest(plain, w, 10), kv.most_similar(w, topn=10)
    fns = {"fast": lambda w: nearest(fast, w, 10), "plain": lambda w: nearest(plain, w, 10),
           "gensim": lambda w: kv.most_similar(w, topn=10)}
    times = timed_queries(fns, words, rounds=2)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    cpu = {k: cpu_ms(fn, words[:300]) for k, fn in fns.items()}
    out["cpu_ms"] = cpu
    same_g = sum([n.word for n in nearest(fast, w, 10)] == [x for x, _ in kv.most_similar(w, topn=10)] for w in words)
    same_p = sum([n.index for n in nearest(fast, w, 10)] == [n.index for n in nearest(plain, w, 10)] for w in words)
    out.update(exact_fast_ms=med["fast"], exact_full_ms=med["plain"], gensim_ms=med["gensim"], identical_gensim=same_g,
               identical_full=same_p, queries=len(words))
    print(f"GloVe 6B 50d: {len(glove):,} words x {glove.dim}; {len(words):,} sampled words\n")
    line("exact top-10, int8 scan + exact re-rank (median)", f"{med['fast']:.3f} ms",
         f"gensim {med['gensim']:.3f} ms: {med['gensim'] / med['fast']:.1f}x; compressed copy made in "
         f"{out['compress_s']:.2f} s")
    line("exact top-10, full float32 scan (median)", f"{med['plain']:.3f} ms",
         f"gensim: {med['gensim'] / med['plain']:.2f}x")
    line("CPU time per query (all threads): int8 / full / gensim",
         f"{cpu['fast']:.2f} / {cpu['plain']:.2f} / {cpu['gensim']:.2f} ms",
         f"gensim / int8: {cpu['gensim'] / cpu['fast']:.1f}x")
    line("identical top-10 lists", f"{same_g}/{len(words)} vs gensim", f"{same_p}/{len(words)} vs the full scan")

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EMBEDDING_EXPLORER_CACHE"] = str(Path(tmp) / "cache")
        os.environ["EMBEDDING_EXPLORER_DATA"] = str(Path(tmp) / "data")
        es = copy_of(glove, "bench")
        t = time.perf_counter()
        index = run_sync(index_store.build_index(es, queries=args.queries))
        out["hnsw_total_s"] = time.perf_counter() - t
        truth = run_sync(recall.exact_truth(es, recall.sample_rows(len(es), args.queries)))
        tuning = run_sync(recall.exact_truth(es, recall.sample_rows(len(es), index_store.TUNING_QUERIES, seed=1)))
        ms, found = backend_latency(index, truth, len(truth.rows))
        words_h = [es.words[int(r)] for r in truth.rows]
        lookup_ms = statistics.median(timed_queries({"h": lambda w: search_words(es, w, 10, backend=index)},
                                                    words_h)["h"]) * 1e3
        out.update(hnsw_build_s=index.info.build_seconds, hnsw_recall=recall.recall_of(found, truth), hnsw_ef=index.ef,
                   hnsw_ms=ms, hnsw_lookup_ms=lookup_ms)
        line("HNSW faiss (M 32, efC 40): build", f"{index.info.build_seconds:.1f} s",
             f"ef {index.ef} chosen for recall >= 0.96 on 500 other words")
        line("HNSW faiss: recall@10 vs exact", f"{out['hnsw_recall']:.4f}", f"on {len(truth.rows):,} words")
        line("HNSW faiss: one query (median)", f"{ms:.3f} ms",
             f"{1000 / ms:,.0f} q/s = {out['exact_full_ms'] / ms:.0f}x exact full scan, "
             f"{out['exact_fast_ms'] / ms:.0f}x exact int8")
        line("HNSW faiss: one word's neighbours, exact scores (median)", f"{lookup_ms:.3f} ms",
             f"{out['exact_full_ms'] / lookup_ms:.0f}x the full scan's {out['exact_full_ms']:.2f} ms")
        peer = None if args.skip_hnswlib else hnswlib_index(es, tuning, truth)
        if peer is None:
            line("HNSW hnswlib", "skipped", "(pip install .[bench])")
        else:
            out["hnswlib"] = peer
            line("HNSW hnswlib (same M, efC): build", f"{peer['build_s']:.1f} s", f"ef {peer['ef']}")
            line("HNSW hnswlib: recall@10 / one query", f"{peer['recall']:.4f} / {peer['ms']:.3f} ms",
                 f"faiss is {peer['ms'] / ms:.2f}x its speed")
        if not args.skip_milvus:
            out["milvus"] = bench_milvus(es, truth, args, milvus_export, milvus_backend, milvus_connect, MilvusTarget)
    return out


def bench_milvus(es, truth, args, milvus_export, milvus_backend, milvus_connect, MilvusTarget) -> dict:
    db = args.milvus_db or str(Path(os.environ["EMBEDDING_EXPLORER_DATA"]) / "bench.db")
    target = MilvusTarget(db)
    fp = index_store.set_fingerprint(es)
    t = time.perf_counter()
    res = run_sync(milvus_export.export(es, target, "glove_bench", fingerprint=fp, queries=len(truth.rows)))
    export_s = time.perf_counter() - t
    backend = run_sync(milvus_backend.attach(es, target, "glove_bench", fp))
    ms, found = backend_latency(backend, truth, 100)
    r = {"export_s": export_s, "inserted": res.inserted, "recall": res.recall, "batched_qps": res.queries_per_second,
         "single_ms": ms}
    line("Milvus Lite: export (insert, index, recall)", f"{export_s:.0f} s", f"{res.inserted:,} rows sent")
    line("Milvus Lite: recall@10 vs exact", f"{res.recall}", f"on {len(truth.rows):,} words")
    line("Milvus Lite: one query (median of 100) / batches of 250", f"{ms:.1f} ms / {res.queries_per_second} q/s",
         "(in-process gRPC server, pure Python)")
    milvus_connect.release(target)
    return r


# -- the 2M x 300 set ---------------------------------------------------------------------------
def child(task: str, path: str) -> dict:
    """Run one measurement in a fresh process; it prints one JSON line."""
    env = dict(os.environ)
    r = subprocess.run([sys.executable, __file__, "_child", task, path], capture_output=True, text=True, env=env,
                       timeout=7200)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_child(task: str, path: str) -> None:
    from core.embeddings import loaders

    t = time.perf_counter()
    if task == "gensim_load":
        from gensim.models import KeyedVectors
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        res = {"seconds": time.perf_counter() - t, "words": len(kv)}
    elif task in ("ours_load", "ours_reopen"):
        steps = []
        es = run_sync(loaders.load(path), lambda p: steps.append(p.fraction))
        res = {"seconds": time.perf_counter() - t, "words": len(es), "progress_reports": len(steps)}
    else:  # queries: exact, compressed, HNSW build
        es = run_sync(loaders.load(path))
        rng = np.random.default_rng(0)
        words = [es.words[i] for i in rng.choice(len(es), 30, replace=False)]
        nearest(es, words[0], 10)
        full = statistics.median(timed_queries({"f": lambda w: nearest(es, w, 10)}, words)["f"]) * 1e3
        before = peak_mb()
        t1 = time.perf_counter()
        copy = compressed.ensure(es)
        comp_s = time.perf_counter() - t1
        fast = statistics.median(timed_queries({"f": lambda w: nearest(es, w, 10)}, words)["f"]) * 1e3
        t1 = time.perf_counter()
        index = run_sync(index_store.build_index(es, queries=1000))
        total = time.perf_counter() - t1
        truth = run_sync(recall.exact_truth(es, recall.sample_rows(len(es), 200, seed=7)))
        ms, _ = backend_latency(index, truth, 200)
        look = statistics.median(timed_queries({"h": lambda w: search_words(es, w, 10, backend=index)},
                                               words)["h"]) * 1e3
        res = {"exact_full_ms": full, "compress_s": comp_s, "compressed_mb": copy.nbytes / 1e6 if copy else 0,
               "exact_fast_ms": fast, "peak_before_index_mb": before, "hnsw_build_s": index.info.build_seconds,
               "hnsw_total_s": total, "hnsw_recall": index.recall, "hnsw_ef": index.ef, "hnsw_ms": ms,
               "hnsw_lookup_ms": look, "index_mb": index.info.size / 1e6}
    res["peak_mb"] = peak_mb()
    print(json.dumps(res))


def bench_big(args) -> dict:
    path = Path(args.file)
    if not path.exists():
        print(f"making {path} (2,000,000 x 300)…", flush=True)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_big_set.py"), str(path)], check=True)
    out: dict = {"file_gb": path.stat().st_size / 1e9}
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        os.environ["EMBEDDING_EXPLORER_CACHE"] = str(Path(tmp) / "cache")
        os.environ["EMBEDDING_EXPLORER_DATA"] = str(Path(tmp) / "data")
        print(f"{path.name}: {out['file_gb']:.2f} GB\n")
        g = child("gensim_load", str(path))
        o = child("ours_load", str(path))
        r = child("ours_reopen", str(path))
        out.update(gensim_load=g, ours_load=o, ours_reopen=r)
        line("load, first open (ours: streamed into the cache)", f"{o['seconds']:.1f} s, peak {o['peak_mb']:,.0f} MB",
             f"gensim {g['seconds']:.1f} s, peak {g['peak_mb']:,.0f} MB: {g['seconds'] / o['seconds']:.1f}x time, "
             f"{g['peak_mb'] / o['peak_mb']:.1f}x memory")
        line("load, later opens (memory-mapped)", f"{r['seconds']:.2f} s, peak {r['peak_mb']:,.0f} MB")
        q = child("queries", str(path))
        out["queries"] = q
        line("exact top-10, full float32 scan (median)", f"{q['exact_full_ms']:.1f} ms")
        line("exact top-10, int8 scan + exact re-rank (median)", f"{q['exact_fast_ms']:.1f} ms",
             f"copy of {q['compressed_mb']:,.0f} MB made in {q['compress_s']:.1f} s")
        line("HNSW build (M 32, efC 40)", f"{q['hnsw_build_s']:.0f} s",
             f"with ef choice and recall: {q['hnsw_total_s']:.0f} s; file {q['index_mb']:,.0f} MB; "
             f"peak {q['peak_mb']:,.0f} MB")
        line("HNSW recall@10 / one query / one word", f"{q['hnsw_recall']:.4f} / {q['hnsw_ms']:.2f} ms / "
             f"{q['hnsw_lookup_ms']:.2f} ms", f"ef {q['hnsw_ef']}")
    if not args.keep:
        path.unlink()
        print(f"deleted {path}")
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        run_child(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("glove")
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--skip-milvus", action="store_true")
    g.add_argument("--skip-hnswlib", action="store_true")
    g.add_argument("--milvus-db", help="a Milvus Lite database to reuse (the export resumes or does nothing)")
    b = sub.add_parser("big")
    b.add_argument("--file", default="/tmp/big/words-2m-300d.bin")
    b.add_argument("--keep", action="store_true", help="keep the generated file")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    result = bench_glove(args) if args.what == "glove" else bench_big(args)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    print("JSON " + json.dumps(result, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
