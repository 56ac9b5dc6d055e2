"""`convert`: from one embedding format to another.

    python main.py convert glove.txt out.tsv --format projector-tsv
    python main.py convert glove.6B.zip glove50.txt.gz --member glove.6B.50d.txt
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..embeddings import loaders
from ..io import compression_of
from ..progress import run_sync
from .common import emit, progress_printer
from .embedding_options import add_member_arg, open_embeddings


def cmd_convert(args: argparse.Namespace) -> int:
    opts = loaders.LoadOptions(limit=args.limit, lowercase=args.lowercase, vocab_path=args.vocab,
                               metadata_path=args.metadata)
    es = open_embeddings(args.input, args.in_format, quiet=args.json, opts=opts, member=args.member)
    plain_name = args.output[: -len(Path(args.output).suffix)] if compression_of(args.output) else args.output
    fmt = args.out_format or ("projector-tsv" if plain_name.lower().endswith(".tsv") else "word2vec-text")
    outs = [str(f) for f in run_sync(loaders.save(es, args.output, fmt), progress_printer(args.json))]
    return emit(args, {"words": len(es), "dim": es.dim, "format": fmt, "files": outs},
                 f"wrote {len(es):,} words x {es.dim} as {fmt}: {', '.join(outs)}")


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert between embedding formats")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--format", dest="out_format", choices=[f.name for f in loaders.FILE_FORMATS if f.write],
                   help="output format (default: from the output name: .tsv -> projector-tsv, else word2vec-text); "
                        "a name ending in .gz, .bz2 or .xz is written compressed")
    p.add_argument("--in-format", choices=list(loaders.FORMATS))
    add_member_arg(p)
    p.add_argument("--limit", type=int)
    p.add_argument("--lowercase", action="store_true")
    p.add_argument("--vocab", help="vocabulary file for .npy/.npz input")
    p.add_argument("--metadata", help="metadata.tsv for Projector TSV input")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_convert)
