"""Core engine vs gensim 4.x, measured in ONE run on the same GloVe 6B 50d text file.

    .venv/bin/python benchmarks/bench_core.py [--queries 200] [--skip-gensim-eval]

Prints our time, gensim's time and the ratio for: cold load of the text file,
cached reload, single top-10 neighbour query (median), 1,000 batched queries,
and the 30k-restricted Google analogy evaluation (with both accuracies).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

import numpy as np

from core.embeddings import exporters, loaders
from core.embeddings.default_set import load_default
from core.embeddings.evaluation import data_file, evaluate_analogies
from core.embeddings.neighbours import nearest, nearest_batch
from core.progress import run_sync


def timed(fn, repeat=1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def row(name, ours, theirs, unit="s", note=""):
    ratio = theirs / ours if ours > 0 else float("inf")
    print(f"{name:<38} ours {ours:9.4f} {unit}   gensim {theirs:9.4f} {unit}   ratio {ratio:7.1f}x {note}", flush=True)
    return ratio


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--skip-gensim-eval", action="store_true", help="skip gensim's ~60 s analogy run")
    args = ap.parse_args()
    import threadpoolctl
    from gensim.models import KeyedVectors

    info = threadpoolctl.threadpool_info()
    print(f"machine: {os.cpu_count()} cores; BLAS: {info[0]['internal_api']} {info[0].get('architecture')} "
          f"x{info[0]['num_threads']}; numpy {np.__version__}")
    glove = run_sync(load_default())
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EMBEDDING_EXPLORER_CACHE"] = str(Path(tmp) / "cache")
        text = Path(tmp) / "glove.6B.50d.txt"
        run_sync(exporters.write_word2vec_text(glove, text, header=False))
        print(f"GloVe text file: {text.stat().st_size / 1e6:.0f} MB, {len(glove):,} words x {glove.dim}\n")

        t_gensim_load, kv = timed(lambda: KeyedVectors.load_word2vec_format(str(text), binary=False, no_header=True))
        t_cold, es = timed(lambda: run_sync(loaders.load(text)))
        row("cold load of the text file", t_cold, t_gensim_load, note="(set ready; its cache written after)")
        t_wait, _ = timed(loaders.wait_for_cache_writes)
        row("cold load until the cache is on disk", t_cold + t_wait, t_gensim_load)
        t_reload, es = timed(lambda: run_sync(loaders.load(text)), repeat=3)
        kvpath = Path(tmp) / "g.kv"
        kv.save(str(kvpath))
        t_kvload, _ = timed(lambda: KeyedVectors.load(str(kvpath), mmap="r"), repeat=3)
        row("cached reload (memory-mapped)", t_reload, t_kvload, note="(gensim: KeyedVectors.load mmap='r')")

        rng = np.random.default_rng(0)
        words = [es.words[i] for i in rng.integers(0, 100000, args.queries)]
        nearest(es, "king", 10)
        kv.most_similar("king", topn=10)
        ours, theirs = [], []
        for w in words:
            t = time.perf_counter()
            nearest(es, w, 10)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            kv.most_similar(w, topn=10)
            theirs.append(time.perf_counter() - t)
        row(f"top-10 neighbours, median of {len(words)}", statistics.median(ours) * 1e3,
            statistics.median(theirs) * 1e3, unit="ms")

        batch = [es.words[i] for i in rng.integers(0, 100000, 1000)]
        t_b, res = timed(lambda: nearest_batch(es, batch, 10), repeat=2)
        t_g, gres = timed(lambda: [kv.most_similar(w, topn=10) for w in batch])
        same = sum([n.word for n in a] == [x for x, _ in b] for a, b in zip(res, gres))
        row("1,000 batched queries, per query", t_b, t_g, unit="ms",
            note=f"(identical top-10 lists: {same}/1000)")

        t_e, r = timed(lambda: run_sync(evaluate_analogies(es, restrict=30000)))
        if args.skip_gensim_eval:
            print(f"{'analogy evaluation, restrict 30k':<38} ours {t_e:9.4f} s   accuracy {r.accuracy:.4f}")
        else:
            t_ge, (score, _) = timed(lambda: kv.evaluate_word_analogies(str(data_file("analogies")),
                                                                        restrict_vocab=30000))
            row("analogy evaluation, restrict 30k", t_e, t_ge,
                note=f"(accuracy ours {r.accuracy:.4f} on {r.total}, gensim {score:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
