"""`evaluate`: the analogy and word-similarity benchmarks (gensim's conventions).

    python main.py evaluate analogies --restrict 30000 --json
    python main.py evaluate ws353
"""
from __future__ import annotations

import argparse

from ..embeddings.evaluation import evaluate_analogies, evaluate_pairs
from ..progress import run_sync
from .backends import add_backend_args, open_backend
from .common import emit, progress_printer
from .embedding_options import add_embeddings_arg, open_embeddings


def cmd_evaluate(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    cb = progress_printer(args.json)
    if args.dataset == "analogies":
        r = run_sync(evaluate_analogies(es, restrict=args.restrict, method="mul" if args.cosmul else "add",
                                        backend=open_backend(args, es)), cb)
        data = r.to_json()
        if args.failures:
            data["failure_list"] = [f.__dict__ for f in r.failures[: args.failures]]
        lines = [f"{s.name:<30} {s.accuracy:7.2%}  {s.correct}/{s.total}  (skipped {s.skipped})" for s in r.sections]
        lines.append(f"{'total':<30} {r.accuracy:7.2%}  {r.correct}/{r.total}  (skipped {r.skipped})")
        lines += [f"  {f.expression} -> {f.predicted} (expected {f.expected})" for f in r.failures[: args.failures]]
        return emit(args, data, "\n".join(lines))
    p = run_sync(evaluate_pairs(es, args.dataset, restrict=args.restrict), cb)
    return emit(args, p.to_json(), f"{args.dataset}: Spearman {p.spearman:.4f}, Pearson {p.pearson:.4f}, "
                                    f"{p.pairs} pairs, {p.oov} out of vocabulary")


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="analogy / word-similarity benchmarks (gensim's conventions)")
    p.add_argument("dataset", choices=["analogies", "ws353", "simlex"])
    p.add_argument("--restrict", type=int, default=300000)
    p.add_argument("--cosmul", action="store_true")
    p.add_argument("--failures", type=int, default=0, metavar="N", help="list the first N failures")
    add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_evaluate)
