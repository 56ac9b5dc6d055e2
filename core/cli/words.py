"""Word commands: the same engine as the window, optional JSON output.

    python main.py neighbours king -k 10 --metric cos --json
    python main.py neighbours king --backend milvus --json      # or hnsw (see core/cli/backends.py)
    python main.py calc "king - man + woman" --cosmul
    python main.py evaluate analogies --restrict 30000 --json
    python main.py convert glove.txt out.tsv --format projector-tsv
    python main.py convert glove.6B.zip glove50.txt.gz --member glove.6B.50d.txt
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..embeddings import exporters, loaders
from ..embeddings.arithmetic import evaluate
from ..embeddings.default_set import load_default
from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.evaluation import evaluate_analogies, evaluate_pairs
from ..embeddings.neighbours import METRICS, search_words
from ..io import compression_of
from ..progress import run_sync
from .backends import add_backend_args, open_backend
from .common import emit, progress_printer


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


def _add_embeddings_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embeddings", metavar="FILE", help="embedding file (default: the bundled GloVe 6B 50d)")
    p.add_argument("--format", dest="in_format", choices=list(loaders.FORMATS), help="file format (default: guess)")
    add_member_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("neighbours", aliases=["neighbors"], help="nearest neighbours of a word (or several)")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--metric", choices=METRICS, default="cos")
    p.add_argument("--restrict", type=int, help="search only the N most frequent words")
    _add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_neighbours)

    p = sub.add_parser("calc", help="word arithmetic: 'king - man + woman' or 'man:king::woman:?'")
    p.add_argument("expression")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    p.add_argument("--include-inputs", action="store_true", help="do not exclude the input words")
    p.add_argument("--restrict", type=int)
    _add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_calc)

    p = sub.add_parser("evaluate", help="analogy / word-similarity benchmarks (gensim's conventions)")
    p.add_argument("dataset", choices=["analogies", "ws353", "simlex"])
    p.add_argument("--restrict", type=int, default=300000)
    p.add_argument("--cosmul", action="store_true")
    p.add_argument("--failures", type=int, default=0, metavar="N", help="list the first N failures")
    _add_embeddings_arg(p)
    add_backend_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("convert", help="convert between embedding formats")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--format", dest="out_format", choices=["word2vec-text", "glove", "projector-tsv"],
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


def cmd_neighbours(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    resolved = [es.resolve(w) for w in args.words]
    res, answer = search_words(es, [r.word for r in resolved], args.k, metric=args.metric, restrict=args.restrict,
                               backend=open_backend(args, es))
    notes = [f"showing {r.word} for {r.typed}" for r in resolved if r.case_folded]
    if answer.note and args.backend != "exact":
        notes.append(answer.note)
    data = {"query": [r.word for r in resolved], "metric": args.metric, "embeddings": es.name, "notes": notes,
            "backend": {"name": answer.backend, "label": answer.label, "recall_at_10": answer.recall,
                        "latency_ms": round(answer.latency_ms, 3)},
            "neighbours": [{"word": n.word, "score": round(n.score, 6), "rank": n.index + 1} for n in res]}
    lines = notes + [f"{i + 1:3d}. {n.word:<20} {n.score:.4f}" for i, n in enumerate(res)]
    if args.backend != "exact":
        lines.append(f"answered by {answer.summary}")
    return emit(args, data, "\n".join(lines))


def cmd_calc(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    r = evaluate(es, args.expression, args.k, method="mul" if args.cosmul else "add",
                 exclude_inputs=not args.include_inputs, restrict=args.restrict, backend=open_backend(args, es))
    data = {"expression": str(r.expression), "method": "3CosMul" if args.cosmul else "3CosAdd",
            "inputs": list(r.input_words), "backend": r.answer.label if r.answer else "exact",
            "results": [{"word": n.word, "score": round(n.score, 6)} for n in r.results]}
    lines = [f"{r.expression}  ({data['method']})"] + [f"{i + 1:3d}. {n.word:<20} {n.score:.4f}"
                                                       for i, n in enumerate(r.results)]
    return emit(args, data, "\n".join(lines))


def cmd_evaluate(args: argparse.Namespace) -> int:
    es = open_embeddings(args.embeddings, args.in_format, quiet=args.json, member=args.member)
    cb = progress_printer(args.json)
    if args.dataset == "analogies":
        r = run_sync(evaluate_analogies(es, restrict=args.restrict, method="mul" if args.cosmul else "add",
                                        backend=open_backend(args, es)), cb)
        data = r.to_json()
        if args.failures:
            data["failure_list"] = [f.__dict__ for f in r.failures[: args.failures]]
        lines = [f"{s.name:<30} {s.accuracy:7.2%}  {s.correct}/{s.total}  (skipped {s.skipped})" for s in r.sections]
        lines.append(f"{'total':<30} {r.accuracy:7.2%}  {r.correct}/{r.total}  (skipped {r.skipped})")
        lines += [f"  {f.expression} -> {f.predicted} (expected {f.expected})" for f in r.failures[: args.failures]]
        return emit(args, data, "\n".join(lines))
    p = run_sync(evaluate_pairs(es, args.dataset, restrict=args.restrict), cb)
    return emit(args, p.to_json(), f"{args.dataset}: Spearman {p.spearman:.4f}, Pearson {p.pearson:.4f}, "
                                    f"{p.pairs} pairs, {p.oov} out of vocabulary")


def cmd_convert(args: argparse.Namespace) -> int:
    opts = loaders.LoadOptions(limit=args.limit, lowercase=args.lowercase, vocab_path=args.vocab,
                               metadata_path=args.metadata)
    es = open_embeddings(args.input, args.in_format, quiet=args.json, opts=opts, member=args.member)
    plain_name = args.output[: -len(Path(args.output).suffix)] if compression_of(args.output) else args.output
    fmt = args.out_format or ("projector-tsv" if plain_name.lower().endswith(".tsv") else "word2vec-text")
    cb = progress_printer(args.json)
    if fmt == "projector-tsv":
        v, m = run_sync(exporters.write_projector_tsv(es, args.output), cb)
        outs = [str(v), str(m)]
    else:
        outs = [str(run_sync(exporters.write_word2vec_text(es, args.output, header=fmt == "word2vec-text"), cb))]
    return emit(args, {"words": len(es), "dim": es.dim, "format": fmt, "files": outs},
                 f"wrote {len(es):,} words x {es.dim} as {fmt}: {', '.join(outs)}")
