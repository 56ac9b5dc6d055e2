"""`calc`: word arithmetic, 3CosAdd or 3CosMul.

    python main.py calc "king - man + woman" --cosmul
    python main.py calc "man:king::woman:?" --json
"""
from __future__ import annotations

import argparse

from ..embeddings.arithmetic import evaluate
from .backends import add_backend_args, open_backend
from .common import emit
from .embedding_options import add_embeddings_arg, open_embeddings


def cmd_calc(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    r = evaluate(es, args.expression, args.k, method="mul" if args.cosmul else "add",
                 exclude_inputs=not args.include_inputs, restrict=args.restrict, backend=open_backend(args, es))
    data = {"expression": str(r.expression), "method": "3CosMul" if args.cosmul else "3CosAdd",
            "inputs": list(r.input_words), "backend": r.answer.label if r.answer else "exact",
            "results": [{"word": n.word, "score": round(n.score, 6)} for n in r.results]}
    lines = [f"{r.expression}  ({data['method']})"] + [f"{i + 1:3d}. {n.word:<20} {n.score:.4f}"
                                                       for i, n in enumerate(r.results)]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calc", help="word arithmetic: 'king - man + woman' or 'man:king::woman:?'")
    p.add_argument("expression")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    p.add_argument("--include-inputs", action="store_true", help="do not exclude the input words")
    p.add_argument("--restrict", type=int)
    add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_calc)
