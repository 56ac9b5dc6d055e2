"""`attribute`: which prompt tokens made a prediction, by occlusion, attention × value norm and rollout.

    python main.py attribute "The capital of France is" [--target Paris] --json
"""
from __future__ import annotations

import argparse

from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_attribute(args) -> int:
    from ..inference.attribution import METHOD_TEXT, METHODS, attribute

    m = registry.open(registry.ATTENTION, **runtime_options(args))
    print_notice(m)
    a = attribute(m, args.text, args.target)
    data = {"text": args.text, "target": a.target, "target_id": a.target_id, "log_prob": round(a.log_prob, 6),
            "methods": METHOD_TEXT, "tokens": a.as_rows()}
    if a.note:
        data["note"] = a.note
    lines = [f"target {a.target!r} (log p {a.log_prob:.3f}) after {args.text!r}",
             f"{'token':<16}" + "".join(f"{m_:>20}" for m_ in METHODS)]
    lines += [f"{r['token'][:15]:<16}" + "".join(f"{r[m_]:>20.4f}" for m_ in METHODS) for r in a.as_rows()]
    lines += [f"{m_}: {METHOD_TEXT[m_]}" for m_ in METHODS]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attribute", help="each prompt token's share in a prediction (occlusion, attention x value, "
                                         "rollout)")
    p.add_argument("text")
    p.add_argument("--target", metavar="TOKEN", help="the predicted token to explain (default: the top one)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_attribute)
