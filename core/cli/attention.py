"""`attention`: every head's attention weights for a text, with the pattern scores.

    python main.py attention "The cat sat on the mat" --json      # SmolLM2: 30 layers x 9 heads
    python main.py attention "The cat sat on the mat" --model minilm
"""
from __future__ import annotations

import argparse

from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_attention(args) -> int:
    from ..inference.attention import SCORES, attention, ranked, to_json

    m = registry.open(registry.ATTENTION, **runtime_options(args))
    print_notice(m)
    view = attention(m, args.text, model=args.model)
    data = to_json(view)
    if view.note:
        data["note"] = view.note
    name = "SmolLM2-135M" if args.model == "smollm2" else "all-MiniLM-L6-v2"
    lines = [f"{name}: {view.n_layers} layers x {view.n_heads} heads over {len(view.tokens)} tokens: "
             + " ".join(view.tokens)]
    for score in SCORES:
        top = [f"L{a}.H{b} {s:.2f}" for a, b, s in ranked(view, score)[:5] if s == s]
        lines.append(f"{score:<15} " + (", ".join(top) if top else "(no repeated token to measure it on)"))
    if view.note:
        lines.append(view.note)
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attention", help="every head's attention weights for a text, with pattern scores")
    p.add_argument("text")
    p.add_argument("--model", choices=["smollm2", "minilm"], default="smollm2",
                   help="smollm2 (default, the causal decoder) or minilm (the bidirectional encoder)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_attention)
