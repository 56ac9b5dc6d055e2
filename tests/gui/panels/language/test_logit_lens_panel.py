"""The Logit lens panel on the built SmolLM2-135M, as a new user would try it: type "The capital of
France is", find the layer where " Paris" first becomes the top token, compare the last layer with
the Next word bars, click a cell for its top 10."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from gui.panels.language.logit_lens_panel import LogitLensPanel
from gui.panels.language.next_word_panel import NextWordPanel

PARIS = "\u2423Paris"


def wait_lens(qtbot, session, timeout=90000):
    m = session.language.lens
    qtbot.waitUntil(lambda: m.lens is not None and m.activity is None, timeout=timeout)
    return m.lens


def test_the_capital_of_france_shows_where_paris_becomes_top_and_equals_the_next_word_bars(
        lm_built, qtbot, show, session):
    session.language.precision = "fp32"
    words = show(NextWordPanel)
    panel = show(LogitLensPanel)
    qtbot.keyClicks(panel.prompt, "The capital of France is")
    qtbot.waitUntil(lambda: session.language.prompt == "The capital of France is", timeout=5000)
    assert words.prompt.toPlainText() == "The capital of France is"  # one prompt, shared
    lens = wait_lens(qtbot, session)
    qtbot.waitUntil(lambda: session.language.view is not None and session.language.current, timeout=60000)
    grid = panel.grid
    assert grid.rows[0] == "L30" and grid.rows[-1] == "L0" and len(grid.rows) == 31
    assert grid.columns == ["<|endoftext|>", "The", "\u2423capital", "\u2423of", "\u2423France", "\u2423is"]
    assert grid.texts[0][-1] == PARIS and [row[-1] for row in grid.texts].index(PARIS) == 0  # only the last layer
    assert "first the top token at <b>layer 30</b>" in panel.summary.text() and PARIS in panel.summary.text()
    assert grid.values[0, -1] == pytest.approx(lens.top_probs[-1, -1])
    # the last layer's top 10 are the Next word bars
    mine = panel.bars.rows()
    theirs = words.bars.rows()
    assert [r.text for r in mine] == [r.text for r in theirs]
    assert [float(r.value) for r in mine] == pytest.approx([float(r.value) for r in theirs], abs=1e-3)
    assert "the Next word bars" in panel.bars_title.text()
    # the chart follows the last column: probability and rank of " Paris" by layer
    x, prob = panel.prob_chart.data("prob")
    _, rank = panel.rank_chart.data("rank")
    np.testing.assert_allclose(prob, lens.final_probs[:, -1])
    assert rank[-1] == 1 and rank[0] > 1000 and list(x) == list(range(31))


def test_clicking_a_cell_shows_that_layers_top_10_and_follows_its_column(lm_built, qtbot, show, session):
    panel = show(LogitLensPanel)
    panel.resize(900, 900)
    session.language.prompt = "Once upon a"
    lens = wait_lens(qtbot, session)
    row, col = 30 - 23, 3  # layer 23 (rows run from the last layer down), after "␣a"
    centre = panel.grid.cell_rect(row, col).center()
    qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y())))
    assert session.language.lens.cell == (23, 3) and session.language.lens.position == 3
    top = lens.top(23, 3, 10)
    assert [r.key for r in panel.bars.rows()] == [i for i, _ in top]
    assert panel.bars.rows()[0].text == "\u2423time" and "L23" in panel.bars_title.text()
    assert panel.grid.selected == (row, col) and panel.grid.column == 3
    assert panel.prob_chart.marker_at() == 23
    qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton,
                     pos=panel.grid.cell_rect(30, 1).center().toPoint())  # the embeddings, after "Once"
    assert session.language.lens.cell == (0, 1) and panel.bars.rows()[0].text == "Once"
    assert "after “Once”" in panel.prob_chart.title.text()


def test_the_lens_follows_appended_tokens_and_says_when_next_word_reads_another_model(
        lm_built, qtbot, show, session, tmp_path):
    panel = show(LogitLensPanel)
    session.language.prompt = "Once upon a"
    wait_lens(qtbot, session)
    session.language.appended = (655,)  # " time", as a bar click appends it
    qtbot.waitUntil(lambda: session.language.lens.lens.shape[1] == 5, timeout=60000)
    assert panel.grid.columns[-1] == "\u2423time"
    session.language.model_path = str(tmp_path)  # another decoder in Next word (need not open for this note)
    qtbot.waitUntil(lambda: "another model" in panel.note.plain, timeout=10000)
    qtbot.waitUntil(lambda: session.language.lens.lens.shape[1] == 4, timeout=60000)  # its ids are not SmolLM2's
