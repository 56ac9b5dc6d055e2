"""`models build|list|verify`: build, list or verify the ONNX models (core.inference.registry.MODELS).

    python main.py models build [--only NAME] [--force]
    python main.py models list
    python main.py models verify [--only NAME]

``models build`` runs the build scripts through a callable main.py passes in, since core never imports them.
"""
from __future__ import annotations

import argparse
import sys

from ..errors import ExplorerError
from ..inference import registry


def cmd_models(args) -> int:
    only = args.only or list(registry.MODELS)
    if args.action == "build":
        if args.build_models is None:
            raise ExplorerError(
                "this installed app cannot build models (they ship inside it); "
                "build them from a source checkout: python main.py models build"
            )
        return args.build_models(args.only, args.force)
    if args.action == "list":
        print(f"models folder: {registry.models_dir()}")
        for name in registry.MODELS:
            s = registry.spec(name)
            if registry.is_built(name):
                m = registry.manifest(name)
                extra = m.get("metrics", {}).get("heldout_accuracy")
                acc = f", held-out accuracy {extra:.1%}" if extra is not None else ""
                state = f"built, {registry.disk_usage(name) / 1e6:.1f} MB{acc}"
                q4 = registry.quantized_summary(name)  # None for a model without a 4-bit copy
                if q4:
                    state += f"\n{'':<19}{q4}"
            elif s.not_packaged and registry.build_command(name) is None:
                state = f"not part of the installed app ({s.not_packaged})"
            else:
                state = f"not built ({registry.build_command(name) or 'reinstall the app'})"
            print(f"{name:<18} {s.display_name:<20} {state}\n{'':<19}{s.summary}")
        return 0
    from ..cpu import cpu_info

    print(cpu_info().line())
    failed = 0
    for name in only:  # verify
        s = registry.spec(name)
        if not args.only and s.not_packaged and registry.build_command(name) is None and not registry.is_built(name):
            print(f"{name}: not part of the installed app ({s.not_packaged})")
            continue
        try:
            lines = registry.verify(name)
        except ExplorerError as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: ok")
        for line in lines:
            print(f"  {line}")
        print(f"  precision: {registry.precision_line(name).split(': ', 1)[1]}")
    return 2 if failed else 0


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="build, list or verify the ONNX models")
    p.add_argument("action", choices=["build", "list", "verify"])
    p.add_argument("--only", action="append", choices=list(registry.MODELS), help="only this model (repeatable)")
    p.add_argument("--force", action="store_true", help="build: rebuild even when the checksums match")
    p.set_defaults(func=cmd_models)
