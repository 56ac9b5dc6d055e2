"""One command line, one error policy: a user's mistake is one line on stderr and exit 2 (no
traceback); a bug is a traceback and exit 1. Run as a user would, in a subprocess."""
from __future__ import annotations

import argparse

import pytest

from core.cli import build_parser, run

from .conftest import cli


@pytest.mark.parametrize("argv, says", [
    (["neighbours", "notaword"], "unknown word 'notaword'"),
    (["calc", "king - - woman"], "column 8 of 'king - - woman'"),
    (["digit", "missing.png"], "missing.png: file not found"),
    (["neighbours", "king", "--embeddings", "no/such/file.txt"], "no/such/file.txt"),
])
def test_user_mistakes_exit_2_with_one_line(argv, says):
    r = cli(*argv, ok=False)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert says in r.stderr and "Traceback" not in r.stderr


def test_a_bug_prints_its_traceback_and_exits_1(capsys):
    def broken(_args):
        return 1 / 0

    assert run(argparse.Namespace(func=broken)) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError" in err


def test_models_build_without_the_build_scripts_says_so(capsys):
    args = build_parser(build_models=None).parse_args(["models", "build"])
    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot build models" in err


def test_one_parser_holds_every_command():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"neighbours", "calc", "evaluate", "convert", "next", "mask", "encode", "digit", "models"} <= set(
        sub.choices
    )
