"""`search`: semantic search of a text file's passages with MiniLM (cached by file hash), or with the
recurrent network's final state (``--encoder gru``: each passage read by the GRU, its last h; not cached).

    python main.py search CORPUS "query" [-k 5] [--split auto|lines|sentences|column:NAME] [--json]
                          [--encoder minilm|gru|gru-mean]
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
    if args.encoder.startswith("gru"):
        return _search_gru(args, source, "mean" if args.encoder == "gru-mean" else "final")
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


def _search_gru(args, source, pooling: str) -> int:
    """The same search with the GRU's states (core/inference/rnn_search.py): the final one, or the
    centred mean of all."""
    from ..inference.rnn_search import passage_vectors

    rnn = registry.open(registry.RNN, **runtime_options(args))
    print_notice(rnn)
    found = run_sync(passage_vectors(rnn, source, pooling), progress_printer(args.json))
    texts = found.texts
    rows, scores = found.find(rnn, args.query, args.k)
    hits = [{"row": int(r), "score": round(float(sc), 4), "text": texts[int(r)]} for r, sc in zip(rows, scores)]
    how = "final state h" if pooling == "final" else "mean state, centred"
    data = {"corpus": source.describe(), "about": source.about, "passages": len(texts), "from_cache": False,
            "model": f"{rnn.display_name} ({how})", "query": args.query, "hits": hits}
    lines = [f"{source.describe()}: {len(texts):,} passages read by {rnn.display_name} ({how})", ""]
    lines += [f"{h['score']:.3f}  #{h['row'] + 1}  {h['text']}" for h in hits]
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="semantic search of a text file's passages with MiniLM (cached by file hash)")
    p.add_argument("corpus", metavar="CORPUS", help="a text/CSV/TSV file, or lee (the default news corpus)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--split", default="auto", help="auto, lines, sentences or column:NAME (default auto)")
    p.add_argument("--encoder", choices=("minilm", "gru", "gru-mean"), default="minilm",
                   help="minilm (default): MiniLM's sentence vectors; gru: the recurrent network's final state; "
                        "gru-mean: the mean of its states, centred")
    p.add_argument("--json", action="store_true")
    add_runtime_args(p)
    p.set_defaults(func=cmd_search)
