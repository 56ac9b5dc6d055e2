"""`encode`: sentence vectors (all-MiniLM-L6-v2) and their cosine similarities.

    python main.py encode "sentence" ... [--json]
"""
from __future__ import annotations

import argparse

import numpy as np

from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_encode(args) -> int:
    from ..progress import run_sync

    enc = registry.open(registry.ENCODER, **runtime_options(args))
    print_notice(enc)
    out = run_sync(enc.encode(args.sentences, layers=False))
    vecs = np.stack([e.vector for e in out])
    sim = vecs @ vecs.T
    data = {
        "model": enc.display_name,
        "provider": enc.provider,
        "sentences": [
            {"text": e.text, "tokens": [t.token for t in e.tokens], "vector": [round(float(v), 6) for v in e.vector]}
            for e in out
        ],
        "cosine_similarity": [[round(float(v), 4) for v in row] for row in sim],
    }
    lines = [f"{enc.display_name} on {enc.provider}; {vecs.shape[1]}-d unit sentence vectors"]
    for i, e in enumerate(out):
        lines.append(f"[{i}] {len(e.tokens):3d} tokens  {e.text}")
        lines.append("     " + " ".join(f"{v:+.3f}" for v in e.vector[:8]) + " ...")
    if len(out) > 1:
        lines.append("cosine similarity:")
        lines += ["  " + " ".join(f"{v:6.3f}" for v in row) for row in sim]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("encode", help="sentence vectors (all-MiniLM-L6-v2) and their cosine similarities")
    p.add_argument("sentences", nargs="+")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_encode)
