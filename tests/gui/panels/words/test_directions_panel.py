"""Directions panel: presets, pairs typed, probes charted, orthogonalise, errors inline."""
from __future__ import annotations

import numpy as np

from core.embeddings.directions import PRESETS
from gui.panels.words.directions_panel import DirectionsPanel, pairs_text


def make(qtbot, session, runner):
    panel = DirectionsPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def chart(panel):
    return [float(v) for v in panel._bars.opts["height"]]


def test_plural_direction_rises_with_numbers(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.direction_probes = "one, two, three, four"
    qtbot.waitUntil(lambda: len(panel.scores) == 4, timeout=3000)
    values = [v for _, v in panel.scores]
    assert values[0] < values[1] and values[0] < values[2] and values[0] < values[3]
    assert chart(panel) == values
    ticks = panel.plot.getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["one", "two", "three", "four"]


def test_choosing_a_preset_sets_pairs_and_probes(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    panel._preset.setCurrentText("gender")
    assert session.direction_pairs == pairs_text(PRESETS["gender"])
    assert "queen" in session.direction_probes
    assert panel._pairs.text() == session.direction_pairs
    qtbot.waitUntil(lambda: dict(panel.scores).get("queen", 0) > dict(panel.scores).get("king", 1), timeout=3000)
    session.direction_pairs = "hot -> cold"
    assert panel._preset.currentText() == "custom"


def test_typing_pairs_updates_the_session(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    panel._pairs.clear()
    qtbot.keyClicks(panel._pairs, "man -> woman, he -> she")
    qtbot.waitUntil(lambda: session.direction_pairs == "man -> woman, he -> she", timeout=3000)
    panel._probes.clear()
    qtbot.keyClicks(panel._probes, "actor, actress")
    qtbot.waitUntil(lambda: [w for w, _ in panel.scores] == ["actor", "actress"], timeout=3000)
    assert panel.scores[1][1] > panel.scores[0][1]


def test_orthogonalise(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.direction_pairs = pairs_text(PRESETS["gender"])
    session.direction_probes = "king, queen"
    qtbot.waitUntil(lambda: len(panel.scores) == 2, timeout=3000)
    panel._ortho.setCurrentText("gender")
    panel._ortho_on.setChecked(True)
    assert session.direction_orthogonal == "gender"
    # gender orthogonalised against itself leaves nothing: an inline error, no bars
    qtbot.waitUntil(lambda: panel.message.is_shown(), timeout=3000)
    assert "nothing is left" in panel.message.plain and chart(panel) == []
    session.direction_orthogonal = "plural"
    assert panel._ortho.currentText() == "plural"
    qtbot.waitUntil(lambda: len(panel.scores) == 2, timeout=3000)
    session.direction_orthogonal = ""
    assert not panel._ortho_on.isChecked()


def test_unknown_words_are_reported(qtbot, session, runner):
    panel = make(qtbot, session, runner)
    session.direction_probes = "one, zzzqqq, two"
    qtbot.waitUntil(lambda: len(panel.scores) == 2, timeout=3000)
    assert "zzzqqq" in panel.message.plain
    session.direction_pairs = "cat -> xxqqzz"
    qtbot.waitUntil(lambda: panel.scores == [], timeout=3000)
    assert "xxqqzz" in panel.message.plain and panel.message.kind == "error"
    session.direction_pairs = "cat cats"
    qtbot.waitUntil(lambda: "expected" in panel.message.plain, timeout=3000)
    assert np.size(panel._bars.opts["height"]) == 0
