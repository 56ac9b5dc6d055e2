"""The comparison screenshot (issue 23): a word2vec trained in the app on the Lee corpus against the bundled
GloVe, the ranking in the Compare two sets panel and the moves as arrows in the cloud.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshot_compare.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from core.state.session import Session  # noqa: E402
from core.state.settings import Settings  # noqa: E402
from gui.canvas.view_3d import grab  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.task_runner import TaskRunner  # noqa: E402
from scripts.screenshots import settle  # noqa: E402


def main() -> int:
    out = ROOT / "docs" / "screenshots" / "compare.png"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    session, runner = Session(), TaskRunner()
    window = MainWindow(session, runner, settings=Settings(), persist=False)
    window.resize(1600, 1000)
    window.show()
    window.load_default()
    settle(app, runner)
    session.arithmetic.expression = ""
    window.raise_panel("train")
    train = window.panel("train")
    train.start()
    settle(app, runner)
    t0 = time.perf_counter()
    train.compare_with_glove()
    window.raise_panel("compare")
    settle(app, runner)
    cmp = session.compare.result
    print(f"compared in {time.perf_counter() - t0:.2f} s: {cmp.shared:,} shared words; top moved:",
          cmp.ranking(8), "arrows:", len(session.compare.arrows), session.compare.note, session.compare.problem)
    window.panel("compare").table.selectRow(0)
    settle(app, runner)
    ok = grab(window).save(str(out))
    print("saved" if ok else "NOT saved", out)
    runner.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
