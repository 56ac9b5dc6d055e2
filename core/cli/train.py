"""`train`: word2vec from the command line, with per-epoch loss and probe figures.

    python main.py train lee --sg --dim 50 --epochs 10 --seed 1 --out vectors.txt --json
    python main.py train my_corpus.txt --cbow --min-count 2 --probes "king, queen" --out my_set/

CORPUS is ``lee`` or ``head500`` (gensim's test corpora) or a text file. ``--out`` ending in .txt or
.vec writes word2vec text; any other name a folder in the app's own format (its vectors.npy opens
in the window). One worker thread (the default) gives the same vectors on every run.
"""
from __future__ import annotations

import argparse
import math

from ..embeddings.corpus import SHIPPED, open_corpus
from ..embeddings.training import TrainingRun, TrainingSettings, parse_probes, save_vectors, train
from ..progress import run_sync
from .common import emit, progress_printer


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    d = TrainingSettings()
    p = sub.add_parser("train", help="train word2vec (skip-gram or CBOW) on a corpus, with per-epoch figures")
    p.add_argument("corpus", metavar="CORPUS", help=f"{' or '.join(SHIPPED)} (gensim's test corpora) or a text file")
    arch = p.add_mutually_exclusive_group()
    arch.add_argument("--sg", dest="sg", action="store_true", default=d.sg, help="skip-gram (the default)")
    arch.add_argument("--cbow", dest="sg", action="store_false", help="CBOW")
    p.add_argument("--dim", type=int, default=d.dimensions, help=f"dimensions (default {d.dimensions})")
    p.add_argument("--window", type=int, default=d.window, help=f"context window (default {d.window})")
    p.add_argument("--negative", type=int, default=d.negative, help=f"negative samples (default {d.negative})")
    p.add_argument("--min-count", type=int, default=d.min_count, help=f"drop rarer words (default {d.min_count})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the corpus (default {d.epochs})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    p.add_argument("--workers", type=int, default=d.workers,
                   help="worker threads (default 1: reproducible vectors and an exact loss)")
    p.add_argument("--probes", default="", help="words whose neighbours are listed per epoch (default: the corpus's)")
    p.add_argument("--out", metavar="PATH", help="save the vectors: .txt/.vec word2vec text, else a folder")
    p.add_argument("--json", action="store_true", help="print JSON (every epoch's figures and probe neighbours)")
    p.set_defaults(func=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    settings = TrainingSettings(sg=args.sg, dimensions=args.dim, window=args.window, negative=args.negative,
                                min_count=args.min_count, epochs=args.epochs, seed=args.seed,
                                workers=args.workers).check()
    corpus = open_corpus(args.corpus)
    run = run_sync(train(settings, corpus, parse_probes(args.probes)), progress_printer(args.json))
    data = run.to_json()
    if args.out:
        data["out"] = str(run_sync(save_vectors(run.final, args.out)))
    return emit(args, data, "\n".join(_text(run, data.get("out"))))


def _num(x: float | None, spec: str) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def _text(run: TrainingRun, out: str | None) -> list[str]:
    first = run.epochs[0].scores
    lines = [f"{run.settings.architecture} on {run.corpus.name}: {run.vocabulary:,} words kept of {run.distinct:,} "
             f"({run.tokens:,} words in {run.documents:,} documents); probe scores on {first.analogy_total} analogy "
             f"questions and {first.ws353_pairs} WordSim-353 pairs in the vocabulary",
             f"{'epoch':>5} {'loss':>12} {'ws353':>7} {'gap':>7} {'analogies':>10} {'seconds':>8}"]
    for r in run.epochs:
        s = r.scores
        lines.append(f"{r.epoch:>5} {_num(r.loss, ',.0f'):>12} {_num(s.ws353, '.3f'):>7} "
                     f"{_num(s.related_gap, '.3f'):>7} "
                     f"{s.analogy_correct:>5}/{s.analogy_total:<4} {r.seconds:>8.2f}")
    if not run.loss_exact:
        lines.append("loss: approximate with several worker threads (gensim issue 2743); --workers 1 is exact")
    lines += [f"{w}: " + ", ".join(f"{n} {sc:.2f}" for n, sc in ns) for w, ns in run.epochs[-1].neighbours]
    if out:
        lines.append(f"saved {run.vocabulary:,} words x {run.settings.dimensions} to {out}")
    return lines
