"""`index build|info`: build a set's HNSW index or export it to Milvus, and say what is stored.

    python main.py index build                          # HNSW, stored beside the set's cache
    python main.py index build --backend milvus         # into the Milvus Lite database (resumable)
    python main.py index build --backend milvus --milvus-uri http://milvus.lab:19530 --collection glove
    python main.py index info --json
"""
from __future__ import annotations

import argparse

from ..embeddings.search import index_store, milvus_connect, milvus_export
from ..errors import InputError
from ..progress import run_sync
from .backends import add_backend_args, target_of
from .common import emit, progress_printer
from .embedding_options import add_embeddings_arg, open_embeddings


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="build a search index (HNSW, or an export to Milvus) and show what is stored")
    isub = p.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    b = isub.add_parser("build", help="build the set's HNSW index, or export the set to a Milvus collection")
    add_backend_args(b, default="hnsw")
    b.add_argument("--batch", type=int, default=milvus_export.BATCH, help="rows per Milvus insert")
    b.add_argument("--queries", type=int, default=1000, help="sampled words for recall@10 against exact search")
    add_embeddings_arg(b)
    b.set_defaults(func=cmd_build)
    i = isub.add_parser("info", help="the stored HNSW index and the Milvus exports of the set")
    add_embeddings_arg(i)
    i.set_defaults(func=cmd_info)


def cmd_build(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json)
    cb = progress_printer(args.json)
    if args.queries < 10:
        raise InputError(f"--queries must be at least 10, got {args.queries}")
    if args.backend == "exact":
        raise InputError("exact search needs no index; choose --backend hnsw or --backend milvus")
    if args.backend == "hnsw":
        index = run_sync(index_store.build_index(es, queries=args.queries), cb)
        info = index.info
        data = {"backend": "hnsw", "embeddings": es.name, "folder": str(index_store.index_folder(es)),
                "recall_at_10": info.recall, "queries": info.recall_queries, "ef": info.ef, "m": info.m,
                "build_seconds": info.build_seconds, "query_ms": info.query_ms, "bytes": info.size}
        return emit(args, data, f"HNSW index of {es.name}: recall@10 {info.recall:.3f} on {info.recall_queries:,} "
                                f"words (ef {info.ef}), built in {info.build_seconds:.1f} s, {info.query_ms:.2f} ms "
                                f"a query; stored in {data['folder']}")
    if args.batch <= 0:
        raise InputError(f"--batch must be a positive number of rows, got {args.batch}")
    target = target_of(args)
    r = run_sync(milvus_export.export(es, target, args.collection or None,
                                      fingerprint=index_store.set_fingerprint(es), batch=args.batch,
                                      queries=args.queries), cb)
    data = {"backend": "milvus", "embeddings": es.name, "target": target.shown, "collection": r.collection,
            "count": r.count, "inserted": r.inserted, "seconds": round(r.seconds, 2), "recall_at_10": r.recall,
            "queries_per_second": r.queries_per_second}
    return emit(args, data, f"exported {r.count:,} words of {es.name} to {target.shown}, collection {r.collection} "
                            f"({r.inserted:,} sent in this run, {r.seconds:.1f} s); recall@10 {r.recall}, "
                            f"{r.queries_per_second} queries/s in batches")


def cmd_info(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json)
    folder = index_store.index_folder(es)
    opened = run_sync(index_store.open_index(es), progress_printer(args.json))
    info = opened.info
    hnsw = {"folder": str(folder), "usable": opened.index is not None, "notice": opened.notice,
            "recall_at_10": info.recall if info else None, "ef": info.ef if info else None}
    exports = milvus_connect.exports_of(index_store.set_fingerprint(es))
    data = {"embeddings": es.name, "hnsw": hnsw, "milvus": exports}
    lines = [f"{es.name}: {len(es):,} words x {es.dim}"]
    if opened.index is not None:
        lines.append(f"HNSW index: recall@10 {info.recall:.3f} (ef {info.ef}), {folder}")
    else:
        lines.append(f"HNSW index: {opened.notice or 'none (python main.py index build)'}")
    lines += [f"Milvus: {d['collection']} at {d['uri']} (recall@10 {d.get('recall')}, {d.get('exported')})"
              for d in exports] or ["Milvus: not exported (python main.py index build --backend milvus)"]
    return emit(args, data, "\n".join(lines))
