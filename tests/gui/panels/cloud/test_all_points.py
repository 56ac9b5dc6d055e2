"""Every point, not a sample (issue 23), offscreen (the 2D view) on the real GloVe set: the "all" button shows
the set's full count and projects every word (a method that takes fewer gives way to PCA), the level of
detail (the density view) switches on by itself for so many points and off again for few, and the clusters
of all 400,000 words are named and drawn."""
from __future__ import annotations

import pytest

from core.state.session import CloudState, Session
from gui.controllers.cloud_controller import DENSITY_ABOVE
from tests.gui.conftest import wait_idle
from tests.gui.panels.cloud.test_names import shown_names


@pytest.fixture
def everything(qtbot, runner, cloud, glove):
    s = Session(cloud=CloudState(point_count=5000, method="umap", top_labels=0))
    runner.failed.connect(lambda kind, exc: pytest.fail(f"{kind} failed: {exc}"))
    p = cloud(s)
    p.resize(900, 700)
    p.show()
    s.set_embeddings(glove)
    qtbot.waitUntil(lambda: p.controls.count.maximum() == len(glove), timeout=5000)
    return s, p


def test_all_shows_every_word_with_density_and_names(qtbot, runner, everything, glove):
    s, p = everything
    controls = p.controls
    assert not controls.all.isChecked() and not s.cloud.density
    controls.all.click()
    # the set's full count, whatever it is; UMAP takes at most 100,000, so the cloud goes to PCA
    assert s.cloud.point_count == len(glove) == controls.count.value() == controls.count.maximum()
    assert controls.all.isChecked() and s.cloud.method == "pca" and controls.method.currentData() == "pca"
    qtbot.waitUntil(lambda: s.cloud.layout is not None and len(s.cloud.layout.rows) == len(glove), timeout=60000)
    # the layout's arrival and the runner's "finished" (which clears the progress line) are two queued events
    qtbot.waitUntil(lambda: f"all {len(glove):,} words" in controls.note.text(), timeout=10000)
    assert len(p.scene.rows) == len(glove) and len(p.view._pos) == len(glove)
    # level of detail: the density view is on by itself (the box shows it), shaded under the points
    assert len(glove) > DENSITY_ABOVE and s.cloud.density and controls.density.isChecked()
    assert p.view.shade.isVisible()
    # names of clusters of all the words, drawn over the map
    qtbot.waitUntil(lambda: s.cloud.named is not None, timeout=120000)
    levels = s.cloud.named
    assert [c.k for c in levels] == [12, 40, 120]
    assert all(len(c.labels) == len(glove) and (c.sizes() > 0).all() and all(c.names) for c in levels)
    qtbot.waitUntil(lambda: len(shown_names(p)) >= 3, timeout=10000)
    assert {n for n, _ in shown_names(p)} <= set(levels[p.name_level].names)
    wait_idle(qtbot, runner, timeout=60000)
    # back to the count before: few points again, and the density view that came on by itself goes off
    controls.all.click()
    assert s.cloud.point_count == 5000 and not controls.all.isChecked()
    qtbot.waitUntil(lambda: s.cloud.layout is not None and len(s.cloud.layout.rows) < 6000, timeout=60000)
    assert not s.cloud.density and not p.view.shade.isVisible()
    wait_idle(qtbot, runner, timeout=60000)


def test_a_density_the_user_chose_stays(qtbot, runner, everything, glove):
    s, p = everything
    p.controls.density.setChecked(True)
    p.controls.density.setChecked(False)  # the user's choice: large layouts no longer switch it
    p.controls.all.click()
    qtbot.waitUntil(lambda: s.cloud.layout is not None and len(s.cloud.layout.rows) == len(glove), timeout=60000)
    assert not s.cloud.density and not p.controls.density.isChecked()
    s.cloud.names = False
    wait_idle(qtbot, runner, timeout=120000)
