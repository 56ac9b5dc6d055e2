"""`mask`: rank words for the [MASK] in a sentence.

    python main.py mask "The [MASK] sat on the throne." [--json]
"""
from __future__ import annotations

import argparse
import sys

from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_mask(args) -> int:
    from ..inference.masked_fill import MASKED_FILL_EXPLAINED, fill_mask, split_mask
    from ..progress import run_sync

    split_mask(args.sentence)  # a sentence without one [MASK] is a user mistake: said before any model opens
    lm = registry.open(registry.LANGUAGE_MODEL, **runtime_options(args))
    print_notice(lm)
    show = (
        None
        if args.json or not sys.stderr.isatty()
        else (lambda p: print(f"\r{p.message:<60}", end="", file=sys.stderr))
    )
    fills = run_sync(fill_mask(lm, args.sentence, max_candidates=args.candidates, top=args.top), show)
    if show:
        print(file=sys.stderr)
    data = {
        "model": lm.display_name,
        "provider": lm.provider,
        "sentence": args.sentence,
        "method": MASKED_FILL_EXPLAINED,
        "fills": [{"word": f.word, "prob": round(f.prob, 6), "sentence_logprob": round(f.logprob, 4)} for f in fills],
    }
    lines = [f"{f.prob:8.4f}  {f.word}" for f in fills] + ["", MASKED_FILL_EXPLAINED]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mask", help="rank words for the [MASK] in a sentence")
    p.add_argument("sentence")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--candidates", type=int, default=300, help="at most this many candidate words (default 300)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_mask)
