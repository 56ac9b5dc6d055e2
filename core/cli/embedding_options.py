"""Choosing the embedding set on the command line (shared by neighbours, calc, evaluate and index).

    --embeddings FILE            default: the bundled GloVe 6B 50d
    --format NAME                the file's format (default: guess)
    --member NAME                the file inside a .zip archive holding several
"""
from __future__ import annotations

import argparse
import sys

from ..embeddings import loaders
from ..embeddings.default_set import load_default
from ..embeddings.embedding_set import EmbeddingSet
from ..progress import run_sync
from .common import progress_printer


def open_embeddings(path: str | None, fmt: str | None = None, quiet: bool = False,
                    opts: loaders.LoadOptions | None = None, member: str | None = None) -> EmbeddingSet:
    cb = progress_printer(quiet)
    if not path:
        return run_sync(load_default(), cb)
    es = run_sync(loaders.load(path, fmt, opts, member=member), cb)
    for note in es.notes:
        print(f"note: {note}", file=sys.stderr)
    return es


def add_member_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--member", metavar="NAME", help="the file to open inside a .zip archive holding several")


def add_embeddings_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embeddings", metavar="FILE", help="embedding file (default: the bundled GloVe 6B 50d)")
    p.add_argument("--format", dest="in_format", choices=list(loaders.FORMATS), help="file format (default: guess)")
    add_member_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
