"""`search`: semantic search of a text file's passages with MiniLM (cached by file hash).

    python main.py search CORPUS "query" [-k 5] [--split auto|lines|sentences|column:NAME] [--json]
    # CORPUS: a text/CSV/TSV file, or "lee" (the default news corpus)
"""
from __future__ import annotations

import argparse

from ..errors import InputError
from ..inference import registry
from ..progress import run_sync
from .common import add_runtime_args, emit, print_notice, progress_printer, runtime_options


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
    p = sub.add_parser("search", help="semantic search of a text file's passages with MiniLM (cached by file hash)")
    p.add_argument("corpus", metavar="CORPUS", help="a text/CSV/TSV file, or lee (the default news corpus)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--split", default="auto", help="auto, lines, sentences or column:NAME (default auto)")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_search)
