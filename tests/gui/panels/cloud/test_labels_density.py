"""Names over any layout and the density view, offscreen (the 2D view): a PCA of GloVe's 5,000 most
frequent words gets cluster names (k-means in the full space) drawn without overlapping, finer as the view
zooms in; the density check box draws a shaded estimate with contours."""
from __future__ import annotations

import numpy as np
import pytest

from core.state.session import CloudState, Session
from tests.gui.conftest import wait_idle
from tests.gui.panels.cloud.test_names import shown_names


@pytest.fixture
def pca(qtbot, runner, cloud, glove_small):
    s = Session(cloud=CloudState(point_count=5000, top_labels=0))
    p = cloud(s)
    p.resize(900, 700)
    p.show()
    s.set_embeddings(glove_small)
    qtbot.waitUntil(lambda: s.cloud.named is not None, timeout=30000)
    wait_idle(qtbot, runner)
    return s, p


def test_a_pca_is_named_without_overlaps_and_finer_when_zoomed(qtbot, pca):
    s, p = pca
    levels = s.cloud.named
    assert [c.k for c in levels] == [12, 40, 120] and s.cloud.first_map is None
    names = shown_names(p)
    assert names and {n for n, _ in names} <= set(levels[p.name_level].names)
    for i, (_, a) in enumerate(names):
        assert not any(a.intersects(b) for _, b in names[i + 1:])
    start = p.name_level
    c = levels[-1]
    anchor = s.cloud.layout.positions(c.anchors[c.anchors >= 0][:1])[0]
    p.view.look_at(p.scene.frame.apply(s.cloud.layout.coords[anchor]), 0.08)
    qtbot.waitUntil(lambda: p.name_level > start, timeout=5000)
    qtbot.wait(50)
    finer = {n for n, _ in shown_names(p)}
    assert finer and finer <= set(levels[p.name_level].names)
    p.controls.names.setChecked(False)
    qtbot.waitUntil(lambda: not shown_names(p), timeout=3000)


def test_density_contours_and_shading(qtbot, pca):
    s, p = pca
    v = p.view
    assert not v.shade.isVisible()
    p.controls.density.setChecked(True)
    assert s.cloud.density and v.shade.isVisible() and all(c.isVisible() for c in v.contours)
    img = v.shade.image
    assert img.shape[2] == 4 and img[..., 3].max() > 150 and img[..., 3].min() == 0  # dense glows, empty clear
    for c in v.contours:
        c.generatePath()  # what its first paint does
    assert all(c.path is not None and c.path.elementCount() > 10 for c in v.contours)  # drawn contour lines
    # the peak of the estimate lies where the points are densest
    xy = p.scene.display()[:, :2]
    H, xe, ye = np.histogram2d(xy[:, 0], xy[:, 1], bins=20)
    i, j = np.unravel_index(np.argmax(H), H.shape)
    r = v.shade.mapRectToParent(v.shade.boundingRect())
    gi, gj = np.unravel_index(np.argmax(img[..., 3]), img.shape[:2])
    peak = (r.left() + (gi + 0.5) * r.width() / img.shape[0], r.top() + (gj + 0.5) * r.height() / img.shape[1])
    assert abs(peak[0] - (xe[i] + xe[i + 1]) / 2) < 0.35 and abs(peak[1] - (ye[j] + ye[j + 1]) / 2) < 0.35
    p.controls.density.setChecked(False)
    assert not v.shade.isVisible() and not any(c.isVisible() for c in v.contours)
