"""The installed app, tested as a user gets it: packaging/build.sh builds the bundle and the .deb,
the .deb is unpacked into a fresh root (what dpkg -i installs), and the installed executable's
--selftest runs under Xvfb with a fresh home: the window opens on the default set, answers a
neighbour query, runs a next-token step, a sentence and a digit, and takes a screenshot.

Marked ``package`` (minutes: a PyInstaller build); ``./run.sh test`` runs it after the other tests,
``./run.sh package`` alone. Needs Xvfb and dpkg-deb; skipped where they are missing."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.package
ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
DEB = ROOT / "dist" / f"embedding-explorer_{VERSION}_amd64.deb"


def _need(*tools: str) -> None:
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build (unless EE_PACKAGE_PREBUILT=1 and the .deb exists), then unpack the .deb into a root."""
    _need("dpkg-deb", "xvfb-run")
    if not (os.environ.get("EE_PACKAGE_PREBUILT") == "1" and DEB.is_file()):
        venv = Path(os.environ.get("EE_VENV", ROOT / ".venv"))
        r = subprocess.run(["bash", "packaging/build.sh"], cwd=ROOT, env={**os.environ, "EE_VENV": str(venv)},
                           capture_output=True, text=True, timeout=3600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(DEB), str(root)], check=True)
    return root


def _run(root: Path, home: Path, *args: str, env: dict | None = None, timeout: int = 300):
    exe = root / "opt" / "embedding-explorer" / "embedding-explorer"
    e = {k: v for k, v in os.environ.items() if not k.startswith(("EMBEDDING_EXPLORER_", "XDG_", "QT_"))}
    e.update({"HOME": str(home), "QT_QPA_PLATFORM": "xcb", **(env or {})})
    return subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", str(exe), *args], env=e,
                          capture_output=True, text=True, timeout=timeout)


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def test_the_deb_installs_what_a_desktop_needs(installed):
    r = installed
    assert os.readlink(r / "usr/bin/embedding-explorer") == "/opt/embedding-explorer/embedding-explorer"
    assert (r / "usr/share/applications/embedding-explorer.desktop").is_file()
    assert (r / "usr/share/mime/packages/embedding-explorer.xml").is_file()
    assert (r / "usr/share/icons/hicolor/scalable/apps/embedding-explorer.svg").is_file()
    for size in (16, 32, 48, 128, 256):
        assert (r / f"usr/share/icons/hicolor/{size}x{size}/apps/embedding-explorer.png").is_file()
    app = r / "opt/embedding-explorer/_internal"
    assert (app / "data/glove-6b-50d-v1/vectors.npy").is_file()  # converted at build time
    assert (app / "data/glove-6b-50d-v1/first_map.npz").is_file()  # and its first map made
    assert {p.name for p in (app / "models").iterdir()} >= {"minilm-l6-v2", "mnist-cnn"}
    assert (
        not list(app.rglob("torch")) and not (app / "pyarrow").exists() and not (app / "models" / "build.py").exists()
    )
    info = subprocess.run(["dpkg-deb", "--field", str(DEB), "Depends"], capture_output=True, text=True).stdout
    for lib in ("libxcb1", "libx11-6", "libfontconfig1", "libglib2.0-0"):
        assert lib in info, info
    if shutil.which("desktop-file-validate"):
        subprocess.run(
            ["desktop-file-validate", str(r / "usr/share/applications/embedding-explorer.desktop")], check=True
        )


def test_the_installed_app_starts_and_works_with_no_network_and_no_build(installed, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    app = installed / "opt/embedding-explorer"
    before = _tree(app)
    shot = tmp_path / "installed.png"
    r = _run(installed, home, "--selftest", "--screenshot", str(shot))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "selftest ok: GloVe 6B 50d (400,000 words); king -> prince" in out
    for check in ("language model:", "sentence encoder:", "digit CNN:"):
        assert f"selftest ok: {check}" in out, out[-3000:]
    assert _tree(app) == before  # the install folder is never written (it may be read-only)
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert pixels.shape[0] > 500 and pixels.std() > 20  # a real window, not a blank frame
    assert not (home / ".cache" / "embedding-explorer" / "sets").exists()  # no conversion at first start


def test_an_unwritable_home_falls_back_with_a_notice(installed, tmp_path):
    blocked = "/dev/null/home"  # cannot be created, not even by root
    r = _run(
        installed,
        tmp_path,
        "--selftest",
        env={"HOME": blocked, "XDG_CACHE_HOME": blocked + "/.cache", "XDG_CONFIG_HOME": blocked + "/.config"},
    )
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "cannot be written" in out and "selftest ok: GloVe" in out


def test_a_damaged_model_inside_the_install_is_named_and_the_rest_works(installed, tmp_path):
    copy = tmp_path / "root"
    shutil.copytree(installed, copy, symlinks=True)
    model = copy / "opt/embedding-explorer/_internal/models/mnist-cnn/model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    assert hashlib.sha256(data).hexdigest()
    home = tmp_path / "home"
    home.mkdir()
    r = _run(copy, home, "--selftest")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out[-3000:]
    assert "digit CNN:" in out and "model.onnx" in out and "reinstall Embedding Explorer" in out
    assert "python main.py" not in out  # never a command that only works from source
    assert "selftest ok: GloVe 6B 50d" in out and "selftest ok: sentence encoder" in out
