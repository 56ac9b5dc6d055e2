"""Pictures as points in the 2D view (offscreen): 2,000 real MNIST digits (their pixels as vectors, their
pictures as es.images) drawn as thumbnails tinted by label, one switch back to dots, the hovered
digit shown large in the tooltip."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.inference.mnist import load_digits
from core.state.session import CloudState, Session
from gui.panels.cloud.pictures import picture_html
from tests.gui.conftest import wait_idle

N = 2000


@pytest.fixture(scope="module")
def digit_set() -> EmbeddingSet:
    d = load_digits()
    rows = np.arange(N)
    return EmbeddingSet([f"{lb} · #{i}" for i, lb in enumerate(d.labels[:N].tolist())],
                        d.images[:N].reshape(N, -1).astype(np.float32), name="digits",
                        metadata={"label": [str(v) for v in d.labels[:N].tolist()]}, images=d.uint8(rows))


@pytest.fixture
def shown(qtbot, runner, cloud, digit_set):
    s = Session(cloud=CloudState(point_count=N, color_by="meta:label", names=False))  # names: another test
    p = cloud(s)
    p.resize(900, 700)
    p.show()
    s.set_embeddings(digit_set)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    wait_idle(qtbot, runner)
    return s, p


def test_digits_are_drawn_as_their_pictures_and_one_switch_makes_them_dots(qtbot, shown, digit_set):
    s, p = shown
    v = p.view
    assert not p.controls.sprites.isHidden() and p.controls.sprites.isChecked()
    assert v.sprites.pixmap is not None and len(v.sprites.xy) == N and not v.scatter.isVisible()
    # the atlas holds every digit: each cell shows its digit, tinted with the label's colour
    atlas = v.sprites._image
    x, y, w, h = v.sprites.cells[7].astype(int)
    cell = atlas[y:y + h, x:x + w]
    row = int(p.scene.rows[7])
    bright = digit_set.images[row] > 200
    colour = np.round(p.scene.base_colors[7, :3] * 255)
    assert np.abs(cell[bright, :3].astype(float).mean(axis=0) - colour).max() < 25  # the stroke: its colour
    assert cell[digit_set.images[row] == 0, :3].max() < 30  # the rest dark
    image = v.grab_image()
    assert image.width() > 0
    p.controls.sprites.setChecked(False)
    assert not s.cloud.sprites and v.sprites.pixmap is None and v.scatter.isVisible()
    p.controls.sprites.setChecked(True)
    assert v.sprites.pixmap is not None


def test_hovering_shows_the_picture_large(qtbot, shown, digit_set):
    s, p = shown
    html = p.picture_tip(3)
    assert html.startswith('<img src="data:image/png;base64,')
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(html)
    assert doc.size().width() >= 112  # 28 px enlarged four times
    assert picture_html(np.zeros((10, 20, 4), np.uint8)).startswith("<img")


def test_a_set_without_pictures_has_no_switch(qtbot, runner, cloud, glove_small):
    s = Session(cloud=CloudState(point_count=2000))
    p = cloud(s)
    s.set_embeddings(glove_small)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    assert p.controls.sprites.isHidden() and p.view.sprites.pixmap is None and p.view.scatter.isVisible()


def test_open_dialog_reads_a_projector_tsv_with_its_sprite_sheet(qtbot, window, session, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.open_dialog import OpenDialog
    from tests.core.embeddings.test_sprites import write_set

    pics = write_set(tmp_path, load_digits(), 150)
    (tmp_path / "sprite.png").rename(tmp_path / "digits.png")
    old = session.embeddings

    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, OpenDialog)
        dialog.path.setText(str(tmp_path / "vectors.tsv"))
        dialog.format.setCurrentIndex(dialog.format.findData("projector-tsv"))
        assert dialog.sprite.isEnabled()
        dialog.sprite.setText(str(tmp_path / "digits.png"))
        dialog.accept()

    QTimer.singleShot(0, fill)
    window.open_action.trigger()
    qtbot.waitUntil(lambda: session.embeddings is not old, timeout=10000)
    assert np.array_equal(session.embeddings.images, pics)


def test_a_sprite_sheet_that_does_not_fit_is_a_clear_message(qtbot, window, session, tmp_path):
    from tests.core.embeddings.test_sprites import write_set

    write_set(tmp_path, load_digits(), 90, sheet_n=100, cols=10)  # a sheet made for 100 points beside 90
    old = session.embeddings
    window.open_file(tmp_path / "vectors.tsv")
    qtbot.waitUntil(lambda: bool(window.message_bar.messages()), timeout=10000)
    text = " ".join(m for _kind, m in window.message_bar.messages())
    assert "sprite.png" in text and "holds 100 pictures" in text and "90 points" in text
    assert session.embeddings is old
