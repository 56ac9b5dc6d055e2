"""`contextual`: a word's vector across the layers of SmolLM2 and MiniLM, per sentence.

    python main.py contextual bank "I sat by the river bank." "I paid at the bank." [--senses river,money] [--json]
    python main.py contextual bank                      # the preset sentences for "bank" (or "trouble")
"""
from __future__ import annotations

import argparse

import numpy as np

from ..errors import InputError
from ..inference import registry
from .common import add_runtime_args, emit, runtime_options


def _sentences(args):
    from ..inference.contextual import PRESETS, Sentence

    if not args.sentences:
        if args.word.lower() not in PRESETS:
            raise InputError(f"give sentences with “{args.word}”; presets exist for {', '.join(PRESETS)}")
        return list(PRESETS[args.word.lower()])
    senses = [s.strip() for s in args.senses.split(",")] if args.senses else []
    if senses and len(senses) != len(args.sentences):
        raise InputError(f"{len(senses)} senses for {len(args.sentences)} sentences; give one per sentence")
    return [Sentence(senses[i] if senses else "", text) for i, text in enumerate(args.sentences)]


def cmd_contextual(args) -> int:
    from ..inference.contextual import contextual

    sentences = _sentences(args)
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32", **runtime_options(args))
    enc = registry.open(registry.ENCODER, **runtime_options(args))
    ctx = contextual(lm, enc, args.word, sentences)
    senses = ctx.senses
    data = {"word": ctx.word, "sentences": [{"sense": s.sense, "text": s.text} for s in ctx.sentences], "models": []}
    lines = [f"“{ctx.word}” in {len(sentences)} sentences ({ctx.seconds * 1000:.0f} ms)"]
    for t in ctx.models:
        cos = t.all_cosines()
        entry = {
            "model": t.model,
            "sees": t.sees,
            "pieces": [list(p) for p in t.pieces],
            "layers": [
                {"layer": i, "name": name, "cosine": np.round(cos[i], 4).tolist()}
                for i, name in enumerate(t.layer_names)
            ],
        }
        lines += ["", f"{t.model}: {t.sees}."]
        if t.split:
            lines.append(
                "The word is several tokens here; its vector is their mean: " + "; ".join("+".join(p) for p in t.pieces)
            )
        pairs = [(i, j) for i in range(len(sentences)) for j in range(i + 1, len(sentences))]
        lines.append("layer  " + " ".join(f"{i + 1}~{j + 1}".rjust(6) for i, j in pairs[:10]))
        lines += [f"L{i:<5d}" + " ".join(f"{cos[i, a, b]:6.3f}" for a, b in pairs[:10]) for i in range(t.layers)]
        if len(set(senses)) > 1:
            within, across = t.sense_gap(senses)
            entry["within_sense"] = np.round(within, 4).tolist()
            entry["across_sense"] = np.round(across, 4).tolist()
            lines.append(
                "within − across sense, by layer: " + " ".join(f"{w - a:+.2f}" for w, a in zip(within, across))
            )
        data["models"].append(entry)
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("contextual", help="a word's vector across the layers of SmolLM2 and MiniLM, per sentence")
    p.add_argument("word")
    p.add_argument("sentences", nargs="*", help="sentences with the word (none: the presets for bank or trouble)")
    p.add_argument("--senses", default="", help="comma-separated sense labels, one per sentence (river,money,...)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_contextual)
