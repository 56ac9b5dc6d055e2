"""`rnn`: read a text with the recurrent (GRU) language model, token by token.

    python main.py rnn "let's eat, Charles" [--json] [--states] [-k 5]

Per token: the token, the network's top-k next words with probabilities and the norm of its
state h after the token; ``--states`` adds the full state vectors.
"""
from __future__ import annotations

import argparse

import numpy as np

from ..inference import registry
from ..progress import run_sync
from .common import add_runtime_args, emit, print_notice, progress_printer, runtime_options


def cmd_rnn(args) -> int:
    rnn = registry.open(registry.RNN, **runtime_options(args))
    print_notice(rnn)
    reading = run_sync(rnn.read_job(args.text, k=args.k), progress_printer(args.json))
    rows = []
    for s in reading.steps:
        row = {"token": s.token, "known": s.known, "norm": round(float(np.linalg.norm(s.state)), 4),
               "next": [{"word": w, "prob": round(p, 6)} for w, p in s.top]}
        if args.states:
            row["state"] = [round(float(v), 6) for v in s.state]
        rows.append(row)
    data = {"model": rnn.display_name, "provider": rnn.provider, "text": args.text,
            "hidden_size": rnn.hidden_size, "unknown": reading.unknown, "tokens": rows}
    lines = [f"{rnn.display_name} on {rnn.provider}: {len(rows)} tokens"
             + (f" ({len(reading.unknown)} unknown, read as <unk>)" if reading.unknown else "")]
    for r in rows:
        guesses = "  ".join(f"{n['word']} {n['prob']:.3f}" for n in r["next"])
        lines.append(f"{r['token'] + ('' if r['known'] else ' (unknown)'):<18} |h| {r['norm']:6.3f}   next: {guesses}")
        if args.states:
            lines.append("    h = " + " ".join(f"{v:+.3f}" for v in r["state"]))
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rnn", help="read a text with the recurrent language model: next words and its state h")
    p.add_argument("text")
    p.add_argument("-k", type=int, default=5, help="how many next words to list per token (default 5)")
    p.add_argument("--states", action="store_true", help="add the full state vector after each token")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_rnn)
