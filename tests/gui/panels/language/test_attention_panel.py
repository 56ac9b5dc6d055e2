"""The Attention panel, driven as a user would: the Next word prompt's heads in the model view (one
image for 270 heads, painted fast) beside MiniLM's, a head opened by a click, hovering a token keeps
its row, the pattern scores listed, attribution chips, heads switched off by a right click (the bars
change, and back exactly when switched on), steering, and bad input said inline."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from core.inference import registry
from gui.panels.language.attention_panel import AttentionPanel
from tests.models.helpers import built


@pytest.fixture
def panel(qtbot, show, session):
    built(registry.ATTENTION)
    session.language.prompt = "The cat sat on the mat because the cat"
    p = show(AttentionPanel)
    p.resize(1100, 800)
    qtbot.waitUntil(lambda: session.language.attention.view is not None
                    and session.language.attention.activity is None, timeout=120000)
    return p


def test_model_view_head_view_scores_and_chips(qtbot, panel, session):
    m = session.language.attention
    assert m.view.weights.shape[:2] == (30, 9) and m.encoder_view.weights.shape[:2] == (6, 12)
    panel.grid.set_weights(m.view.weights)
    t0 = time.perf_counter()
    panel.grid.repaint()
    assert time.perf_counter() - t0 < 0.05
    r = panel.grid.cell_rect(17, 4).center()
    qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton, pos=QPoint(int(r.x()), int(r.y())))
    assert (m.layer, m.head) == (17, 4) and panel.tabs.currentIndex() == 1
    assert panel.lines._w is not None and np.allclose(panel.lines._w, m.view.weights[17, 4])
    panel.lines.hovered.emit(3)
    assert m.hover == 3
    assert panel.table.rowCount() == 270
    chips = panel.chips["occlusion"].chips()
    assert len(chips) == len(m.view.tokens) and chips[1].tint


def test_switching_heads_off_and_on(qtbot, panel, session):
    m = session.language.attention
    before = m.steered.logits.copy()
    r = panel.grid.cell_rect(18, 6).center()
    qtbot.mouseClick(panel.grid, Qt.MouseButton.RightButton, pos=QPoint(int(r.x()), int(r.y())))
    assert m.ablated == ((18, 6),)
    qtbot.waitUntil(lambda: m.view.intervention.ablate == {(18, 6)} and m.activity is None, timeout=60000)
    assert np.abs(m.steered.logits - before).max() > 1e-3
    assert "L18.H6" in panel.ablated.text()
    panel.clear.click()
    qtbot.waitUntil(lambda: not m.view.intervention.ablate and m.activity is None, timeout=60000)
    assert np.abs(m.steered.logits - before).max() <= 1e-6


def test_steering_and_bad_words(qtbot, panel, session):
    m = session.language.attention
    m.steer_words = "sad->qzxqzxqzx"
    m.steer_strength = 2.0
    qtbot.waitUntil(lambda: "vocabulary" in m.problem, timeout=60000)
    assert panel.note.is_shown()
    m.steer_words = "sad->happy"
    qtbot.waitUntil(lambda: not m.problem and m.view.intervention.steer is not None and m.activity is None,
                    timeout=60000)
    assert np.abs(m.steered.logits - m.plain.logits).max() > 1e-3


def test_the_next_word_bars_follow_the_interventions(qtbot, panel, session):
    lang, m = session.language, session.language.attention
    lang.active = True  # the Next word panel shown
    qtbot.waitUntil(lambda: lang.view is not None and lang.current and lang.activity is None, timeout=60000)
    before = lang.view.logits.copy()
    assert lang.trace.decoder.name == registry.LANGUAGE_MODEL
    m.ablated = ((17, 4), (18, 6))
    qtbot.waitUntil(lambda: m.decoder is not None and lang.trace is not None and lang.trace.decoder is m.decoder
                    and lang.current and lang.activity is None, timeout=60000)
    assert np.abs(lang.view.logits - m.steered.logits).max() < 1e-4
    assert np.abs(lang.view.logits - before).max() > 1e-3
    m.ablated = ()
    qtbot.waitUntil(lambda: m.decoder is None and lang.trace.decoder.name == registry.LANGUAGE_MODEL
                    and lang.current and lang.activity is None, timeout=60000)
    assert np.abs(lang.view.logits - before).max() <= 1e-6


def test_masked_word_chips_explain_the_chosen_word(qtbot, show, session):
    from gui.panels.language.masked_word_panel import MaskedWordPanel

    built(registry.ATTENTION)
    built(registry.LANGUAGE_MODEL)
    panel = show(MaskedWordPanel)
    m = session.language.masked
    m.sentence = "The capital of France is [MASK]."
    qtbot.waitUntil(lambda: m.fills is not None and m.fills.sentence == m.sentence, timeout=120000)
    qtbot.waitUntil(lambda: "Click a word" in session.language.attention.masked_note, timeout=5000)
    assert session.language.attention.masked_attribution is None  # nothing clicked: the graphs stay closed
    m.chosen = m.fills.fills[0].word  # what a click on its bar does
    qtbot.waitUntil(lambda: session.language.attention.masked_attribution is not None, timeout=120000)
    a = session.language.attention.masked_attribution
    assert a.tokens[-1] == "␣is" and a.target == "␣" + m.fills.fills[0].word.strip()
    chips = panel.why_chips.chips()
    assert len(chips) == len(a.tokens) and chips[-1].tint and "likely there" in panel.why.text()
    m.sentence = "[MASK] sat on the throne."
    qtbot.waitUntil(lambda: m.fills is not None and m.fills.sentence == m.sentence, timeout=120000)
    m.chosen = m.fills.fills[0].word
    qtbot.waitUntil(lambda: "nothing before the [MASK]" in session.language.attention.masked_note, timeout=120000)
    assert panel.why_chips.chips() == []


def test_next_word_panel_explains_its_top_word(qtbot, show, session):
    from gui.panels.language.next_word_panel import NextWordPanel

    built(registry.ATTENTION)
    built(registry.LANGUAGE_MODEL)
    session.language.prompt = "The capital of France is"
    panel = show(NextWordPanel)
    assert panel.why.ask.isVisibleTo(panel) and not session.language.attention.active
    panel.why.ask.click()
    qtbot.waitUntil(lambda: session.language.attention.attribution is not None, timeout=120000)
    chips = panel.why.chips.chips()
    assert [c.text for c in chips][-2:] == ["␣France", "␣is"] and "Paris" in panel.why.label.text()
    assert not panel.why.ask.isVisibleTo(panel)


def test_the_logit_lens_follows_the_interventions(qtbot, panel, session):
    lang, m = session.language, session.language.attention
    lang.lens.active = True
    qtbot.waitUntil(lambda: lang.lens.lens is not None and lang.lens.activity is None, timeout=120000)
    last = len(lang.lens.lens.tokens) - 1
    plain = lang.lens.lens.logits(30, last)
    m.ablated = ((17, 4), (18, 6))
    qtbot.waitUntil(lambda: m.decoder is not None and m.activity is None, timeout=60000)
    qtbot.waitUntil(lambda: lang.lens.activity is None and lang.lens.lens is not None
                    and np.abs(lang.lens.lens.logits(30, last) - plain).max() > 1e-3, timeout=60000)
    assert np.abs(lang.lens.lens.logits(30, last) - m.steered.logits).max() < 1e-3
