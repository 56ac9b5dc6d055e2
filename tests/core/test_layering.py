"""core/ and models/ never import Qt: checked by import-linter's contract and by
importing every module with Qt made unimportable."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = r"""
import sys, importlib.abc, pkgutil, importlib
BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "PyQt5", "PyQt6", "gui")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"Qt import blocked in a headless check: {name}")
        return None
sys.meta_path.insert(0, Block())
import core, models
names = []
for pkg in (core, models):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        names.append(m.name)
for n in names:
    importlib.import_module(n)
leaked = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
assert not leaked, leaked
from core.cli.words import add_subcommands  # the CLI works headless too
import main
rc = main.main(["neighbours", "king", "-k", "3", "--json"])
assert rc == 0
print("imported", len(names), "modules without Qt")
"""


def test_core_and_models_import_without_qt():
    r = subprocess.run([sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "without Qt" in r.stdout


def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e .[test])")
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "0 broken" in r.stdout
