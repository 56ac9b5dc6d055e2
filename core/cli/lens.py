"""`lens`: the logit lens, what each layer of SmolLM2 would predict at each position.

    python main.py lens "The capital of France is" [--positions N] [--json]
"""
from __future__ import annotations

import argparse

from ..inference import registry
from ..progress import run_sync
from .common import add_runtime_args, emit, print_notice, progress_printer, runtime_options


def cmd_lens(args) -> int:
    from ..inference.lens import lens_job

    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32", **runtime_options(args))
    print_notice(lm)
    lens = run_sync(lens_job(lm, args.text, max_positions=args.positions), progress_printer(args.json))
    labels = [lens.label(t.id) for t in lens.tokens]
    last = len(lens.tokens) - 1
    final = lens.label(lens.final_ids[last])
    data = {
        "model": lm.display_name, "text": args.text, "head": lens.head.source, "first_position": lens.first,
        "tokens": [{"id": t.id, "text": lab} for t, lab in zip(lens.tokens, labels)],
        "layers": [{"layer": i, "name": name,
                    "positions": [{"top": lens.label(lens.top_ids[i, p]), "id": int(lens.top_ids[i, p]),
                                   "prob": round(float(lens.top_probs[i, p]), 6)} for p in range(len(labels))]}
                   for i, name in enumerate(lens.layer_names)],
        "final_token": {"text": final, "id": int(lens.final_ids[last]), "first_top_layer": lens.first_top(last),
                        "top_from_layer": lens.settled(last),
                        "prob_by_layer": [round(float(x), 6) for x in lens.final_probs[:, last]],
                        "rank_by_layer": [int(x) for x in lens.final_ranks[:, last]]},
    }
    width = max(8, *(len(x) for x in labels))
    lines = [
        f"{lm.display_name}: each layer's hidden state through the final norm and unembedding ({lens.head.source})",
        "layer  " + " ".join(f"{x[:width]:<{width + 5}}" for x in labels),
    ]
    for i in reversed(range(len(lens.layer_names))):
        cells = [
            f"{lens.label(lens.top_ids[i, p])[:width]:<{width}} {lens.top_probs[i, p]:.2f}" for p in range(len(labels))
        ]
        lines.append(f"L{i:<4d} " + " ".join(cells))
    lines.append(
        f"{final!r} (the last layer's top token after {labels[-1]!r}) is first on top at layer "
        f"{lens.first_top(last)} and stays on top from layer {lens.settled(last)}; its rank by layer: "
        + " ".join(str(int(r)) for r in lens.final_ranks[:, last])
    )
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lens", help="logit lens: what each layer of SmolLM2 would predict at each position")
    p.add_argument("text")
    p.add_argument("--positions", type=int, default=32, help="show at most the last N positions (default 32)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_lens)
