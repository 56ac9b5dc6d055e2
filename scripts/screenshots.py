"""Regenerate the screenshots in docs/screenshots/: the whole window (light and dark) and each panel.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py

Under Xvfb the 3D point cloud renders with Mesa; offscreen (no OpenGL) it shows its 2D fallback.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.state.session import Session  # noqa: E402
from core.state.settings import Settings  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.task_runner import TaskRunner  # noqa: E402


def settle(app: QApplication, runner: TaskRunner, quiet_ms: int = 400, timeout_s: float = 300) -> None:
    """Process events until no job has run for `quiet_ms`."""
    start = time.perf_counter()
    quiet_since = None
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)
        now = time.perf_counter()
        if runner.is_running():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif (now - quiet_since) * 1000 >= quiet_ms:
            return
        if now - start > timeout_s:
            raise TimeoutError(f"still running: {runner.running()}")


def _files_shots(app, window, runner, save) -> None:
    """A gzipped GloVe opening (progress by compressed bytes), a .zip of several files asking which
    one, and a malformed file: the message stays in the window, the open set too."""
    import gzip
    import tempfile
    import zipfile

    from core.embeddings.exporters import write_word2vec_text
    from core.progress import run_sync
    from gui.open_dialog import OpenDialog

    tmp = Path(tempfile.mkdtemp(prefix="shots-"))
    es = window.session.embeddings
    text = tmp / "glove.6B.50d.200k.txt"
    run_sync(write_word2vec_text(es, text, header=False, rows=range(200000)))
    packed = tmp / "glove.6B.50d.200k.txt.gz"
    packed.write_bytes(gzip.compress(text.read_bytes(), 6))
    with zipfile.ZipFile(tmp / "glove.6B.zip", "w") as zf:
        for dim in (50, 100, 200, 300):
            zf.writestr(f"glove.6B.{dim}d.txt", "the 0.1 0.2\n")
    window.open_file(packed)
    started = time.perf_counter()
    while time.perf_counter() - started < 60:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        bar = window.status.job_progress
        if bar.isVisible() and 30 <= bar.value() <= 70:
            break
    save(window, "window-loading-gz")
    settle(app, runner)
    window.session.neighbours.query = "frog"
    settle(app, runner)
    save(window, "window-gz-loaded")
    dialog = OpenDialog(window.settings, window)
    dialog.path.setText(str(tmp / "glove.6B.zip"))
    dialog.members.setCurrentText("glove.6B.100d.txt")
    dialog.show()
    save(dialog, "open_dialog_zip")
    dialog.close()
    bad = tmp / "bad.txt"
    bad.write_text("the 0.1 0.2 0.3\nof 0.1 0.2 0.3\nand 0.1 zero 0.3\n", encoding="utf-8")
    window.open_file(bad)
    settle(app, runner)
    save(window, "window-bad-file")
    window.message_bar.clear_messages()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.split("x"))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    session, runner = Session(), TaskRunner()
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    window.resize(width, height)
    window.show()
    window.load_default()
    settle(app, runner)
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    session.directions.probes = "one, two, three, four, five, cat, cats, dog, dogs, many"
    settle(app, runner)
    bench = window.docks["benchmarks"].widget()
    bench._restrict.setValue(30000)
    bench.start()
    settle(app, runner)
    window.raise_panel("directions")
    settle(app, runner)

    saved = []

    def save(widget, name: str) -> None:
        app.processEvents()
        path = out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        saved.append(path)

    save(window, "window")
    save(window.centralWidget(), "point_cloud")
    for name, dock in window.docks.items():
        window.raise_panel(name)
        settle(app, runner, quiet_ms=150)
        save(dock, name)
    window.set_theme("dark")
    window.raise_panel("directions")
    settle(app, runner, quiet_ms=150)
    save(window, "window-dark")
    window.set_theme("light")
    _files_shots(app, window, runner, save)
    QTimer.singleShot(0, window.close)
    app.processEvents()
    runner.shutdown()
    for p in saved:
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
