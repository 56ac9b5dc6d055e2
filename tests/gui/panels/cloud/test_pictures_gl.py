"""Pictures as points in the 3D view (OpenGL: Mesa llvmpipe under Xvfb): a digit's sprite keeps its size on
screen whatever the camera's distance and shows the digit's pixels; the 5,000 digits' image embedding
(ImageSet, the digit CNN's 500-wide layer) drawn as thumbnails; screenshot digit-sprites.png.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -m gl \\
        tests/gui/panels/cloud/test_pictures_gl.py
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from core.inference import registry
from core.inference.digit_embeddings import image_set_job
from core.inference.mnist import load_digits
from core.progress import run_sync
from core.state.session import CloudState, Session
from gui.canvas.sprites import tinted
from gui.canvas.view_3d import View3D, gl_available, grab
from tests.gui.conftest import wait_idle
from tests.gui.panels.cloud.test_point_cloud_gl import SHOTS, shown_panel
from tests.models.helpers import built

pytestmark = pytest.mark.gl
BG = np.array([22, 24, 28])


def frame(view: View3D) -> np.ndarray:
    img = view.grab_image().convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, count=img.height() * img.bytesPerLine())
    rows = a.reshape(img.height(), img.bytesPerLine())[:, : 3 * img.width()]
    return rows.reshape(img.height(), img.width(), 3).copy()


def test_a_sprite_keeps_its_size_on_screen_and_shows_the_digit(qtbot):
    if not gl_available():
        pytest.skip("no OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    digits = load_digits()
    v = View3D()
    qtbot.addWidget(v)  # closed after the test: a view left open would paint with another context's programs
    v.resize(500, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_axes(("", "", ""))
    v.axes.hide()
    v.set_points(np.zeros((1, 3), np.float32), np.array([[1, 1, 1, 1]], np.float32), 4.0)
    pic = tinted(digits.uint8([0]), np.array([[1.0, 1.0, 1.0, 1.0]]))
    v.set_sprites(pic, 56)
    assert v.sprites.visible() and not v.scatter.visible()
    sides = []
    for distance in (3.4, 1.0, 8.0):
        v.gl.opts["distance"] = distance
        f = frame(v)
        dpr = f.shape[1] / v.gl.width()
        lit = np.argwhere(np.abs(f.astype(int) - BG).sum(axis=2) > 12)  # the picture's dark backdrop too
        (y0, x0), (y1, x1) = lit.min(axis=0), lit.max(axis=0)
        sides.append(max(y1 - y0, x1 - x0) / dpr)
        # the sprite is the digit: the picture's bright strokes where the digit's are (2x enlarged, centred)
        cy, cx = f.shape[0] // 2, f.shape[1] // 2
        half = int(28 * dpr)
        shown = f[cy - half: cy + half, cx - half: cx + half].mean(axis=2)
        small = shown.reshape(28, shown.shape[0] // 28, 28, shown.shape[1] // 28).mean(axis=(1, 3))
        assert np.corrcoef(small.ravel(), digits.uint8([0])[0].ravel())[0, 1] > 0.8
    assert max(sides) - min(sides) <= 3 and 45 <= sides[0] <= 57  # 56 px whatever the distance
    v.set_sprites(None, 0)
    assert not v.sprites.visible() and v.scatter.visible()


def test_the_5000_digits_as_thumbnails(qtbot, runner, cloud):
    built(registry.DIGITS)
    images = run_sync(image_set_job(registry.open(registry.DIGITS), load_digits()))
    es = images.embeddings
    assert es.images.shape == (5000, 28, 28) and np.array_equal(es.images[9], images.digits.uint8([9])[0])
    s = Session(cloud=CloudState(point_count=5000, color_by="meta:label", top_labels=0))
    p = shown_panel(qtbot, cloud, s, es, 1200, 850)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=30000)
    wait_idle(qtbot, runner, timeout=30000)
    v = p.view
    assert v.sprites.visible() and len(v.sprites.pos) == 5000 and v.sprites.atlas.shape[2] == 4
    qtbot.wait(200)
    covered = (np.abs(frame(v).astype(int) - BG).sum(axis=2) > 12).mean()
    SHOTS.mkdir(parents=True, exist_ok=True)
    grab(p).save(str(SHOTS / "digit-sprites.png"))
    p.controls.sprites.setChecked(False)  # dots: far less of the frame is lit
    qtbot.wait(100)
    dots = (np.abs(frame(v).astype(int) - BG).sum(axis=2) > 12).mean()
    assert covered > 0.15 and covered > 2 * dots
