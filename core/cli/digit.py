"""`digit`: classify a picture of a digit (MNIST CNN), with each layer's activations.

    python main.py digit IMAGE.png [--layers] [--json]
"""
from __future__ import annotations

import argparse

import numpy as np

from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_digit(args) -> int:
    from ..inference.digit_classifier import read_image
    from ..inference.digit_layers import summary

    clf = registry.open(registry.DIGITS, **runtime_options(args))
    print_notice(clf)
    prepared = read_image(args.image)
    res = clf.classify(prepared.image)
    order = np.argsort(-res.probs)
    data = {
        "model": clf.display_name,
        "provider": clf.provider,
        "image": args.image,
        "prepared": prepared.note or "used as it is (28x28, dark background)",
        "digit": res.digit,
        "probs": [round(float(p), 6) for p in res.probs],
        "logits": [round(float(v), 6) for v in res.activations["logits"]],
        "layers": (
            {k: summary(v) for k, v in res.activations.items()}
            if args.layers
            else {k: list(v.shape) for k, v in res.activations.items()}
        ),
    }
    lines = [f"{args.image}: {res.digit}  ({clf.display_name} on {clf.provider})"]
    if prepared.note:
        lines.append(f"  prepared: {prepared.note}")
    lines += [f"  {d}: {res.probs[d]:.4f}" for d in order[:3]]
    for k, v in res.activations.items():
        line = f"  layer {k:<8} {str(tuple(v.shape)):<16}"
        if args.layers:
            s = summary(v, top=3)
            line += f" min {s['min']:9.4f}  max {s['max']:9.4f}  mean {s['mean']:9.4f}  top " + ", ".join(
                f"{t['unit']}={t['value']:.3f}" for t in s["top"]
            )
        lines.append(line)
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digit", help="classify a picture of a digit (MNIST CNN)")
    p.add_argument("image")
    p.add_argument("--layers", action="store_true", help="each layer's shape, min, max, mean and top units")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_digit)
