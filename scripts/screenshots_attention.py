"""The Attention panel's screenshots in docs/screenshots/: the model view, a head view, the
attribution chips and a steered generation (issue 22).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots_attention.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from core.state.session import Session  # noqa: E402
from gui.controllers import Controllers  # noqa: E402
from gui.panels.language.attention_panel import AttentionPanel  # noqa: E402
from gui.task_runner import TaskRunner  # noqa: E402
from scripts.screenshots import settle  # noqa: E402

PROMPT = "The cat sat on the mat. The cat sat on the"


def main() -> int:
    out = ROOT / "docs" / "screenshots"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    session, runner = Session(), TaskRunner()
    controllers = Controllers(session, runner)
    session.language.prompt = PROMPT
    panel = AttentionPanel(session, runner)
    panel.resize(1150, 860)
    panel.show()
    m = session.language.attention
    m.active = True
    settle(app, runner)

    def save(name: str) -> None:
        settle(app, runner, quiet_ms=200)
        panel.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    panel.tabs.setCurrentIndex(0)
    save("attention-model-view")
    panel._open(0, 17, 4)  # an induction head: "sat" after the second "cat"
    m.hover = len(m.view.tokens) - 1
    save("attention-head-view")
    panel.tabs.setCurrentIndex(2)
    save("attention-scores")
    session.language.prompt = "The capital of France is"
    m.hover = -1
    settle(app, runner)
    panel.tabs.setCurrentIndex(3)
    save("attention-attribution")
    session.language.prompt = "I feel so"
    m.steer_words, m.steer_layer, m.steer_strength = "sad->happy", 8, 0.5
    settle(app, runner)
    m.generate += 1
    save("attention-steered")
    runner.shutdown()
    del controllers
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
