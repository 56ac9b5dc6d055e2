"""Image embeddings in the cloud: the 5,000 digits' 500-wide layer becomes the active set, coloured
by label with the misclassified marked; a drawn digit is placed into it live with its nearest
digits; clicking a point loads that digit into the pad."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.canvas import colors
from gui.panels.activations.image_cloud_panel import ImageCloudPanel
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from tests.gui.conftest import wait_idle
from tests.gui.panels.activations.conftest import draw


@pytest.fixture
def cloud_room(qtbot, show, session, runner, digits_room):
    pad, layers = digits_room
    cloud = show(PointCloudPanel)
    cloud.setGeometry(0, 640, 900, 700)
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=20000)
    images = show(ImageCloudPanel)
    images.setGeometry(920, 640, 420, 600)
    glove = session.embeddings
    images.show_button.click()
    qtbot.waitUntil(lambda: session.activations.images is not None, timeout=60000)
    qtbot.waitUntil(lambda: cloud.layout_ is not None and len(cloud.layout_.rows) == 5000, timeout=30000)
    wait_idle(qtbot, runner, timeout=30000)
    return pad, cloud, images, glove


def rgba(brushes) -> np.ndarray:
    return np.array([b.color().getRgbF() for b in brushes], np.float32)


def test_the_cloud_shows_5000_digits_coloured_by_label_with_the_misclassified_marked(cloud_room, session):
    pad, cloud, images, glove = cloud_room
    imgs = session.activations.images
    assert session.embeddings is imgs.embeddings and len(session.embeddings) == 5000
    assert cloud.view.scatter.data.shape == (5000,) and session.cloud.color_by == "meta:label"
    col = cloud.scene.base_colors
    labels = imgs.digits.labels[cloud.scene.rows]
    for d in range(10):  # one colour per label, ten colours
        assert len(np.unique(col[labels == d], axis=0)) == 1
    assert len(np.unique(col, axis=0)) == 10
    wrong = set(imgs.misclassified.tolist())
    assert session.cloud.marked and set(session.cloud.marked) == wrong
    marked = np.array(colors.ROLE_COLORS["marked"], np.float32)
    hl = rgba(cloud.view.highlight.data["brush"])
    assert (np.abs(hl - marked).max(axis=1) < 0.01).sum() == len(wrong)
    assert "5-nearest-neighbour accuracy" in images.knn.text() and "raw pixels" in images.knn.text()
    assert f"{imgs.knn.layer:.1%}" in images.knn.text()
    assert imgs.knn.layer > imgs.knn.pixels
    assert "PCA" in images.trust.text() and "Trustworthiness" in images.trust.text()
    assert not images.show_button.isEnabled() and images.back_button.isVisible()


def test_a_drawn_digit_is_placed_live_with_its_nearest_digits(qtbot, cloud_room, session, runner):
    pad, cloud, images, _ = cloud_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    res = session.activations.layers
    assert res.digit == 7
    (label, vector), = session.cloud.probes
    assert label == "pad: 7" and np.array_equal(vector, res.activations["relu3"])
    (placed_label, coords), = session.cloud.placed_probes
    # PCA places exactly: the probe lands where the layout's linear map puts its unit vector
    want = cloud.layout_.transform(vector[None] / np.linalg.norm(vector))[0]
    np.testing.assert_allclose(coords, want, atol=1e-4)
    probe = np.array(colors.ROLE_COLORS["probe"], np.float32)
    hl = rgba(cloud.view.highlight.data["brush"])
    assert (np.abs(hl - probe).max(axis=1) < 0.01).sum() == 1
    assert "pad: 7" in [t.textItem.toPlainText() for t in cloud.view.texts if t.isVisible()]
    near = session.activations.nearest
    assert len(near.rows) == 9 and len(images.nearest) == 9
    assert (session.activations.images.digits.labels[near.rows] == 7).mean() >= 0.7
    qtbot.mouseClick(images.nearest, Qt.MouseButton.LeftButton, pos=images.nearest.thumb_rect(0).center())
    assert session.activations.digit.row == int(near.rows[0])


def test_clicking_a_point_loads_that_digit_into_the_pad(qtbot, cloud_room, session, runner):
    pad, cloud, _, _ = cloud_room
    index = int(np.flatnonzero(cloud.scene.rows == 1234)[0])
    cloud.view.point_clicked.emit(index)
    wait_idle(qtbot, runner)
    src = session.activations.digit
    assert src.kind == "mnist" and src.row == 1234
    np.testing.assert_array_equal(session.activations.layers.image, session.activations.images.digits.images[1234])
    assert pad.canvas.pixels().max() > 0.9


def test_back_to_the_words_clears_the_digits_from_the_cloud(qtbot, cloud_room, session, runner):
    pad, cloud, images, glove = cloud_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    images.back_button.click()
    wait_idle(qtbot, runner, timeout=30000)
    assert session.embeddings is glove and session.cloud.probes == () and session.cloud.marked == ()
    assert session.cloud.color_by == "frequency"  # not the digits' label column, which GloVe has not
    assert session.activations.nearest is None and images.show_button.isEnabled()
    draw(pad.canvas)  # the pad still works, and puts nothing into the word cloud
    wait_idle(qtbot, runner)
    assert session.activations.layers.digit == 7 and session.cloud.probes == ()


def test_any_way_out_of_the_digits_drops_their_label_colouring(qtbot, cloud_room, session, runner):
    """Not only Back: a set opened over the digits (File ▸ Open, a view) is not coloured by a column it has not."""
    pad, cloud, images, glove = cloud_room
    assert session.cloud.color_by == "meta:label"
    session.set_embeddings(glove)
    wait_idle(qtbot, runner, timeout=30000)
    assert session.cloud.color_by == "frequency" and cloud.controls.color_by.currentData() == "frequency"
