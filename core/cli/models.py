"""Model commands: ``python main.py <command>``.

    next "Once upon a" [-k N] [--temperature T] [--top-p P] [--precision auto|fp32|q4] [--json]
    generate "Once upon a" -n 20 --seed 0 [--temperature T] [--top-k K] [--top-p P] [--model FOLDER] [--json]
    mask "The [MASK] sat on the throne." [--json]
    encode "sentence" ... [--json]
    digit IMAGE.png [--layers] [--json]
    layers MODEL.onnx [--json]
    models build|list|verify [--only NAME] [--force]
"""
from __future__ import annotations

import sys

import numpy as np

from ..errors import ExplorerError
from ..inference import registry
from .common import add_runtime_args, emit, print_notice, runtime_options


def cmd_next(args) -> int:
    lm = registry.open(registry.LANGUAGE_MODEL, precision=args.precision, **runtime_options(args))
    print_notice(lm)
    res = lm.next_token(args.text, temperature=args.temperature, top_k=args.k, top_p=args.top_p, n_top=args.show)
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
    emit(args, data, "\n".join(lines))
    return 0


def cmd_generate(args) -> int:
    from ..inference.trace import Settings, generate_steps, read_prompt
    from ..progress import run_sync

    dec = registry.open_decoder(args.model or "", **runtime_options(args))
    print_notice(dec)
    settings = Settings(args.temperature, args.top_k, args.top_p)
    trace = run_sync(read_prompt(dec, args.text, precision=args.precision))
    trace = run_sync(generate_steps(trace, args.n, seed=args.seed, settings=settings, stop_at_eos=not args.no_stop))
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
    emit(args, data, "\n".join(lines))
    return 0


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
    emit(args, data, "\n".join(lines))
    return 0


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
    emit(args, data, "\n".join(lines))
    return 0


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
    emit(args, data, "\n".join(lines))
    return 0


def cmd_layers(args) -> int:
    from ..inference.any_model import AnyModel

    model = AnyModel(args.model)

    def shape(t) -> list | None:
        return None if t.shape is None else [d if d not in ("", None) else "?" for d in t.shape]

    data = {
        "model": args.model,
        "inputs": [
            {"name": s.name, "dtype": s.dtype, "shape": shape(s), "kind": s.kind or None, "problem": s.problem or None}
            for s in model.inputs
        ],
        "outputs": model.outputs,
        "tensors": [{"name": t.name, "op": t.op_type, "shape": shape(t), "dtype": t.dtype} for t in model.tensors],
    }
    lines = [f"{args.model}: {len(model.tensors)} tensors; outputs {', '.join(model.outputs)}"]
    lines += [f"  input  {s.describe()}" for s in model.inputs]
    width = min(60, max((len(t.name) for t in model.tensors), default=10))
    for t in model.tensors:
        dims = "?" if t.shape is None else "×".join(str(d) if d not in ("", None) else "?" for d in t.shape)
        lines.append(f"  {t.name:<{width}} {t.op_type:<20} {dims:<20} {t.dtype}")
    emit(args, data, "\n".join(lines))
    return 0


def cmd_models(args) -> int:
    only = args.only or list(registry.MODELS)
    if args.action == "build":
        if args.build_models is None:
            raise ExplorerError(
                "this installed app cannot build models (they ship inside it); "
                "build them from a source checkout: python main.py models build"
            )
        return args.build_models(args.only, args.force)
    if args.action == "list":
        print(f"models folder: {registry.models_dir()}")
        for name in registry.MODELS:
            s = registry.spec(name)
            if registry.is_built(name):
                m = registry.manifest(name)
                extra = m.get("metrics", {}).get("heldout_accuracy")
                acc = f", held-out accuracy {extra:.1%}" if extra is not None else ""
                state = f"built, {registry.disk_usage(name) / 1e6:.1f} MB{acc}"
                q4 = registry.quantized_summary(name) if name == registry.LANGUAGE_MODEL else None
                if q4:
                    state += f"\n{'':<15}{q4}"
            else:
                state = f"not built ({registry.build_command(name) or 'reinstall the app'})"
            print(f"{name:<14} {s.display_name:<18} {state}\n{'':<15}{s.summary}")
        return 0
    from ..cpu import cpu_info

    print(cpu_info().line())
    failed = 0
    for name in only:  # verify
        try:
            lines = registry.verify(name)
        except ExplorerError as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: ok")
        for line in lines:
            print(f"  {line}")
        print(f"  precision: {registry.precision_line(name).split(': ', 1)[1]}")
    return 2 if failed else 0


def add_subcommands(subparsers) -> None:
    """Register next / generate / mask / encode / digit / layers / models on an argparse subparsers object."""
    p = subparsers.add_parser("next", help="next-token probabilities for a text (SmolLM2-135M)")
    p.add_argument("text")
    p.add_argument("-k", "--top-k", dest="k", type=int, default=None, help="keep only the k most likely tokens")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling: keep the smallest set with mass >= p")
    p.add_argument("--show", type=int, default=10, help="how many tokens to list (default 10)")
    p.add_argument(
        "--precision",
        choices=["auto", "fp32", "q4"],
        default="fp32",
        help="fp32 (default): the exact model; q4: the 4-bit files (GGUF grid, faster for cached steps); "
        "auto: q4 for cached steps when built and faithful",
    )
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_next)

    p = subparsers.add_parser("generate", help="sample a continuation token by token (seeded: same seed, same text)")
    p.add_argument("text")
    p.add_argument("-n", type=int, default=20, help="how many tokens to generate (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--temperature", type=float, default=1.0, help="0 = greedy (always the most likely token)")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument(
        "--precision",
        choices=["auto", "fp32", "q4"],
        default="auto",
        help="auto (default): the 4-bit files for cached steps when built and faithful, as the window",
    )
    p.add_argument(
        "--model", metavar="FOLDER", help="an Optimum-layout decoder folder (default: the built SmolLM2-135M)"
    )
    p.add_argument("--no-stop", action="store_true", help="do not stop at the end-of-text token")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_generate)

    p = subparsers.add_parser("mask", help="rank words for the [MASK] in a sentence")
    p.add_argument("sentence")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--candidates", type=int, default=300, help="at most this many candidate words (default 300)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_mask)

    p = subparsers.add_parser("encode", help="sentence vectors (all-MiniLM-L6-v2) and their cosine similarities")
    p.add_argument("sentences", nargs="+")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_encode)

    p = subparsers.add_parser("digit", help="classify a picture of a digit (MNIST CNN)")
    p.add_argument("image")
    p.add_argument("--layers", action="store_true", help="each layer's shape, min, max, mean and top units")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_digit)

    p = subparsers.add_parser("layers", help="list every tensor inside any ONNX model (name, operator, shape)")
    p.add_argument("model", metavar="MODEL.onnx")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_layers)

    p = subparsers.add_parser("models", help="build, list or verify the ONNX models")
    p.add_argument("action", choices=["build", "list", "verify"])
    p.add_argument("--only", action="append", choices=list(registry.MODELS), help="only this model (repeatable)")
    p.add_argument("--force", action="store_true", help="build: rebuild even when the checksums match")
    p.set_defaults(func=cmd_models)
