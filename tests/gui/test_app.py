"""main.py as a user starts it: --screenshot and --selftest in a subprocess (offscreen: no OpenGL,
so only the file matters), and a non-zero exit with the core's message when a file is malformed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from core.embeddings.exporters import write_word2vec_text
from core.progress import run_sync

ROOT = Path(__file__).resolve().parents[2]


def run_main(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def glove_file(tmp_path, glove_small):
    path = tmp_path / "glove2k.txt"
    run_sync(write_word2vec_text(glove_small, path, header=False, rows=range(2000)))
    return path


def test_screenshot(tmp_path, glove_file):
    out = tmp_path / "shot.png"
    r = run_main("--embeddings", str(glove_file), "--query", "king", "--expr", "king - man + woman",
                 "--panel", "calculator", "--screenshot", str(out))
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert not img.isNull() and img.width() >= 800 and img.height() >= 600


def test_screenshot_of_a_malformed_file_fails_with_the_message(tmp_path, glove):
    """The window opens the bundled set instead and shows the message (in the screenshot too); a
    scripted run still exits non-zero with the message."""
    bad = tmp_path / "bad.txt"
    bad.write_text("the 0.1 0.2\nof 0.1\n", encoding="utf-8")
    r = run_main("--embeddings", str(bad), "--format", "glove", "--screenshot", str(tmp_path / "x.png"))
    assert r.returncode != 0
    assert f"Could not open bad.txt: {bad}, line 2: wrong number of values: 1" in r.stderr
    assert "showing GloVe 6B 50d instead" in r.stderr and "ready: window shown, GloVe 6B 50d loaded" in r.stdout
    assert not QImage(str(tmp_path / "x.png")).isNull()


def test_unknown_panel(tmp_path, glove_file):
    r = run_main("--embeddings", str(glove_file), "--panel", "nope", "--screenshot", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "no panel named 'nope'" in r.stderr


def test_selftest(glove):  # the glove fixture has converted the bundled set into the test cache
    r = run_main("--selftest")
    assert r.returncode == 0, r.stderr
    assert "selftest ok" in r.stdout and "king -> prince" in r.stdout
