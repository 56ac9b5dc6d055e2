"""Directions panel: presets, pairs typed, probes charted, orthogonalise, errors inline."""
from __future__ import annotations

import numpy as np

from core.embeddings.directions import PRESETS
from gui.panels.words.directions_panel import DirectionsPanel, pairs_text
from tests.gui.conftest import scores


def chart(panel):
    return [float(v) for v in panel.chart.values]


def test_plural_direction_rises_with_numbers(qtbot, session, runner, show):
    panel = show(DirectionsPanel)
    session.directions.probes = "one, two, three, four"
    qtbot.waitUntil(lambda: len(scores(session)) == 4, timeout=3000)
    values = [v for _, v in scores(session)]
    assert values[0] < values[1] and values[0] < values[2] and values[0] < values[3]
    assert chart(panel) == values
    assert panel.chart.labels == ["one", "two", "three", "four"]
    assert panel.chart.describe(1).endswith(f"two: {values[1]:+.3f}")


def test_choosing_a_preset_sets_pairs_and_probes(qtbot, session, runner, show):
    panel = show(DirectionsPanel)
    panel._preset.setCurrentText("gender")
    assert session.directions.pairs == pairs_text(PRESETS["gender"])
    assert "queen" in session.directions.probes
    assert panel._pairs.text() == session.directions.pairs
    qtbot.waitUntil(lambda: dict(scores(session)).get("queen", 0) > dict(scores(session)).get("king", 1), timeout=3000)
    session.directions.pairs = "hot -> cold"
    assert panel._preset.currentText() == "custom"


def test_typing_pairs_updates_the_session(qtbot, session, runner, show):
    panel = show(DirectionsPanel)
    panel._pairs.clear()
    qtbot.keyClicks(panel._pairs, "man -> woman, he -> she")
    qtbot.waitUntil(lambda: session.directions.pairs == "man -> woman, he -> she", timeout=3000)
    panel._probes.clear()
    qtbot.keyClicks(panel._probes, "actor, actress")
    qtbot.waitUntil(lambda: [w for w, _ in scores(session)] == ["actor", "actress"], timeout=3000)
    assert scores(session)[1][1] > scores(session)[0][1]


def test_orthogonalise(qtbot, session, runner, show):
    panel = show(DirectionsPanel)
    session.directions.pairs = pairs_text(PRESETS["gender"])
    session.directions.probes = "king, queen"
    qtbot.waitUntil(lambda: len(scores(session)) == 2, timeout=3000)
    panel._ortho.setCurrentText("gender")
    panel._ortho_on.setChecked(True)
    assert session.directions.orthogonal == "gender"
    # gender orthogonalised against itself leaves nothing: an inline error, no bars
    qtbot.waitUntil(lambda: panel.message.is_shown(), timeout=3000)
    assert "nothing is left" in panel.message.plain and chart(panel) == []
    session.directions.orthogonal = "plural"
    assert panel._ortho.currentText() == "plural"
    qtbot.waitUntil(lambda: len(scores(session)) == 2, timeout=3000)
    session.directions.orthogonal = ""
    assert not panel._ortho_on.isChecked()


def test_unknown_words_are_reported(qtbot, session, runner, show):
    panel = show(DirectionsPanel)
    session.directions.probes = "one, zzzqqq, two"
    qtbot.waitUntil(lambda: len(scores(session)) == 2, timeout=3000)
    assert "zzzqqq" in panel.message.plain
    session.directions.pairs = "cat -> xxqqzz"
    qtbot.waitUntil(lambda: scores(session) == [], timeout=3000)
    assert "xxqqzz" in panel.message.plain and panel.message.kind == "error"
    session.directions.pairs = "cat cats"
    qtbot.waitUntil(lambda: "expected" in panel.message.plain, timeout=3000)
    assert np.size(panel.chart.values) == 0


def test_the_selection_placed_along_the_direction(qtbot, session, runner, show):
    """The 'the selection' box places the selected words, again when the selection changes; an empty
    selection says so; unticked, the typed words come back."""
    panel = show(DirectionsPanel)
    session.directions.pairs = pairs_text(PRESETS["gender"])
    session.directions.probes = "one, two"
    qtbot.waitUntil(lambda: len(scores(session)) == 2, timeout=3000)
    session.select_words(["queen", "king", "actress", "actor"])
    panel._from_selection.setChecked(True)  # the box, as a user ticks it
    assert session.directions.from_selection and "4 selected" in panel._from_selection.text()
    assert not panel._probes.isEnabled()
    qtbot.waitUntil(lambda: {w for w, _ in scores(session)} == {"queen", "king", "actress", "actor"}, timeout=3000)
    assert [w for w, _ in scores(session)][-2:] in (["queen", "actress"], ["actress", "queen"])  # female end last
    assert panel.chart.labels == [w for w, _ in scores(session)]
    assert "4 selected words" in panel._info.text()
    session.select_words(["he", "she"])  # a new selection: placed again
    qtbot.waitUntil(lambda: [w for w, _ in scores(session)] == ["he", "she"], timeout=3000)
    session.selection = ()
    qtbot.waitUntil(lambda: panel.message.is_shown(), timeout=3000)
    assert "selection is empty" in panel.message.plain and chart(panel) == []
    assert panel._from_selection.text() == "the selection"
    panel._from_selection.setChecked(False)
    qtbot.waitUntil(lambda: [w for w, _ in scores(session)] == ["one", "two"], timeout=3000)
    assert panel._probes.isEnabled()
