"""The cloud on a set's first map (gui/panels/cloud/names.py), offscreen (the 2D view): it opens at
once with no projection run, shows UMAP in the controls with PCA a click away, falls back to PCA
quietly when the map is damaged, and draws cluster names that get finer as the view zooms in."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from core.embeddings import store
from core.projections import first_map
from core.state.session import CloudState, Session
from gui.panels.cloud.names import ON_SCREEN, level_for
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from tests.conftest import MAPPED_POINTS
from tests.gui.conftest import wait_idle


@pytest.fixture
def opened(qtbot, runner, cloud):
    """``opened(es)``: a shown cloud panel that is given `es`, and the kinds of the jobs it started."""
    def make(es, session: Session | None = None):
        s = session or Session(cloud=CloudState(point_count=MAPPED_POINTS))
        started: list[str] = []
        runner.started.connect(lambda kind, _label: started.append(kind))
        runner.failed.connect(lambda kind, exc: pytest.fail(f"{kind} failed: {exc}"))
        p = cloud(s)
        p.resize(900, 700)
        p.show()
        s.set_embeddings(es)
        return s, p, started

    return make


def shown_names(p: PointCloudPanel) -> list[tuple[str, QRectF]]:
    """The cluster names the 2D view shows, with their boxes on screen."""
    return [(lb.text, t.sceneBoundingRect()) for lb, t in zip(p.view.label_list, p.view.texts)
            if lb.kind == "cluster" and t.isVisible()]


def test_a_set_with_a_first_map_opens_on_it_without_projecting(qtbot, runner, opened, mapped_set):
    s, p, started = opened(mapped_set)
    first = s.cloud.first_map
    assert first is not None and p.layout_ is first.layout and s.cloud.layout is first.layout  # at once
    assert s.cloud.method == "umap" and p.controls.method.currentText() == "UMAP"
    assert p.controls.n_neighbors.value() == 15 and p.view.plot.getAxis("bottom").labelText == "UMAP 1"
    assert "prepared with the set" in p.controls.note.text()
    qtbot.waitUntil(lambda: "trustworthiness" in p.controls.quality.text(), timeout=10000)
    wait_idle(qtbot, runner)
    assert "cloud.projection" not in started  # no projection job ran
    names = shown_names(p)
    assert names and {n for n, _ in names} <= set(first.levels[0].names)
    for i, (_, a) in enumerate(names):  # placed without covering one another
        assert not any(a.intersects(b) for _, b in names[i + 1:])


def test_pca_and_the_others_are_a_click_away(qtbot, runner, opened, mapped_set):
    s, p, started = opened(mapped_set)
    p.controls.method.setCurrentIndex(p.controls.method.findData("pca"))
    qtbot.waitUntil(lambda: p.layout_ is not None and p.layout_.method == "pca", timeout=10000)
    assert "cloud.projection" in started
    # a PCA gets names of its own (k-means of its points), not the first map's
    qtbot.waitUntil(lambda: s.cloud.named is not None, timeout=20000)
    qtbot.waitUntil(lambda: {n for n, _ in shown_names(p)} <= set(s.cloud.named[p.name_level].names), timeout=3000)
    p.controls.method.setCurrentIndex(p.controls.method.findData("umap"))
    p.controls.run.click()  # UMAP with the map's settings: the stored map, from the cache
    qtbot.waitUntil(lambda: p.layout_ is not None and p.layout_.method == "umap", timeout=10000)
    assert s.cloud.first_map.shows(p.layout_)
    wait_idle(qtbot, runner)
    assert shown_names(p)


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_damaged_or_missing_map_falls_back_to_pca_quietly(qtbot, runner, opened, mapped_set, tmp_path, damage):
    folder = tmp_path / "set"
    shutil.copytree(first_map.folder_of(mapped_set), folder)
    path = folder / first_map.FILE
    path.unlink() if damage == "missing" else path.write_bytes(b"PK\x03\x04" + b"\xff" * 500)
    s, p, started = opened(store.open_set(folder))
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    assert s.cloud.first_map is None and s.cloud.method == "pca" and p.layout_.method == "pca"
    assert "cloud.projection" in started and "color" not in p.controls.note.text()  # no error shown
    # named like any layout without a map: k-means of its own points
    assert s.cloud.named is not None and {n for n, _ in shown_names(p)} <= set(s.cloud.named[p.name_level].names)


def test_a_set_without_a_map_goes_back_to_pca_but_a_chosen_method_stays(qtbot, runner, opened, mapped_set,
                                                                       glove_small):
    s, p, _ = opened(mapped_set)
    s.set_embeddings(glove_small)  # the map chose UMAP, not the user: this set gets PCA
    qtbot.waitUntil(lambda: p.layout_ is not None and p.layout_.method == "pca", timeout=10000)
    assert s.cloud.method == "pca"
    s.set_embeddings(mapped_set)  # back on its map
    assert s.cloud.first_map.shows(p.layout_) and s.cloud.method == "umap"
    p.controls.method.setCurrentIndex(p.controls.method.findData("axes"))  # the user's choice...
    qtbot.waitUntil(lambda: p.layout_ is not None and p.layout_.method == "axes", timeout=10000)
    s.set_embeddings(mapped_set)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    assert s.cloud.method == "axes" and p.layout_.method == "axes"  # ...is kept, map or not
    wait_idle(qtbot, runner)


def test_names_get_finer_as_the_view_zooms_in(qtbot, runner, opened, mapped_set):
    s, p, _ = opened(mapped_set)
    wait_idle(qtbot, runner)
    levels = s.cloud.first_map.levels
    assert p.name_level == 0

    def in_view(c) -> int:
        return int(p.view.in_view(np.array([p.scene.position(int(r)) for r in c.anchors])).sum())

    centre, radius, seen = p.scene.position(int(levels[2].anchors[0])), 1.0, []
    while p.name_level < 2 and radius > 0.01:
        radius *= 0.7
        zoom = p.view.zoom()
        p.view.look_at(centre, radius)
        qtbot.waitUntil(lambda zoom=zoom: p.view.zoom() > zoom, timeout=3000)
        qtbot.wait(20)  # the view said it zoomed; the names of the level it asks for are drawn
        level = p.name_level
        assert level == level_for([in_view(c) for c in levels]) and (level == 0 or in_view(levels[level]) <= ON_SCREEN)
        names = [n for n, _ in shown_names(p)]
        assert names and set(names) <= set(levels[level].names)
        seen.append(level)
    assert seen == sorted(seen) and seen[-1] == 2 and 1 in seen  # broad, then finer, then finest
    p.view.reset_camera()
    qtbot.waitUntil(lambda: p.name_level == 0, timeout=3000)
    assert {n for n, _ in shown_names(p)} <= set(levels[0].names)


def test_query_labels_come_before_names(qtbot, runner, opened, mapped_set):
    s, p, _ = opened(mapped_set)
    wait_idle(qtbot, runner)
    first = s.cloud.first_map.levels[0]
    word = first.names[0].split(", ")[0]  # a query right under the largest cluster's name
    s.selection = (mapped_set.id_of(word),)
    qtbot.waitUntil(lambda: p.view.label_list and p.view.label_list[0].text == word, timeout=3000)
    assert p.view.label_list[0].kind == "word" and p.view.texts[0].isVisible()
    kinds = [lb.kind for lb in p.view.label_list]
    assert kinds.index("cluster") == 1


def test_clusters_of_any_set_are_named_when_the_cloud_is_coloured_by_them(qtbot, runner, glove_small, opened):
    s, p, _ = opened(glove_small, Session(cloud=CloudState(point_count=2000)))
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    assert {n for n, _ in shown_names(p)} <= set(s.cloud.named[p.name_level].names)  # the zoom's level
    s.cloud.color_by = "clusters"
    qtbot.waitUntil(lambda: s.cloud.clusters is not None, timeout=20000)
    wait_idle(qtbot, runner)
    assert s.cloud.clusters.k == p.controls.clusters.value()
    names = [n for n, _ in shown_names(p)]
    assert names and set(names) <= set(s.cloud.clusters.names)
    p.controls.names.setChecked(False)
    qtbot.waitUntil(lambda: not shown_names(p), timeout=3000)


def test_the_first_maps_colours_are_its_stored_clusters(qtbot, runner, opened, mapped_set):
    s, p, started = opened(mapped_set)
    p.controls.clusters.setValue(40)  # a granularity the map holds: no k-means runs
    s.cloud.color_by = "clusters"
    assert s.cloud.clusters is s.cloud.first_map.level(40)
    np.testing.assert_array_equal(s.cloud.clusters.labels, s.cloud.first_map.level(40).labels)
    wait_idle(qtbot, runner)
    assert "cloud.clusters" not in started


def test_zooming_between_two_layouts_names_nothing(qtbot, runner, opened, mapped_set):
    """While no layout is on show (a projection running, a set switched), the names of the last one
    are not placed: zooming then must not look for their anchors (it raised AttributeError)."""
    s, p, _ = opened(mapped_set)
    wait_idle(qtbot, runner)
    assert p.named_levels()
    s.cloud.layout = None
    assert p.named_levels() == () and p.name_labels() == []
    p._on_zoom_changed(p.view.zoom() * 2)  # the view's zoom signal, as a wheel turn sends it
