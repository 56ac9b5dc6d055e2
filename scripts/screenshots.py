"""Regenerate the screenshots in docs/screenshots/: the whole window (light and dark) and each panel.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py
    ... scripts/screenshots.py --search [--milvus-db PATH]   # the search backends (builds an HNSW index: minutes)

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--search", action="store_true",
                        help="only the search backends: an HNSW index built in the window, the Index dialog, and "
                             "(with --milvus-db) a Milvus collection opened by itself")
    parser.add_argument("--milvus-db", help="a Milvus Lite database holding glove_6b_50d (index build --backend milvus)")
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
    if args.search:
        return search_shots(app, window, session, runner, out, args.milvus_db)
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
    QTimer.singleShot(0, window.close)
    app.processEvents()
    runner.shutdown()
    for p in saved:
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    return 0


def search_shots(app, window, session, runner, out: Path, milvus_db: str | None) -> int:
    """The neighbours panel answered by a freshly built HNSW index, the Index dialog, and a Milvus
    collection opened by itself (a sample in the cloud, queries in Milvus)."""
    from core.embeddings.search.milvus_connect import MilvusTarget
    from gui.search_dialogs import IndexDialog

    def save(widget, name: str) -> None:
        app.processEvents()
        path = out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)

    dialog = IndexDialog(window.settings, session.embeddings, window)
    dialog.show()
    settle(app, runner, quiet_ms=150)
    save(dialog, "index_dialog")
    dialog.close()
    window.controllers.backends.build_hnsw()
    settle(app, runner, timeout_s=1800)
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    settle(app, runner)
    window.raise_panel("neighbours")
    save(window.docks["neighbours"], "neighbours_hnsw")
    save(window, "window_hnsw")
    if milvus_db:
        window.controllers.backends.open_collection(MilvusTarget(milvus_db), "glove_6b_50d", sample=10000)
        settle(app, runner, timeout_s=600)
        session.neighbours.query = "crocodile"
        settle(app, runner, timeout_s=120)
        save(window, "window_milvus")
        save(window.docks["neighbours"], "neighbours_milvus")
    QTimer.singleShot(0, window.close)
    app.processEvents()
    runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
