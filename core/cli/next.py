"""`next`: next-token probabilities for a text (SmolLM2-135M).

    python main.py next "Once upon a" [-k N] [--temperature T] [--top-p P] [--precision auto|fp32|q4] [--json]
"""
from __future__ import annotations

import argparse

from ..inference import registry
from ..inference.precision import PRECISIONS
from ..inference.sampling import Sampling
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_next(args) -> int:
    lm = registry.open(registry.LANGUAGE_MODEL, precision=args.precision, **runtime_options(args))
    print_notice(lm)
    sampling = Sampling(args.temperature, args.k, args.top_p)
    res = lm.next_token(args.text, sampling=sampling, n_top=args.show)
    data = {
        "model": lm.display_name,
        "provider": lm.provider,
        "precision": res.precision,
        "text": args.text,
        "settings": {"temperature": args.temperature, "top_k": args.k, "top_p": args.top_p},
        "tokens": [{"id": t.id, "text": t.text} for t in res.tokens],
        "next": [{"id": c.id, "text": c.text, "prob": round(c.prob, 6), "logit": round(c.logit, 4)} for c in res.top],
    }
    lines = [
        f"{lm.display_name} ({res.precision}) on {lm.provider}; tokens: " + " | ".join(repr(t.text) for t in res.tokens)
    ]
    lines += [f"{c.prob:8.4f}  {c.text!r}  (id {c.id})" for c in res.top]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("next", help="next-token probabilities for a text (SmolLM2-135M)")
    p.add_argument("text")
    p.add_argument("-k", "--top-k", dest="k", type=int, default=None, help="keep only the k most likely tokens")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling: keep the smallest set with mass >= p")
    p.add_argument("--show", type=int, default=10, help="how many tokens to list (default 10)")
    p.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        default="fp32",
        help="fp32 (default): the exact model; q4: the 4-bit files (GGUF grid, faster for cached steps); "
        "auto: q4 for cached steps when built and faithful",
    )
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_next)
