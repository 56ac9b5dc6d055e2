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

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.state.session import Session
from core.state.settings import Settings
from gui.canvas.view_3d import grab
from gui.main_window import MainWindow
from gui.task_runner import TaskRunner


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


def draw_seven(app: QApplication, canvas) -> None:
    """A 7 drawn with mouse events, as a person would (pad coordinates 0..280)."""
    def at(x, y):
        return QPoint(round(canvas.width() * x / 280), round(canvas.height() * y / 280))
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for stroke in ([(70, 72), (205, 68)], [(205, 68), (128, 232)]):
        QTest.mousePress(canvas, left, none, at(*stroke[0]))
        for i in range(1, 13):
            (x0, y0), (x1, y1) = stroke
            QTest.mouseMove(canvas, at(x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * i / 12))
            app.processEvents()
        QTest.mouseRelease(canvas, left, none, at(*stroke[1]))


def digits_shots(app: QApplication, window: MainWindow, runner: TaskRunner, save) -> None:
    """The activations room: the pad with every layer, a unit's exciting digits, the image cloud
    with the drawn digit placed in it, and an ONNX model's layers."""
    from core.inference import registry

    session = window.session
    pad = window.panel("draw_pad")
    for name in ("draw_pad", "digit_layers"):
        window.raise_panel(name)
    window.resizeDocks([window.docks["digit_layers"]], [470], Qt.Orientation.Vertical)
    settle(app, runner)
    draw_seven(app, pad.canvas)
    settle(app, runner)
    session.activations.unit = ("relu2", 17)
    settle(app, runner)
    save(window, "window-digits")
    save(window.docks["draw_pad"], "draw_pad")
    save(window.docks["digit_layers"], "digit_layers")
    images = window.panel("image_cloud")
    window.raise_panel("image_cloud")
    images.show_images()
    settle(app, runner)
    draw_seven(app, pad.canvas)
    settle(app, runner)
    save(window, "window-image-cloud")
    save(window.centralWidget(), "image_cloud_3d")
    save(window.docks["image_cloud"], "image_cloud")
    model = registry.model_dir(registry.DIGITS) / "model.onnx"
    if model.is_file():
        window.open_onnx_model(model)
        settle(app, runner)
        onnx = session.activations.onnx
        onnx.chosen = ("relu1", "relu2", "logits", "relu3")
        window.panel("onnx_layers").use_pad_digit()
        settle(app, runner)
        save(window.docks["onnx_layers"], "onnx_layers")
    images.go_back()
    settle(app, runner)


def train_screenshots(app: QApplication, runner: TaskRunner, window: MainWindow, save) -> None:
    """word2vec skip-gram trained on the Lee corpus in the window: the last epoch and an early one
    (the cloud, the neighbours and the charts follow the epoch slider), then CBOW beside it."""
    panel = window.panel("train")
    window.session.arithmetic.expression = ""  # GloVe's example means little on 1,799 news words
    window.raise_panel("train")
    panel.start()
    settle(app, runner)
    save(window, "train-late")
    save(window.docks["train"], "train")
    panel._slider.setValue(1)
    settle(app, runner)
    save(window, "train-early")
    panel.start(compare=True)
    settle(app, runner)
    save(window.docks["train"], "train-compare")


def show_language(app: QApplication, runner: TaskRunner, session: Session) -> None:
    """The language room as a user leaves it: "Once upon a" read, the top bar clicked three times
    (" time", ",", " there"), and the masked-word example scored with its best word filled in."""
    lang = session.language
    lang.active = lang.masked.active = True
    lang.prompt = "Once upon a"
    settle(app, runner)
    for _ in range(3):
        lang.appended = (*lang.appended, lang.view.bars[0].id)
        settle(app, runner)
    fills = lang.masked.fills
    if fills is not None and fills.fills:
        lang.masked.chosen = fills.fills[0].word


def _files_shots(app, window, runner, save) -> None:
    """A gzipped GloVe opening (progress by compressed bytes), a .zip of several files asking which
    one, and a malformed file: the message stays in the window, the open set too."""
    import gzip
    import tempfile
    import zipfile

    from core.embeddings.default_set import load_default
    from core.embeddings.exporters import write_word2vec_text
    from core.progress import run_sync
    from gui.open_dialog import OpenDialog

    tmp = Path(tempfile.mkdtemp(prefix="shots-"))
    es = run_sync(load_default())  # the window may show a trained set by now
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


def inside_shots(app: QApplication, window: MainWindow, runner: TaskRunner, save) -> None:
    """Inside the language models: the logit lens on "The capital of France is", the "bank" trajectories
    in the cloud beside their matrix and chart, and a paraphrase searched in the default corpus with the
    passages in the cloud. The Next word prompt is put back afterwards."""
    session = window.session
    lang = session.language
    before = (lang.prompt, lang.appended, lang.precision)
    lang.precision = "fp32"
    lang.prompt, lang.appended = "The capital of France is", ()
    window.raise_panel("logit_lens")
    window.resizeDocks([window.docks["logit_lens"]], [640], Qt.Orientation.Vertical)
    settle(app, runner)
    save(window, "window-lens")
    save(window.docks["logit_lens"], "logit_lens")
    window.raise_panel("contextual")
    window.resizeDocks([window.docks["contextual"]], [430], Qt.Orientation.Vertical)
    settle(app, runner)
    contextual = window.panel("contextual")
    contextual.show_in_cloud()
    settle(app, runner)
    window.centralWidget().focus_highlights()  # the camera frames the trajectories
    save(window, "window-contextual")
    save(window.docks["contextual"], "contextual")
    save(window.centralWidget(), "contextual_cloud")
    contextual.go_back()
    window.raise_panel("search")
    window.resizeDocks([window.docks["search"]], [520], Qt.Orientation.Vertical)
    settle(app, runner)
    lang.search.query = "Strong winds pushed a bushfire toward homes and hundreds of people had to leave"
    settle(app, runner)
    search = window.panel("search")
    search.show_in_cloud()
    settle(app, runner)
    save(window, "window-search")
    save(window.docks["search"], "search")
    search.go_back()
    lang.prompt, lang.appended, lang.precision = before
    settle(app, runner)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--only", choices=["inside"], help="only these screenshots (inside: lens, contextual, search)")
    parser.add_argument("--search", action="store_true",
                        help="only the search backends: an HNSW index built in the window, the Index dialog, and "
                             "(with --milvus-db) a Milvus collection opened by itself")
    parser.add_argument(
        "--milvus-db", help="a Milvus Lite database holding glove_6b_50d (index build --backend milvus)"
    )
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
    if args.only == "inside":
        inside_shots(app, window, runner, lambda widget, name: grab(widget).save(str(out / f"{name}.png")))
        runner.shutdown()
        return 0
    if args.search:
        return search_shots(app, window, session, runner, out, args.milvus_db)
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    session.directions.probes = "one, two, three, four, five, cat, cats, dog, dogs, many"
    settle(app, runner)
    session.benchmarks.restrict = 30000
    session.benchmarks.run += 1  # the BenchmarksController runs it
    settle(app, runner)
    window.raise_panel("directions")
    settle(app, runner)
    show_language(app, runner, session)

    saved = []

    def save(widget, name: str) -> None:
        app.processEvents()
        path = out / f"{name}.png"
        if not grab(widget).save(str(path)):
            raise OSError(f"could not write {path}")
        saved.append(path)

    save(window, "window")
    window.raise_panel("next_word")
    settle(app, runner, quiet_ms=150)
    save(window, "window-language")
    window.raise_panel("calculator")
    save(window.centralWidget(), "point_cloud")
    digits_shots(app, window, runner, save)
    inside_shots(app, window, runner, save)
    for name, dock in window.docks.items():
        if out / f"{name}.png" in saved:  # shot with its content shown (digits_shots)
            continue
        window.raise_panel(name)
        settle(app, runner, quiet_ms=150)
        save(dock, name)
    window.set_theme("dark")
    window.raise_panel("directions")
    settle(app, runner, quiet_ms=150)
    save(window, "window-dark")
    window.set_theme("light")
    train_screenshots(app, runner, window, save)

    _files_shots(app, window, runner, save)
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
        if not grab(widget).save(str(path)):
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
