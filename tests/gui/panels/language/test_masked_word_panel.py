"""The Masked word panel: candidates for the [MASK] scored off the GUI thread with progress, a click fills the
gap in, the stand-in is explained, and a sentence without exactly one [MASK] is refused inline at once."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.inference.masked_fill import MASKED_FILL_EXPLAINED
from gui.panels.language.masked_word_panel import MaskedWordPanel


def test_the_example_is_scored_and_a_click_fills_it_in(lm_built, qtbot, show, session):
    m = session.language.masked
    progress = []
    m.events.activity.connect(lambda a: progress.append(a))
    panel = show(MaskedWordPanel)
    assert panel.sentence.text() == "The [MASK] sat on the throne."
    assert panel.explanation.text() == MASKED_FILL_EXPLAINED and "stand-in" in panel.explanation.text().lower()
    qtbot.waitUntil(lambda: m.fills is not None, timeout=120000)
    assert any(a is not None and a.fraction > 0 for a in progress)  # progress while it scored
    words = [r.text.lower() for r in panel.bars.rows()]
    assert {"cat", "king"} <= set(words[:4])
    qtbot.waitUntil(lambda: not panel.progress.isVisible(), timeout=5000)
    qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=panel.bars.row_center(0))
    assert m.chosen == m.fills.fills[0].word
    assert panel.filled.text() == f"The <b>{m.chosen}</b> sat on the throne."


@pytest.mark.parametrize("sentence, found", [("The cat sat on the throne.", 0), ("The [MASK] sat on the [MASK].", 2)])
def test_mask_missing_or_twice_is_refused_inline(qtbot, show, session, runner, sentence, found):
    m = session.language.masked
    panel = show(MaskedWordPanel)
    started = []
    runner.started.connect(lambda kind, label: started.append(kind))
    panel.sentence.setText(sentence)
    qtbot.keyClick(panel.sentence, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(m.problem), timeout=2000)
    assert panel.note.kind == "error" and f"exactly one [MASK], found {found}" in panel.note.plain
    assert "masked" not in started and panel.bars.rows() == []


def test_scoring_can_be_cancelled(lm_built, qtbot, show, session):
    m = session.language.masked
    panel = show(MaskedWordPanel)
    qtbot.waitUntil(lambda: panel.cancel.isVisible(), timeout=10000)
    qtbot.mouseClick(panel.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: m.activity is None, timeout=10000)
    assert "cancelled" in panel.note.plain and m.fills is None
