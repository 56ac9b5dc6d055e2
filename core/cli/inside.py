"""Inside the language models from the command line: the logit lens, a word across layers, semantic search.

    lens "The capital of France is" [--positions N] [--json]
    contextual bank "I sat by the river bank." "I paid at the bank." [--senses river,money] [--json]
    contextual bank                      # the preset sentences for "bank" (or "trouble")
    search CORPUS "query" [-k 5] [--split auto|lines|sentences|column:NAME] [--json]   # CORPUS: a file or "lee"
"""
from __future__ import annotations

import argparse

import numpy as np

from ..errors import InputError
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


def cmd_search(args) -> int:
    from ..embeddings.passages import open_source
    from ..inference.passage_index import find, index_job

    if not args.query.strip():
        raise InputError("type a query to search the passages")
    source = open_source("" if args.corpus.lower() in ("lee", "default") else args.corpus, args.split)
    enc = registry.open(registry.ENCODER, **runtime_options(args))
    print_notice(enc)
    index = run_sync(index_job(source, enc), progress_printer(args.json))
    hits = find(index, enc, args.query, args.k)
    data = {
        "corpus": source.describe(),
        "about": source.about,
        "passages": len(index),
        "from_cache": index.from_cache,
        "model": index.model,
        "query": args.query,
        "search_ms": round(hits.seconds * 1000, 3),
        "hits": [{"row": h.row, "score": round(h.score, 4), "text": h.text} for h in hits.hits],
    }
    lines = [
        f"{source.describe()}: {len(index):,} passages ({'from the cache' if index.from_cache else 'encoded'})",
        *([source.about] if source.about != "a text file" else []),
        "",
    ]
    lines += [f"{h.score:.3f}  #{h.row + 1}  {h.text}" for h in hits.hits]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lens", help="logit lens: what each layer of SmolLM2 would predict at each position")
    p.add_argument("text")
    p.add_argument("--positions", type=int, default=32, help="show at most the last N positions (default 32)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_lens)

    p = sub.add_parser("contextual", help="a word's vector across the layers of SmolLM2 and MiniLM, per sentence")
    p.add_argument("word")
    p.add_argument("sentences", nargs="*", help="sentences with the word (none: the presets for bank or trouble)")
    p.add_argument("--senses", default="", help="comma-separated sense labels, one per sentence (river,money,...)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_contextual)

    p = sub.add_parser("search", help="semantic search of a text file's passages with MiniLM (cached by file hash)")
    p.add_argument("corpus", metavar="CORPUS", help="a text/CSV/TSV file, or lee (the default news corpus)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--split", default="auto", help="auto, lines, sentences or column:NAME (default auto)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_search)
