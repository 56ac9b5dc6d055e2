"""The house's rules: core/ and models/ never import Qt (import-linter, and every module imported
with Qt made unimportable); the rooms are layered, panels never import each other and nothing in
core or gui imports the build scripts (import-linter contracts in pyproject.toml, shown to catch a
violation); no import circle in core."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
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


def _lint_imports() -> str:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e .[test])")
    return exe


def _copy_tree(dest: Path) -> None:
    for name in ("core", "gui", "models", "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)


@pytest.mark.parametrize(
    "file, line, broken",
    [
        (
            "gui/panels/words/neighbours_panel.py",
            "import gui.panels.words.calculator_panel",
            "panels never import each other",
        ),
        (
            "gui/panels/words/calculator_panel.py",
            "from gui.panels.cloud import point_cloud_panel",
            "panels never import each other",
        ),
        ("core/embeddings/neighbours.py", "import core.state.session", "rooms in layers"),
        ("core/inference/encoder.py", "import core.projections.layout", "rooms in layers"),
        (
            "gui/widgets/bar_chart.py",
            "import gui.panels.words.neighbours_panel",
            "gui in layers",
        ),
        (
            "gui/panels/words/neighbours_panel.py",
            "import gui.controllers.neighbours_controller",
            "gui in layers",
        ),
        (
            "gui/controllers/debounce.py",
            "import models.build",
            "nothing in core or gui imports the model build scripts",
        ),
    ],
)
def test_the_contracts_catch_a_violation(tmp_path, file, line, broken):
    exe = _lint_imports()
    _copy_tree(tmp_path)
    target = tmp_path / file
    target.write_text(
        target.read_text(encoding="utf-8") + f"\n{line}  # a violation planted by the test\n", encoding="utf-8"
    )
    r = subprocess.run(
        [exe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
    )
    assert r.returncode == 1, r.stdout[-3000:]
    flat = " ".join(r.stdout.split())
    assert f"{broken}" in flat and "BROKEN" in flat


def test_every_panel_is_in_the_independence_contract():
    """The contract lists exactly the panels gui/docks.py declares (and the cloud), and every panel file
    is declared there: the DockSpec list is the one place a panel is named (read as text: no Qt here)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    listed = set(next(c for c in contracts if c["type"] == "independence")["modules"])
    declared = set(re.findall(r'"(gui\.panels\.[\w.]+):\w+"', (ROOT / "gui" / "docks.py").read_text()))
    files = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "gui" / "panels").glob("*/*_panel.py")
    }
    assert declared and declared == listed, "pyproject.toml's panel list and gui/docks.py differ"
    assert files == declared, "a panel file that no DockSpec declares, or a DockSpec without its file"


def test_no_import_circle_between_modules_of_core():
    """Strongly connected components of core's module import graph (imports inside functions included)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("core")
    edges = {
        m: [x for x in graph.find_modules_directly_imported_by(m) if x.split(".")[0] == "core"] for m in graph.modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for m in sorted(edges):
        if m not in index:
            visit(m)
    assert cycles == []


def test_ruff_finds_nothing():
    """The linter configured in pyproject.toml (pyflakes, pycodestyle, import order, bugbear, naming, ...)
    is clean over the whole tree, so every noqa comment has a linter behind it."""
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert exe, "ruff is not installed in this environment (it is in the test extra)"
    r = subprocess.run([exe, "check", "--no-cache", "--output-format", "concise", "."], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-1000:]
