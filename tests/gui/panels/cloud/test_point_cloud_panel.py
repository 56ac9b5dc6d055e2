"""The point cloud panel without OpenGL (offscreen: the 2D view): points, colours, linked selection
both ways, placement, arithmetic arrows, t-SNE streaming and cancel, exports."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from core.embeddings.arithmetic import Outcome, evaluate
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import lookup, nearest
from core.state.session import CloudState, Session
from gui.canvas import colors
from gui.canvas.view_2d import View2D
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from tests.gui.conftest import wait_idle


@pytest.fixture
def panel(qtbot, session, runner, controllers):
    session.cloud.point_count = 5000
    p = PointCloudPanel(session, runner)
    qtbot.addWidget(p)
    p.resize(900, 700)
    p.show()
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    return p


def scatter_xy(p: PointCloudPanel) -> np.ndarray:
    d = p.view.scatter.data
    return np.column_stack([d["x"], d["y"]])


def highlighted_xy(p: PointCloudPanel) -> np.ndarray:
    d = p.view.highlight.data
    return np.column_stack([d["x"], d["y"]])


def test_offscreen_uses_the_2d_view_and_says_so(panel, session):
    assert isinstance(panel.view, View2D) and not panel.is_3d
    assert "OpenGL is not available" in panel.notice.text() and panel.notice.isVisible()
    assert scatter_xy(panel).shape == (5000, 2)
    assert len(session.cloud.layout.rows) == 5000 and session.cloud.layout.coords.shape == (5000, 3)
    np.testing.assert_allclose(scatter_xy(panel), panel.scene.display()[:, :2], atol=1e-6)
    assert panel.view.plot.getAxis("bottom").labelText.startswith("PC1 (")
    assert "PCA of 5,000 of 20,000 words" in panel.controls.note.text()
    assert "trustworthiness" in panel.controls.quality.text()


def test_point_count_reprojects(qtbot, panel, session, runner):
    session.cloud.point_count = 1200
    qtbot.waitUntil(lambda: len(panel.layout_.rows) == 1200, timeout=5000)
    assert scatter_xy(panel).shape == (1200, 2)


def test_colours_follow_frequency_and_clusters(qtbot, panel, session, runner):
    brush = panel.view.scatter.data["brush"]
    first, last = brush[0].color(), brush[-1].color()
    assert first.greenF() > last.greenF()  # the most frequent word is bright, the rarest dark
    np.testing.assert_allclose(panel.scene.base_colors, colors.frequency(panel.scene.rows, 20000))
    session.cloud.color_by = "clusters"
    qtbot.waitUntil(lambda: session.cloud.clusters is not None, timeout=20000)
    labels = session.cloud.clusters.labels
    assert len(np.unique(labels)) == panel.controls.clusters.value() == session.cloud.clusters_k
    np.testing.assert_allclose(panel.scene.base_colors[:5000], colors.clusters(labels))
    assert panel.controls.color_by.currentData() == "clusters"


def test_colour_by_a_metadata_column(qtbot, glove_small, runner, cloud):
    vowels = ["vowel" if w[0] in "aeiou" else "consonant" for w in glove_small.words]
    es = EmbeddingSet(glove_small.words, glove_small.vectors, name="with metadata", metadata={"initial": vowels})
    s = Session(cloud=CloudState(point_count=800))
    p = cloud(s)
    s.set_embeddings(es)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    assert p.controls.color_by.findData("meta:initial") >= 0
    s.cloud.color_by = "meta:initial"
    cols = {tuple(np.round(c, 3)) for c in p.scene.base_colors}
    assert len(cols) == 2
    a = p.scene.base_colors[np.flatnonzero([es.words[r][0] in "aeiou" for r in p.scene.rows])]
    assert np.allclose(a, a[0])
    wait_idle(qtbot, runner)


def test_session_selection_highlights_and_labels(qtbot, panel, session):
    king, queen = session.embeddings.id_of("king"), session.embeddings.id_of("queen")
    session.selection = (king, queen)
    qtbot.wait(1)  # the overlays are drawn once per event-loop turn
    got = highlighted_xy(panel)
    for r in (king, queen):
        assert np.min(np.linalg.norm(got - panel.scene.position(r)[:2], axis=1)) < 1e-6
    texts = [t.toPlainText() for t in panel.view.texts if t.isVisible()]
    assert "king" in texts and "queen" in texts


def test_clicking_a_point_sets_selection_and_query(qtbot, panel, session):
    row = session.embeddings.id_of("france")
    xy = panel.scene.position(row)[:2]
    vb = panel.view.plot.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))
    widget_pt = panel.view.plot.mapFromScene(scene_pt)
    hit = panel.view.pick_scene(scene_pt)
    assert np.linalg.norm(panel.scene.display()[hit, :2] - xy) < 1e-2
    qtbot.mouseClick(panel.view.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(widget_pt.x(), widget_pt.y()))
    qtbot.waitUntil(lambda: session.selection != (), timeout=2000)
    picked = session.selection[0]
    assert session.neighbours.query == session.embeddings.words[picked]
    assert np.linalg.norm(panel.scene.position(picked)[:2] - xy) < 0.02  # it, or a point drawn on top of it


def test_hover_sets_session_hover(panel, session):
    panel._on_point_hovered(panel.scene.index_of(7), QPoint(0, 0))
    assert session.hover == 7
    panel._on_point_hovered(-1, QPoint(0, 0))
    assert session.hover == -1


def test_a_rare_query_is_placed_with_lines_to_its_true_neighbours(qtbot, panel, session, runner):
    es = session.embeddings
    croc = es.id_of("crocodile")
    assert croc not in panel.layout_.index_of()
    session.neighbours.query = "crocodile"
    session.neighbours.lookup = lookup(es, "crocodile", 10)
    session.selection = session.neighbours.lookup.rows
    qtbot.waitUntil(lambda: croc in session.cloud.placed, timeout=5000)
    wait_idle(qtbot, runner)
    i = panel.scene.index_of(croc)
    assert i >= 0 and panel.scene.placed[i]
    linked = {es.words[b] for a, b in session.cloud.links if a == croc}
    assert linked == {n.word for n in nearest(es, "crocodile", 10)}  # the true neighbours (this 20k set)
    assert "shark" in linked
    # PCA placement is exact: the point sits where the projection's affine map sends it
    mean, comps = panel.layout_.linear
    np.testing.assert_allclose(panel.scene.coords[i], (es.unit_vector(croc) - mean) @ comps.T, atol=1e-5)
    # the link lines start at crocodile's display position
    seg = panel.view.curves[0].getData()
    assert np.any(np.hypot(seg[0] - panel.scene.position(croc)[0], seg[1] - panel.scene.position(croc)[1]) < 1e-5)
    assert "placed (exact)" in panel.controls.note.text()
    texts = [t.toPlainText() for t in panel.view.texts if t.isVisible()]
    assert "crocodile" in texts and "shark" in texts


def test_arithmetic_draws_the_parallelogram(qtbot, panel, session, runner):
    es = session.embeddings
    session.arithmetic.outcome = Outcome("king - man + woman", evaluate(es, "king - man + woman"))
    qtbot.waitUntil(lambda: session.cloud.target is not None, timeout=5000)
    wait_idle(qtbot, runner)
    arrows = panel.arithmetic_arrows()
    king, man, woman = (panel.scene.position(es.id_of(w)) for w in ("king", "man", "woman"))
    queen = panel.scene.position(session.arithmetic.result.results[0].index)
    assert session.arithmetic.result.results[0].word == "queen"
    np.testing.assert_allclose(arrows[0].start, man, atol=1e-6)
    np.testing.assert_allclose(arrows[0].end, king, atol=1e-6)
    np.testing.assert_allclose(arrows[1].end, woman, atol=1e-6)
    # PCA is affine and the coefficients sum to 1: the target is the fourth corner
    np.testing.assert_allclose(arrows[2].end, king - man + woman, atol=1e-4)
    np.testing.assert_allclose(arrows[-1].end, queen, atol=1e-6)
    drawn = [c for c in panel.view.curves if c.isVisible() and c.getData()[0] is not None]
    assert len(drawn) >= 3  # arrow colours: terms, helpers, result
    session.arithmetic.outcome = None
    assert panel.arithmetic_arrows() == []


def test_tsne_streams_layouts_and_finishes(qtbot, session, runner, cloud):
    session.cloud.point_count = 600
    session.cloud.method = "tsne"
    session.cloud.params = (("iterations", 60),)
    p = cloud(session)
    frames = []
    session.cloud.events.live.connect(lambda live: live is not None and live.coords is not None
                                      and frames.append(live.coords))
    session.cloud.run += 1
    qtbot.waitUntil(lambda: p.layout_ is not None and p.layout_.method == "tsne", timeout=60000)
    assert len(frames) >= 2 and all(f.shape == (600, 3) for f in frames)
    # the result and the runner's "finished" (which clears the progress line) are two queued events
    qtbot.waitUntil(lambda: p.controls.note.text().startswith("t-SNE of 600"), timeout=10000)
    wait_idle(qtbot, runner)


def test_cancel_stops_a_projection(qtbot, panel, session, runner):
    before = panel.layout_
    session.cloud.method = "tsne"
    session.cloud.point_count = 5000
    session.cloud.run += 1
    assert runner.is_running("cloud.projection") and panel.controls.cancel.isEnabled()
    qtbot.mouseClick(panel.controls.cancel, Qt.MouseButton.LeftButton)
    assert not runner.is_running("cloud.projection")
    wait_idle(qtbot, runner)
    assert panel.layout_ is before and not panel.controls.cancel.isEnabled()


def test_exports(qtbot, panel, session, runner, tmp_path):
    session.neighbours.query = "crocodile"
    qtbot.waitUntil(lambda: session.embeddings.id_of("crocodile") in session.cloud.placed, timeout=5000)
    wait_idle(qtbot, runner)
    assert panel.export_png(str(tmp_path / "cloud.png"))
    from PySide6.QtGui import QImage

    img = QImage(str(tmp_path / "cloud.png"))
    assert not img.isNull() and img.width() > 100
    panel.export_csv(str(tmp_path / "cloud.csv"))
    with open(tmp_path / "cloud.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["word", "x", "y", "z", "placed"]
    assert len(rows) == 1 + len(panel.scene.rows)
    croc = next(r for r in rows if r[0] == "crocodile")
    i = panel.scene.index_of(session.embeddings.id_of("crocodile"))
    assert croc[4] == "yes" and float(croc[1]) == pytest.approx(float(panel.scene.coords[i, 0]), rel=1e-5)
    panel.export_tsv(str(tmp_path / "vectors.tsv"))
    wait_idle(qtbot, runner)
    vec = (tmp_path / "vectors.tsv").read_text().splitlines()
    meta = (tmp_path / "metadata.tsv").read_text().splitlines()
    assert len(vec) == len(panel.scene.rows) and len(vec[0].split("\t")) == 50
    assert meta[0].split("\t") == ["word", "x", "y", "z", "placed"] and len(meta) == len(vec) + 1


def test_changing_k_reclusters(qtbot, panel, session, runner):
    session.cloud.color_by = "clusters"
    qtbot.waitUntil(lambda: session.cloud.clusters is not None, timeout=20000)
    panel.controls.clusters.setValue(5)
    assert session.cloud.clusters_k == 5
    qtbot.waitUntil(lambda: session.cloud.clusters is not None and len(np.unique(session.cloud.clusters.labels)) == 5,
                    timeout=20000)
    wait_idle(qtbot, runner)


def test_the_previous_sets_points_are_inert_until_the_new_set_is_projected(qtbot, panel, session, runner,
                                                                           glove_small, tmp_path):
    """Found by the monkey: right after a smaller set arrives the points on screen are still the old
    set's rows, and hovering, clicking or exporting them indexed the new set (IndexError)."""
    old_rows = panel.scene.rows.copy()
    session.set_embeddings(glove_small.subset(range(300), name="300 words"))
    assert panel.layout_ is None and len(panel.scene.rows) == len(old_rows)
    far = int(np.flatnonzero(old_rows >= 300)[0])  # a point whose row the new set does not have
    panel._on_point_hovered(far, QPoint(0, 0))
    panel._on_point_clicked(far)
    assert session.hover == -1 and session.selection == ()
    panel.export_tsv(str(tmp_path / "vectors.tsv"))
    assert "still running" in panel.controls.note.text() and not (tmp_path / "vectors.tsv").exists()
    qtbot.waitUntil(lambda: panel.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    panel._on_point_hovered(0, QPoint(0, 0))
    assert session.hover == int(panel.scene.rows[0]) < 300


def test_a_csv_export_that_cannot_be_written_says_so_in_the_note(panel, tmp_path):
    """Found by the long monkey run: a folder standing where the CSV goes raised IsADirectoryError."""
    (tmp_path / "cloud.csv").mkdir()
    panel.export_csv(str(tmp_path / "cloud.csv"))
    assert "could not export" in panel.controls.note.text() and "cloud.csv" in panel.controls.note.text()


def test_a_new_set_during_a_reprojection_never_colours_the_old_layout_with_it(qtbot, glove_small, runner, cloud):
    """Found by the monkey: a set coloured by a metadata column is being re-projected when a smaller set
    with the same column arrives; cancelling the old projection redrew the old layout with the new
    set's column (IndexError)."""
    meta = {"initial": [w[0] for w in glove_small.words]}
    s = Session(cloud=CloudState(point_count=2000))
    p = cloud(s)
    s.set_embeddings(EmbeddingSet(glove_small.words, glove_small.vectors, name="big", metadata=meta))
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    s.cloud.color_by = "meta:initial"
    s.cloud.method = "tsne"
    s.cloud.run += 1
    assert runner.is_running("cloud.projection") and p.layout_ is not None
    small = glove_small.subset(range(300), name="small")
    s.set_embeddings(EmbeddingSet(small.words, small.vectors, name="small",
                                  metadata={"initial": meta["initial"][:300]}))
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=60000)
    assert p.scene.rows.max() < 300 and len(p.scene.base_colors) == len(p.scene.rows)
    wait_idle(qtbot, runner)
