"""A word across layers, driven as a user would: the "bank" preset read by both models, the layer
slider, the cosine matrix and the within/across chart, editing a sentence (and a word it lacks),
the "trouble" preset, and the trajectories drawn in the cloud (one polyline per sentence)."""
from __future__ import annotations

import numpy as np
import pytest

from core.inference import registry
from core.inference.contextual import PRESETS
from gui.canvas.colors import PALETTE
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from gui.panels.language.contextual_panel import ContextualPanel
from tests.gui.conftest import wait_idle
from tests.models.helpers import built


@pytest.fixture
def panel(qtbot, show, session):
    built(registry.LANGUAGE_MODEL)
    built(registry.ENCODER)
    p = show(ContextualPanel)
    p.resize(1000, 700)
    qtbot.waitUntil(lambda: session.language.contextual.result is not None, timeout=60000)
    return p


def test_the_bank_preset_shows_the_matrix_the_gap_and_what_each_model_sees(qtbot, panel, session):
    m = session.language.contextual
    assert m.word == "bank" and m.sentences == PRESETS["bank"] and panel.preset.currentText() == "bank"
    assert panel.table.rowCount() == 6 and panel.table.item(2, 0).text() == "money"
    assert panel.matrix.rows == ["river 1", "river 2", "money 3", "money 4", "river 5", "money 6"]
    assert "causal" in panel.sees.text() and "bidirectional" in panel.sees.text()
    smol = m.result.model("smollm2")
    c12 = smol.cosines(12)
    assert panel.layer_label.text() == "L12" and panel.matrix.texts[0][2] == f"{c12[0, 2]:.2f}"
    assert panel.matrix.texts[4][5] == "1.00"  # "The bank ..." twice: the causal model has seen the same words
    panel.layer.setValue(0)
    assert m.layer == 0 and all(t == "1.00" for row in panel.matrix.texts for t in row)  # the token embedding
    x, within = panel.charts["smollm2"].data("within")
    _, across = panel.charts["smollm2"].data("across")
    assert len(x) == 31 and (within[6:22] > across[6:22]).all()
    assert panel.charts["smollm2"].marker_at() is not None and panel.charts["minilm"].marker_at() is None
    panel.model.setCurrentIndex(panel.model.findData("minilm"))
    assert m.model == "minilm" and panel.layer.maximum() == 6 and panel.charts["minilm"].marker_at() is not None


def test_editing_a_sentence_rereads_and_a_missing_word_is_said_at_once(qtbot, panel, session):
    m = session.language.contextual
    first = m.result
    panel.table.item(1, 1).setText("The boat came to rest on the sandy shore.")
    qtbot.waitUntil(lambda: panel.note.is_shown(), timeout=5000)
    assert panel.note.kind == "error" and "“bank” is not in sentence 2" in panel.note.plain
    assert m.result is first  # the last good result stays on show
    panel.table.item(1, 1).setText("The boat came to rest on the sandy bank.")
    qtbot.waitUntil(lambda: m.result is not first, timeout=60000)
    assert not panel.note.is_shown() and m.result.sentences[1].text.endswith("sandy bank.")
    panel.preset.setCurrentText("trouble")
    qtbot.waitUntil(lambda: m.result.word == "trouble", timeout=60000)
    assert panel.word.text() == "trouble" and panel.matrix.rows[0] == "bother 1"


def test_a_word_split_into_tokens_says_it_is_their_mean(qtbot, panel, session):
    m = session.language.contextual
    m.sentences = (m.sentences[0].__class__("", "The pterodactyl flew."),
                   m.sentences[0].__class__("", "A pterodactyl skeleton."))
    panel.word.setText("pterodactyl")
    panel.word.editingFinished.emit()
    qtbot.waitUntil(lambda: m.result.word == "pterodactyl", timeout=60000)
    assert "is several tokens" in panel.sees.text() and "their mean" in panel.sees.text()
    assert panel.preset.currentText() == "(your own)"


def test_the_trajectories_in_the_cloud_are_a_polyline_per_sentence(qtbot, panel, show, session, runner):
    cloud = show(PointCloudPanel)
    cloud.resize(900, 700)
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=20000)
    glove = session.embeddings
    panel.show_cloud.click()
    es = session.embeddings
    assert es is not glove and len(es) == 6 * 31 and es.source == "contextual:smollm2"
    assert session.cloud.color_by == "meta:sentence" and len(session.cloud.polylines) == 6
    rows, color, labels = session.cloud.polylines[2]
    assert [es.words[r] for r in rows[:2]] == ["money 3 · L0", "money 3 · L1"] and len(rows) == 31
    assert color[:3] == pytest.approx(tuple(PALETTE[2])) and labels[6] == "L6" and labels[1] == ""
    qtbot.waitUntil(lambda: cloud.layout_ is not None and len(cloud.layout_.rows) == 186, timeout=20000)
    wait_idle(qtbot, runner)
    seg, col = cloud.view._arrows
    assert len(seg) == 2 * 6 * 30  # 30 segments a sentence, no arithmetic arrows on this set
    start = cloud.scene.position(rows[0])
    assert any(np.allclose(seg[i], start) for i in range(len(seg)))
    # the points have the colours of their lines (the cloud colours the "sentence" column in row order)
    i = cloud.scene.index_of(rows[5])
    assert cloud.scene.base_colors[i][:3] == pytest.approx(color[:3], abs=1e-6)
    shown = session.embeddings
    panel.layer.setValue(3)  # the matrix's layer: the cloud keeps its set
    assert session.embeddings is shown
    panel.model.setCurrentIndex(panel.model.findData("minilm"))  # the cloud follows the model choice
    assert session.embeddings.source == "contextual:minilm" and len(session.embeddings) == 6 * 7
    assert panel.back.isVisible() and "GloVe" in panel.back.text()
    panel.back.click()
    assert session.embeddings is glove and session.cloud.polylines == () and not panel.back.isVisible()
