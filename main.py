"""Embedding Explorer: start the desktop app, or run a command (one parser: core.cli).

    python main.py                       # the window, on the bundled GloVe 6B 50d
    python main.py neighbours king       # scripting, same engine (see --help)
    python main.py models build          # build the ONNX models (from a source checkout)
    python main.py my_vectors.vec        # the window, on that file
"""
from __future__ import annotations

import sys
from pathlib import Path


def build_models(only: list[str] | None, force: bool) -> int:
    """``models build``: the torch-side build scripts, present only in a source checkout."""
    try:
        from models.build import run_build
    except ImportError as exc:
        print(f"error: the model build scripts cannot run here ({exc}); "
              "install the build extra: pip install -e '.[build]'", file=sys.stderr)
        return 2
    return run_build(only, force)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # the installed app starts itself as a worker process (core/children.py)
        from core.children import serve

        return serve(argv[1:])
    from core.cli import build_parser, commands, run

    parser = build_parser(build_models=build_models)
    if argv and argv[0] not in commands(parser) and Path(argv[0]).is_file():
        argv = ["--embeddings", *argv]  # `embedding-explorer FILE`: what the desktop entry runs for a file
    args = parser.parse_args(argv)
    if args.command:
        return run(args)
    if args.example == "list":
        from core.cli import print_examples

        return print_examples()
    from gui.app import run_gui  # Qt is imported only for the window

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
