"""What the commands share: output (text or JSON), progress on a terminal, runtime options."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from ..progress import Progress

BuildModels = Callable[[list[str] | None, bool], int]  # (only, force) -> exit status


def emit(args: argparse.Namespace, data: dict, text: str) -> int:
    """Print ``data`` as JSON with ``--json``, else ``text``."""
    print(json.dumps(data, ensure_ascii=False, indent=1) if getattr(args, "json", False) else text)
    return 0


def progress_printer(quiet: bool) -> Callable[[Progress], None] | None:
    """A one-line progress display on a terminal's stderr (None when quiet or not a terminal)."""
    if quiet or not sys.stderr.isatty():
        return None
    last = [-1]

    def show(p: Progress) -> None:
        pct = int(p.fraction * 100)
        if pct != last[0]:
            last[0] = pct
            sys.stderr.write(f"\r{pct:3d}% {p.message[:60]:<60}")
            sys.stderr.flush()
            if pct >= 100:
                sys.stderr.write("\n")

    return show


def add_runtime_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", default=None, help="preferred onnxruntime execution provider (default CPU)")
    p.add_argument("--threads", type=int, default=None, help="intra-op threads (default: onnxruntime's choice)")


def runtime_options(args: argparse.Namespace) -> dict:
    return {"preferred_provider": args.provider, "intra_op_threads": args.threads}


def print_notice(model) -> None:
    if model.notice:
        print(f"notice: {model.notice}", file=sys.stderr)
