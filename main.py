"""Embedding Explorer: start the desktop app, or run a command-line subcommand.

    python main.py                       # the window, on the bundled GloVe 6B 50d
    python main.py neighbours king       # scripting, same engine (see --help)
"""
from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embedding-explorer",
        description="See embeddings and language models at work. With no subcommand, opens the window.")
    parser.add_argument("--embeddings", metavar="FILE", help="open this embedding file instead of the bundled GloVe")
    parser.add_argument("--format", dest="in_format", help="format of --embeddings (default: guess)")
    parser.add_argument("--query", metavar="WORD", help="look up this word at start")
    parser.add_argument("--expr", metavar="EXPR", help="evaluate this word-arithmetic expression at start")
    parser.add_argument("--panel", metavar="NAME", help="raise this dock (e.g. neighbours, calculator) at start")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="wait until background work is done, save a PNG of the window and exit")
    parser.add_argument("--selftest", action="store_true", help="open the window offscreen, check it, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from core.cli import words as core_cli

    core_cli.add_subcommands(sub)
    try:
        from core.cli import models as models_cli
    except ImportError:  # model commands need the models package's build side only for `models build`
        models_cli = None
    if models_cli is not None:
        models_cli.add_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command:
        from core.cli.words import run

        return run(args)
    from gui.app import run_gui  # Qt is imported only for the window

    return run_gui(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        sys.exit(0)
