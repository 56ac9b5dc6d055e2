"""A monkey in the window: seeded random actions on the real MainWindow (not a test; the tests run
2,000 of them in tests/gui/test_monkey.py).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/monkey.py [--actions 20000] [--seed 15] [--every 1000]

Each action is one thing a person could do: type into a visible line edit or spin box, click a
button, a list row or a tab, pick from a combo box, drag across a widget, trigger a menu action,
open a good, a compressed or a broken file, cancel a running job, close, reopen or float a dock,
resize the window, switch the projection, wait. Every file dialog returns a file of the run's temp
folder (QFileDialog's static getters are replaced); the Open dialog is filled in and accepted or
cancelled by a timer, and any other modal dialog or popup is closed by a watchdog. Prints the actions
run, the exceptions and Qt warnings seen (both must be 0), the jobs left running after a final
cancel, and the resident memory every ``--every`` actions.
"""
import argparse
import gzip
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.monkey_actions import Monkey
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.exporters import write_word2vec_text
from core.progress import run_sync


def write_files(folder: Path, es: EmbeddingSet) -> dict[str, Path]:
    """The files the monkey opens: good (plain and gzip), broken ones, a broken ONNX model, a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "small.txt"
    run_sync(write_word2vec_text(es, good, header=False, rows=range(400)))
    packed = folder / "small.txt.gz"
    packed.write_bytes(gzip.compress(good.read_bytes()))
    bad = folder / "bad.txt"
    bad.write_text("the 0.1 0.2 0.3\nof 0.1 0.2 0.3\nand 0.1 zero 0.3\n", encoding="utf-8")
    truncated = folder / "truncated.txt.gz"
    truncated.write_bytes(packed.read_bytes()[: packed.stat().st_size // 3])
    binary = folder / "huge.bin"
    binary.write_bytes(b"10 999999999\nthe \x00\x00\x80?")
    onnx = folder / "broken.onnx"
    onnx.write_bytes(b"\x08\x07\x12\x04nope" + bytes(range(64)))
    npy = folder / "numbers.npy"
    npy.write_bytes(b"\x93NUMPY\x01\x00garbage")
    picture = folder / "digit.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    corpus = folder / "corpus.txt"
    corpus.write_text(" ".join(es.words[:200]) * 5, encoding="utf-8")
    empty_dir = folder / "not-a-model"
    empty_dir.mkdir(exist_ok=True)
    return {"good": good, "packed": packed, "bad": bad, "truncated": truncated, "binary": binary, "onnx": onnx,
            "npy": npy, "picture": picture, "corpus": corpus, "folder": empty_dir, "out": folder / "out"}



# -- the long run --------------------------------------------------------------------------------
def _rss_mb() -> float:
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description="random actions on the real window")
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--every", type=int, default=1000, help="sample the resident memory every N actions")
    parser.add_argument(
        "--words", type=int, default=20000, help="the set open at start: the N most frequent GloVe words"
    )
    args = parser.parse_args()

    import os
    import tempfile
    import threading

    tmp = Path(tempfile.mkdtemp(prefix="ee-monkey-"))
    os.environ["EMBEDDING_EXPLORER_CONFIG"] = str(tmp / "config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["EMBEDDING_EXPLORER_TESTING"] = "1"  # errors are counted here, never shown in a dialog
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from core.embeddings.default_set import load_default
    from core.state.session import Session
    from core.state.settings import Settings
    from gui.main_window import MainWindow
    from gui.task_runner import TaskRunner

    problems: list[str] = []
    ignored = ("This plugin does not support",)

    def on_message(kind, _context, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg and not message.startswith(ignored):
            problems.append(f"Qt: {message}")

    def hook(etype, value, tb) -> None:
        import traceback

        problems.append("".join(traceback.format_exception(etype, value, tb)))

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    qInstallMessageHandler(on_message)
    es = run_sync(load_default())
    session = Session()
    session.set_embeddings(es.subset(range(args.words), name=f"GloVe {args.words // 1000}k"))
    window = MainWindow(session, TaskRunner(), settings=Settings(), persist=False)
    window.show()
    files = write_files(tmp / "files", es)
    QTest.qWait(500)
    samples = [(0, _rss_mb())]
    t0 = time.perf_counter()
    print(f"{'actions':>8} {'RSS MB':>8} {'s':>6}")
    print(f"{0:8,d} {samples[0][1]:8.0f} {0:6.0f}", flush=True)
    with Monkey(window, files, args.seed) as monkey:
        for i in range(1, args.actions + 1):
            monkey.step()
            if i % args.every == 0:
                samples.append((i, _rss_mb()))
                print(f"{i:8,d} {samples[-1][1]:8.0f} {time.perf_counter() - t0:6.0f}", flush=True)
        left = monkey.finish()
    elapsed = time.perf_counter() - t0
    reports = list(window.reporter.history)
    window.close()
    first_half = [m for i, m in samples if i >= args.actions // 2]
    print(
        f"\n{args.actions:,} actions in {elapsed:.0f} s (seed {args.seed}): "
        + ", ".join(f"{n} {c}" for n, c in monkey.counts.most_common())
    )
    print(f"dialogs and popups closed by the watchdog: {monkey.closed_by_watchdog}")
    print(
        f"exceptions and Qt warnings: {len(problems)}; error reports: {len(reports)}; jobs left running: "
        f"{len(left)} {left or ''}"
    )
    print(
        f"resident memory: {samples[0][1]:.0f} MB at start, {max(m for _, m in samples):.0f} MB at most, "
        f"{samples[-1][1]:.0f} MB at the end; growth over the second half "
        f"{first_half[-1] - first_half[0]:+.0f} MB"
    )
    for p in problems[:10]:
        print("\n" + p)
    for r in reports[:10]:
        print("report:", r)
    return 1 if problems or reports or left else 0


if __name__ == "__main__":
    sys.exit(main())
