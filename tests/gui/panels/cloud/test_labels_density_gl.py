"""The density view and names under Xvfb (Mesa llvmpipe): 3D shading lowers each point's opacity where points
pile up; screenshot docs/screenshots/labelled-density.png (the first map's names over density contours, the
2D view).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -m gl \\
        tests/gui/panels/cloud/test_labels_density_gl.py
"""
from __future__ import annotations

import numpy as np
import pytest

from core.state.session import CloudState, Session
from gui.canvas import density
from gui.canvas.view_2d import View2D
from gui.canvas.view_3d import grab
from gui.controllers.cloud_controller import CloudController
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from tests.conftest import MAPPED_POINTS
from tests.gui.conftest import wait_idle
from tests.gui.panels.cloud.test_names import shown_names
from tests.gui.panels.cloud.test_point_cloud_gl import SHOTS, shown_panel

pytestmark = pytest.mark.gl


def test_3d_density_shading_fades_dense_points(qtbot, runner, cloud, glove_small):
    s = Session(cloud=CloudState(point_count=20000, density=True))
    p = shown_panel(qtbot, cloud, s, glove_small, 900, 700)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    wait_idle(qtbot, runner)
    v = p.view
    alpha = v.scatter.color[:, 3]
    d = density.point_density(v._pos)
    assert alpha.min() < 0.3 * alpha.max() and np.corrcoef(alpha, d)[0, 1] < -0.8  # dense: faint
    before = v.grab_image()
    p.controls.density.setChecked(False)
    assert np.allclose(v.scatter.color[:, 3], p.point_colours()[:, 3])
    assert before.width() > 0


def test_labelled_density_screenshot(qtbot, runner, mapped_set):
    s = Session(cloud=CloudState(point_count=MAPPED_POINTS, density=True, top_labels=0))
    controller = CloudController(s, runner)  # noqa: F841  (kept alive for the test)
    p = PointCloudPanel(s, runner, view=View2D())
    qtbot.addWidget(p)
    p.resize(1200, 850)
    p.show()
    qtbot.waitExposed(p)
    s.set_embeddings(mapped_set)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    wait_idle(qtbot, runner)
    p.view.reset_camera()  # the bulk of the map (the 2D view's auto range takes in far islands too)
    qtbot.wait(100)
    assert p.view.shade.isVisible() and shown_names(p)
    SHOTS.mkdir(parents=True, exist_ok=True)
    grab(p).save(str(SHOTS / "labelled-density.png"))


def test_all_400000_words_in_3d_are_thinned_where_they_pile_up(qtbot, runner, cloud, glove):
    s = Session(cloud=CloudState(point_count=10000, top_labels=0, names=False))
    p = shown_panel(qtbot, cloud, s, glove, 900, 700)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    v = p.view
    assert len(v.scatter.pos) == len(v._pos) == 10000 and not s.cloud.density  # few points: every one, plain
    p.controls.all.click()
    qtbot.waitUntil(lambda: p.layout_ is not None and len(p.layout_.rows) == len(glove), timeout=60000)
    wait_idle(qtbot, runner, timeout=60000)
    assert s.cloud.density and len(v._pos) == len(glove)
    # the densities of 400,000 points are computed off the GUI thread; the thinned points are drawn then
    qtbot.waitUntil(lambda: not v.density_pending() and len(v.scatter.pos) < len(glove), timeout=20000)
    drawn = len(v.scatter.pos)
    assert 0.2 * len(glove) < drawn < 0.8 * len(glove)  # level of detail: a fraction drawn
    d = density.point_density(v._pos)
    keep, _ = density.thinned(p.point_colours(), v._pos, d=d)
    np.testing.assert_array_equal(v.scatter.pos, v._pos[keep])
    kept = np.isin(np.arange(len(d)), keep)
    assert kept[d < 0.05].mean() > 0.97 and kept[d > 0.9].mean() < 0.2  # the dense places lost most points
    # a drawn point in a dense place stands for the ones left out: more opaque than its faded colour
    alpha = v.scatter.color[:, 3]
    dense = d[keep] > 0.8
    assert dense.any() and alpha[dense].mean() > density.shaded(p.point_colours(), v._pos, d)[keep][dense, 3].mean()
    # picking still finds any of all the points (the thinned ones too)
    assert p.view.pick(v.gl.width() / 2, v.gl.height() / 2) >= 0
    img = v.grab_image()
    assert img.width() > 0 and len({img.pixel(x, y) for x in range(0, img.width(), 20)
                                     for y in range(0, img.height(), 20)}) > 20
