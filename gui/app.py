"""Start the Qt application and the main window (``python main.py [options]``).

    --embeddings FILE [--format F]   open this file instead of the bundled GloVe
    --query WORD / --expr EXPR       put a word into Neighbours / an expression into the calculator
    --panel NAME                     raise that dock (neighbours, calculator, directions, benchmarks, ...)
    --workspace NAME                 open on that workspace (words, language, network, train)
    --example NAME                   open a guided example (--example list)
    --screenshot OUT.png             wait until background work is done, save the window, exit
    --selftest                       build the window, run a neighbours query, exit (0 = fine)
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time

T0 = time.perf_counter()
log = logging.getLogger("embedding_explorer")
IDLE_CHECKS = 6  # consecutive idle polls (50 ms apart) before a scripted run counts as settled
SCRIPT_TIMEOUT_S = 180


def freeze_startup_objects() -> None:
    """Move everything built so far (modules, widgets: ~120k objects) out of the garbage collector's
    sight. A full collection walks every tracked object and holds the GIL: 60-130 ms on this app,
    a visible stall whenever a background job allocates enough to trigger one.

    Also shortens the GIL switch interval: every OpenGL call (PyOpenGL, through ctypes)
    gives the GIL away, and while a worker computes in Python the GUI thread waits up to
    one interval to get it back, so a frame of ~100 GL calls could wait 0.5 s at the
    default 5 ms."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.0005)


def preload_libraries() -> None:
    """Import, before the window shows, the large libraries that jobs would otherwise import on a
    worker the first time they run. A first import loads extension modules and holds the GIL
    throughout, so on a worker it froze the window: onnx (~0.55 s here; the compressed copy for fast
    exact search, a model panel) and scipy.linalg (~0.1 s; the first word arithmetic, whose mean
    vector is computed as gensim computes it). Before the window shows, it costs start-up time
    instead (benchmarks/bench_gui.py)."""
    try:
        import onnx.helper
        import onnx.numpy_helper  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:  # the models' panels say what is missing
        pass
    import scipy.linalg.blas  # noqa: F401


def run_gui(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    scripted = bool(args.screenshot or args.selftest)
    if args.selftest and not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from core.state.session import Session
    from core.state.startup import prepare_folders
    from gui import excepthook
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    if QApplication.instance() is None:
        # pyqtgraph shares shader programs between GL widgets; a floated dock makes a new context
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Embedding Explorer")
    app.setDesktopFileName("embedding-explorer")  # matches the installed .desktop entry
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    app.setOrganizationName("embedding-explorer")
    notices = prepare_folders()  # before anything is read: unwritable folders, what a killed run left
    session = Session()
    runner = TaskRunner()
    window = MainWindow(session, runner, persist=not scripted)
    window.show_notices(notices)
    if scripted:  # --selftest / --screenshot: say on stdout what the window's message bar says
        for text in notices:
            print(f"notice: {text}", flush=True)
    hook = excepthook.install(lambda message, details: window.reporter.show_message(
        "Something went wrong (a bug)", message, details))
    preload_libraries()
    freeze_startup_objects()
    failures: list[str] = []
    runner.failed.connect(lambda kind, exc: failures.append(f"{kind}: {exc}"))
    if args.panel and not window.raise_panel(args.panel):
        print(f"error: no panel named {args.panel!r}; panels: {', '.join(window.docks)}", file=sys.stderr)
        return 2
    window.show()
    if args.embeddings:
        window.open_file(args.embeddings, args.in_format, member=args.member)
    else:
        window.load_default()
    if args.workspace:
        window.switch_workspace(args.workspace)
    if args.example:
        window.open_example(args.example)
    elif not scripted and not args.workspace and not args.panel and window.settings.start_page:
        window.show_start_page()  # first start (until unticked): the guided examples
    if args.query:
        session.neighbours.query = args.query
    elif args.selftest:
        session.neighbours.query = "king"
    if args.expr:
        session.arithmetic.expression = args.expr
    if not scripted:
        return app.exec()
    return _run_scripted(app, window, args, failures, hook)


def app_icon():
    """The window icon: the PNG shipped inside the installed app, else the SVG of the source tree."""
    from pathlib import Path

    from PySide6.QtGui import QIcon

    from core.paths import bundle_dir

    bundle = bundle_dir()
    for path in ([bundle / "icons" / "embedding-explorer-256.png"] if bundle else []) + [
            Path(__file__).resolve().parents[1] / "packaging" / "icons" / "embedding-explorer.svg"]:
        if path.is_file():
            icon = QIcon(str(path))
            if not icon.isNull():
                return icon
    return None


def _run_scripted(app, window, args, failures: list[str], hook) -> int:
    """Wait until the runner has been idle for a while, then screenshot / check, and quit."""
    from PySide6.QtCore import QTimer

    from gui import selftest

    state = {"idle": 0, "code": 0}
    started = time.perf_counter()

    def on_first_set() -> None:  # benchmarks/bench_gui.py reads this line
        es = window.session.embeddings
        if es is not None and not state.get("ready"):
            state["ready"] = True
            print(f"ready: window shown, {es.name} loaded after {time.perf_counter() - T0:.2f} s", flush=True)

    window.session.events.embeddings.connect(on_first_set)

    def finish(code: int) -> None:
        state["code"] = code
        timer.stop()
        window.close()
        app.exit(code)

    def poll() -> None:
        if time.perf_counter() - started > SCRIPT_TIMEOUT_S:
            print(f"error: background work did not finish within {SCRIPT_TIMEOUT_S} s: "
                  f"{', '.join(window.runner.running().values())}", file=sys.stderr)
            finish(3)
            return
        state["idle"] = 0 if window.runner.is_running() else state["idle"] + 1
        if state["idle"] < IDLE_CHECKS:
            return
        problems = failures + [f"{hook.count} uncaught exception(s)"] * bool(hook.count)
        problems += [text for kind, text in window.message_bar.messages() if kind == "error"]
        if window.session.embeddings is None:
            problems.append("no embeddings loaded")
        if args.selftest:
            problems += selftest.problems(window, T0)
        if args.screenshot:
            from gui.canvas.view_3d import grab  # the 3D view's frame is painted into the window's image

            ok = _save_png(grab(window), args.screenshot)
            if not ok:
                problems.append(f"could not write {args.screenshot}")
            else:
                print(f"saved {args.screenshot}")
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        finish(1 if problems else 0)

    timer = QTimer(interval=50)
    timer.timeout.connect(poll)
    timer.start()
    code = app.exec()
    return code or state["code"]


def _save_png(image, path: str) -> bool:
    from core.io import atomic_path

    try:
        with atomic_path(path, suffix=".png") as tmp:
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"could not write {path}")
    except OSError:
        return False
    return True
