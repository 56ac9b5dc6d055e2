"""`compare`: two embedding sets word by word — how far each shared word moved after aligning them,
and how much its nearest neighbours overlap (core/embeddings/compare.py).

    python main.py compare glove.txt trained.txt -k 10 --json
    {"shared": N, "words": [{"word": w, "moved": d, "overlap": j}, ...]}     # largest move first

Three names are sets rather than files: ``default`` (the bundled GloVe), ``tokens`` (SmolLM2-135M's
token embeddings, from its fp32 file) and ``tokens-q4`` (the same rows as its 4-bit copy reads them):

    python main.py compare tokens tokens-q4 --top 10     # how far 4-bit quantisation moved each token
"""
from __future__ import annotations

import argparse
import sys

from ..embeddings.compare import POOL, compare
from ..embeddings.embedding_set import EmbeddingSet
from ..progress import run_sync
from ..state.compare import TOKEN_PRECISIONS
from .common import emit, progress_printer
from .embedding_options import open_embeddings


def open_named(name: str, fmt: str | None, quiet: bool) -> EmbeddingSet:
    """The set a command-line name stands for: ``default``, ``tokens``, ``tokens-q4`` or a file."""
    if name in TOKEN_PRECISIONS:
        from ..inference.token_embeddings import token_embeddings

        return run_sync(token_embeddings(precision=TOKEN_PRECISIONS[name]), progress_printer(quiet))
    return open_embeddings(None if name == "default" else name, fmt, quiet=quiet)


def cmd_compare(args: argparse.Namespace) -> int:
    a, b = (open_named(p, args.in_format, args.json) for p in (args.a, args.b))
    result = run_sync(compare(a, b, args.k, pool=args.pool), progress_printer(args.json))
    if result.notice and not args.json:
        print(f"note: {result.notice}", file=sys.stderr)
    data = result.as_json(args.top)
    head = f"{result.shared:,} shared words; overlap of {result.k} nearest neighbours among the {result.pool:,} " \
           f"most frequent"
    lines = [head] + [f"{i + 1:4d}. {w['word']:<20} moved {w['moved']:.4f}  overlap "
                      f"{'-' if w['overlap'] is None else format(w['overlap'], '.2f')}"
                      for i, w in enumerate(data["words"][: args.top or 20])]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="two embedding sets: the words that moved most, their neighbours' overlap")
    p.add_argument("a", metavar="A", help="the first set's file ('default': the bundled GloVe; 'tokens' / "
                   "'tokens-q4': SmolLM2's token embeddings, fp32 / its 4-bit copy)")
    p.add_argument("b", metavar="B", help="the second set's file (or a name as for A)")
    p.add_argument("-k", type=int, default=10, help="nearest neighbours compared (Jaccard index)")
    p.add_argument("--pool", type=int, default=POOL,
                   help=f"neighbours among the N most frequent shared words (default {POOL:,}; 0 = all)")
    p.add_argument("--top", type=int, help="only the N words that moved most")
    p.add_argument("--format", dest="in_format", help="both files' format (default: guess)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_compare)
