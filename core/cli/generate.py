"""`generate`: sample a continuation token by token (seeded: same seed, same text).

    python main.py generate "Once upon a" -n 20 --seed 0 [--temperature T] [--top-k K] [--top-p P] [--model FOLDER]
    python main.py generate "I feel so" --ablate 17.4,18.6 --steer "sad->happy" --steer-layer 8 --steer-strength 0.5
"""
from __future__ import annotations

import argparse

from ..inference import registry
from ..inference.precision import PRECISIONS
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_generate(args) -> int:
    from ..inference.sampling import Sampling
    from ..inference.trace import generate_steps, read_prompt
    from ..progress import run_sync

    dec = _intervened(args) if args.ablate or args.steer else registry.open_decoder(args.model or "",
                                                                                   **runtime_options(args))
    print_notice(dec)
    sampling = Sampling(args.temperature, args.top_k, args.top_p, args.seed)
    trace = run_sync(read_prompt(dec, args.text, precision=args.precision))
    trace = run_sync(generate_steps(trace, args.n, sampling, stop_at_eos=not args.no_stop))
    data = {
        "model": dec.display_name,
        "provider": dec.provider,
        "precision": trace.answered,
        "prompt": args.text,
        "seed": args.seed,
        "settings": {"temperature": args.temperature, "top_k": args.top_k, "top_p": args.top_p},
        "steps": [
            {
                "id": s.token.id,
                "text": s.token.text,
                "prob": round(s.prob, 6),
                "model_prob": round(s.model_prob, 6),
                "rank": s.rank,
            }
            for s in trace.steps
        ],
        "text": trace.generated_text,
        "note": "; ".join(n for n in (trace.note, trace.stopped) if n),
    }
    lines = [
        f"{dec.display_name} ({trace.answered}) on {dec.provider}, seed {args.seed}",
        args.text + trace.generated_text,
    ]
    lines += [f"{s.prob:8.4f}  #{s.rank:<5d} {s.token.text!r}  (id {s.token.id})" for s in trace.steps]
    lines += [n for n in (trace.note, trace.stopped) if n]
    return emit(args, data, "\n".join(lines))


def _intervened(args):
    """The decoder with ``--ablate`` / ``--steer`` in place (the attention inspection graph)."""
    from ..errors import InputError
    from ..inference.attention_model import Intervention, InterventionDecoder
    from ..inference.interventions import parse_heads, parse_pairs, steering_vector, word_direction

    if args.model:
        raise InputError("--ablate and --steer work on the built SmolLM2-135M only, not on --model FOLDER")
    m = registry.open(registry.ATTENTION, **runtime_options(args))
    heads = parse_heads(args.ablate, m) if args.ablate else []
    vector = None
    if args.steer:
        direction = word_direction(m, parse_pairs(args.steer))
        vector = steering_vector(m, direction, args.steer_layer, args.steer_strength, args.text)
    return InterventionDecoder(m, Intervention.of(heads, args.steer_layer, vector))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="sample a continuation token by token (seeded: same seed, same text)")
    p.add_argument("text")
    p.add_argument("-n", type=int, default=20, help="how many tokens to generate (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--temperature", type=float, default=1.0, help="0 = greedy (always the most likely token)")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        default="auto",
        help="auto (default): the 4-bit files for cached steps when built and faithful, as the window",
    )
    p.add_argument(
        "--model", metavar="FOLDER", help="an Optimum-layout decoder folder (default: the built SmolLM2-135M)"
    )
    p.add_argument("--no-stop", action="store_true", help="do not stop at the end-of-text token")
    p.add_argument("--ablate", metavar="L.H[,L.H...]", help="switch these heads off (layer.head, from 0)")
    p.add_argument("--steer", metavar="FROM->TO[,...]",
                   help="add the direction FROM->TO (SmolLM2's token embeddings) to the residual stream")
    p.add_argument("--steer-layer", type=int, default=8, help="the layer the direction is added at (default 8)")
    p.add_argument("--steer-strength", type=float, default=0.5,
                   help="in multiples of the typical |h| at that layer (default 0.5; from about 1 the text breaks)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_generate)
