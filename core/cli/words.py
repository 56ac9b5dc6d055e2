"""The word commands as one group, under their older import path: ``neighbours``, ``calc``,
``evaluate`` and ``convert`` each live in the module named after them; the ``--embeddings``
options in embedding_options.py. Kept for callers of ``core.cli.words`` (tests/core/test_layering.py)."""
from __future__ import annotations

import argparse

from . import calc, convert, evaluate, neighbours
from .embedding_options import add_embeddings_arg, add_member_arg, open_embeddings


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    for command in (neighbours, calc, evaluate, convert):
        command.add_subcommands(sub)


__all__ = ["add_embeddings_arg", "add_member_arg", "add_subcommands", "open_embeddings"]
