"""The one command line: ``python main.py [COMMAND] ...`` (``embedding-explorer`` when installed).

With no command the window opens (main.py hands the parsed options to gui.app).
Commands share one parser and one error policy (:func:`run`):

* a user's mistake (an unknown word, a bad expression, a missing model, a malformed
  file: any ExplorerError) prints one line, ``error: ...``, to stderr and exits 2;
* a bug prints its traceback and exits 1;
* Ctrl-C exits 130, a closed pipe (``| head``) exits 0.

Each command lives in the module named after it (``neighbours`` in neighbours.py, ``index
build|info`` in index.py, ``models build|list|verify`` in models.py, ...), which has
``add_subcommands(sub)``; :data:`COMMANDS` lists them in the order ``--help`` shows them. Options
several commands share are in common.py (output, progress, runtime), embedding_options.py
(``--embeddings``) and backends.py (``--backend``). ``models build`` runs the build scripts
through a callable main.py passes in, since core never imports them.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from ..errors import ExplorerError
from ..state.examples import EXAMPLES, WORKSPACES
from ..state.startup import prepare_folders
from .common import BuildModels
from .embedding_options import add_member_arg

# every command's module (core/cli/<name>.py), in the order --help lists them
COMMANDS = ("neighbours", "calc", "evaluate", "convert", "index", "next", "generate", "mask", "encode", "digit",
            "layers", "models", "train", "lens", "contextual", "search", "rnn", "attention", "attribute", "compare")


def build_parser(*, build_models: BuildModels | None = None) -> argparse.ArgumentParser:
    """The whole command line: the window's options and every command."""
    parser = argparse.ArgumentParser(
        prog="embedding-explorer",
        description="See embeddings and language models at work. With no command, opens the window.")
    parser.add_argument("--embeddings", metavar="FILE", help="open this embedding file instead of the bundled GloVe")
    parser.add_argument("--format", dest="in_format", help="format of --embeddings (default: guess)")
    add_member_arg(parser)
    parser.add_argument("--query", metavar="WORD", help="look up this word at start")
    parser.add_argument("--expr", metavar="EXPR", help="evaluate this word-arithmetic expression at start")
    parser.add_argument("--panel", metavar="NAME", help="raise this dock (e.g. neighbours, calculator) at start")
    parser.add_argument("--workspace", choices=list(WORKSPACES), metavar="NAME",
                        help=f"open on this workspace: {', '.join(WORKSPACES)}")
    parser.add_argument("--example", metavar="NAME", type=_example_name,
                        help="open a guided example ('--example list' prints their names)")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="wait until background work is done, save a PNG of the window and exit")
    parser.add_argument("--selftest", action="store_true", help="open the window offscreen, check it, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".{name}", __package__).add_subcommands(sub)
    parser.set_defaults(build_models=build_models)
    return parser


def _example_name(value: str) -> str:
    if value == "list" or value in EXAMPLES:
        return value
    raise argparse.ArgumentTypeError(f"no example named {value!r}; examples: {', '.join(EXAMPLES)}")


def print_examples() -> int:
    """``--example list``: each example's name, workspace and title."""
    for name, ex in EXAMPLES.items():
        print(f"{name:<16} {WORKSPACES[ex.workspace]:<18} {ex.title}")
    return 0


def commands(parser: argparse.ArgumentParser) -> set[str]:
    """The command names (and aliases) of a parser made by :func:`build_parser`."""
    return {name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices}


def run(args: argparse.Namespace) -> int:
    """Run a parsed command under the one error policy (see the module's docstring). Like the
    window, it first checks the app's folders and tidies what a killed run left (notes on stderr)."""
    try:
        for note in prepare_folders():
            print(f"note: {note}", file=sys.stderr)
        return int(args.func(args) or 0)
    except ExplorerError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception:  # noqa: BLE001 - a bug: say everything
        traceback.print_exc()
        return 1
