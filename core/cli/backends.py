"""Choosing the search backend on the command line (shared by neighbours, calc and evaluate).

    --backend exact              every row scored (the default)
    --backend hnsw               the set's stored HNSW index (built by `index build` if there is none)
    --backend milvus             the Milvus collection this set was exported to (`index build --backend milvus`)
      --milvus-uri URI           a server (http://host:19530) or a Milvus Lite path; default: the Lite
                                 database in the user data folder. The token comes from $MILVUS_TOKEN.
      --collection NAME          default: where this set was last exported there
"""
from __future__ import annotations

import argparse
import os
import sys

from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.search import index_store, milvus_backend, milvus_connect, milvus_export
from ..embeddings.search.base import BACKENDS, SearchBackend
from ..embeddings.search.milvus_connect import MilvusError, MilvusTarget
from ..errors import InputError
from ..progress import run_sync
from .common import progress_printer

TOKEN_ENV = "MILVUS_TOKEN"


def add_backend_args(p: argparse.ArgumentParser, *, default: str = "exact") -> None:
    p.add_argument("--backend", choices=BACKENDS, default=default,
                   help="exact (every row), hnsw (the set's local index) or milvus (its Milvus collection)")
    p.add_argument("--milvus-uri", metavar="URI", default="",
                   help="Milvus server URI or Milvus Lite path (default: the Lite database in the user data "
                        f"folder); the token is read from ${TOKEN_ENV}")
    p.add_argument("--collection", metavar="NAME", default="", help="Milvus collection (default: this set's)")
    p.add_argument("--timeout", type=float, default=milvus_connect.TIMEOUT,
                   help="seconds to wait for a Milvus server (default %(default)s)")


def target_of(args: argparse.Namespace) -> MilvusTarget:
    return MilvusTarget(args.milvus_uri, token=os.environ.get(TOKEN_ENV, ""), timeout=args.timeout)


def notice(text: str) -> None:
    print(f"notice: {text}", file=sys.stderr)


def hnsw_backend(es: EmbeddingSet, quiet: bool) -> SearchBackend:
    """The set's stored index; a missing, damaged or foreign one is (re)built, with a notice."""
    cb = progress_printer(quiet)
    opened = run_sync(index_store.open_index(es), cb)
    if opened.index is not None:
        return opened.index
    notice(opened.notice or f"{es.name} has no HNSW index yet; building it (stored for the next time)")
    return run_sync(index_store.build_index(es), cb)


def collection_for(es: EmbeddingSet, target: MilvusTarget, fingerprint: str) -> str:
    for entry in milvus_connect.exports_of(fingerprint):
        if entry.get("uri") == target.resolved:
            return str(entry["collection"])
    return milvus_export.collection_name(es)


def open_backend(args: argparse.Namespace, es: EmbeddingSet) -> SearchBackend | None:
    """The backend --backend names for this set (None for exact)."""
    quiet = getattr(args, "json", False)
    if args.backend == "exact":
        return None
    if args.backend == "hnsw":
        return hnsw_backend(es, quiet)
    target = target_of(args)
    fp = index_store.set_fingerprint(es)
    collection = args.collection or collection_for(es, target, fp)
    try:
        return run_sync(milvus_backend.attach(es, target, collection, fp), progress_printer(quiet))
    except MilvusError as e:
        if "there is no collection" in str(e):
            raise InputError(f"{e}; export this set first: python main.py index build --backend milvus") from None
        raise
