"""`neighbours`: the nearest neighbours of a word (or several).

    python main.py neighbours king -k 10 --metric cos --json
    python main.py neighbours king --backend milvus --json      # or hnsw (see core/cli/backends.py)
"""
from __future__ import annotations

import argparse

from ..embeddings.neighbours import METRICS, search_words
from .backends import add_backend_args, open_backend
from .common import emit
from .embedding_options import add_embeddings_arg, open_embeddings


def cmd_neighbours(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    resolved = [es.resolve(w) for w in args.words]
    res, answer = search_words(es, [r.word for r in resolved], args.k, metric=args.metric, restrict=args.restrict,
                               backend=open_backend(args, es))
    notes = [f"showing {r.word} for {r.typed}" for r in resolved if r.case_folded]
    if answer.note and args.backend != "exact":
        notes.append(answer.note)
    data = {"query": [r.word for r in resolved], "metric": args.metric, "embeddings": es.name, "notes": notes,
            "backend": {"name": answer.backend, "label": answer.label, "recall_at_10": answer.recall,
                        "latency_ms": round(answer.latency_ms, 3)},
            "neighbours": [{"word": n.word, "score": round(n.score, 6), "rank": n.index + 1} for n in res]}
    lines = notes + [f"{i + 1:3d}. {n.word:<20} {n.score:.4f}" for i, n in enumerate(res)]
    if args.backend != "exact":
        lines.append(f"answered by {answer.summary}")
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("neighbours", aliases=["neighbors"], help="nearest neighbours of a word (or several)")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--metric", choices=METRICS, default="cos")
    p.add_argument("--restrict", type=int, help="search only the N most frequent words")
    add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_neighbours)
