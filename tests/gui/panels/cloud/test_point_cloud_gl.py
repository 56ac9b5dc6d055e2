"""Real OpenGL rendering of the cloud (Mesa llvmpipe under Xvfb). Saves cloud_*.png screenshots.

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x1000x24" .venv/bin/python -m pytest -m gl \\
        tests/gui/test_point_cloud_gl.py
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent

from core.embeddings.arithmetic import Outcome, evaluate
from core.embeddings.neighbours import lookup
from core.state.session import CloudState, Session
from gui.canvas import colors, picking
from gui.canvas.picking import mvp_of
from gui.canvas.view_3d import View3D, gl_available, grab
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from tests.conftest import MAPPED_POINTS
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gl
# Screenshots go to a temporary folder, so a test run leaves the checkout clean; set
# EMBEDDING_EXPLORER_SHOTS=docs/screenshots to refresh the ones in the repository.
SHOTS = Path(os.environ.get("EMBEDDING_EXPLORER_SHOTS") or Path(tempfile.gettempdir()) / "ee-gl-screenshots")
BACKGROUND = np.array([22, 24, 28])


def shown_panel(qtbot, cloud, session: Session, es, width: int = 1200, height: int = 850) -> PointCloudPanel:
    """A cloud panel on screen (OpenGL), given `es` once it is exposed."""
    if not gl_available():
        pytest.skip("no OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    p = cloud(session)
    p.resize(width, height)
    p.show()
    qtbot.waitExposed(p)
    session.set_embeddings(es)
    return p


@pytest.fixture
def panel(qtbot, glove, runner, cloud):
    p = shown_panel(qtbot, cloud, Session(), glove)
    qtbot.waitUntil(lambda: p.layout_ is not None, timeout=20000)
    wait_idle(qtbot, runner)
    return p


def pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : 3 * w].reshape(h, w, 3).copy()


def shot(qtbot, p: PointCloudPanel, name: str, min_drawn: float = 0.02) -> np.ndarray:
    qtbot.wait(100)
    img = p.view.grab_image()
    assert not img.isNull()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert img.save(str(SHOTS / f"cloud_{name}.png"))
    a = pixels(img)
    drawn = np.abs(a.astype(int) - BACKGROUND).sum(axis=2) > 30
    assert drawn.mean() > min_drawn, f"{name}: only {drawn.mean():.3%} of the pixels are drawn"
    assert len(np.unique(a[drawn].reshape(-1, 3), axis=0)) > 50  # colours, not a flat fill
    return a


def screen_of(p: PointCloudPanel, row: int) -> tuple[float, float]:
    xy, _, visible = picking.project(p.scene.position(row)[None, :], mvp_of(p.view.gl), p.view.gl.width(),
                                     p.view.gl.height())
    assert visible[0]
    return float(xy[0, 0]), float(xy[0, 1])


def test_cloud_of_10000_words_with_a_placed_query(qtbot, panel, runner):
    p, s = panel, panel._session
    assert isinstance(p.view, View3D) and p.is_3d and not p.notice.isVisible()
    assert len(p.scene.rows) == 10_000
    croc = s.embeddings.id_of("crocodile")
    s.neighbours.query = "crocodile"
    s.neighbours.lookup = lookup(s.embeddings, "crocodile", 10)
    s.selection = s.neighbours.lookup.rows
    assert "alligator" in [n.word for n in s.neighbours.lookup.neighbours]
    qtbot.waitUntil(lambda: croc in s.cloud.placed, timeout=10000)
    wait_idle(qtbot, runner)
    labels = [lb.text for lb in p.view.labels.labels]
    assert labels[0] == "crocodile" and "alligator" in labels
    shot(qtbot, p, "pca")
    # a window screenshot (view_3d.grab, as main.py --screenshot takes) has the labels too
    whole = pixels(grab(p).toImage())
    orange = np.all(np.abs(whole.astype(int) - np.array(colors.ROLE_COLORS["query"][:3]) * 255) < 40, axis=2)
    assert orange.sum() > 150  # the query's disc and its bold label
    p.focus_highlights()
    a = shot(qtbot, p, "crocodile")
    # the query's point is drawn in its highlight colour where picking says it is
    x, y = screen_of(p, croc)
    patch = a[int(y) - 3: int(y) + 4, int(x) - 3: int(x) + 4].reshape(-1, 3).astype(int)
    want = np.array(colors.ROLE_COLORS["query"][:3]) * 255
    assert np.min(np.abs(patch - want).sum(axis=1)) < 60


def test_clicking_a_rendered_point_selects_it(qtbot, panel):
    p, s = panel, panel._session
    king = s.embeddings.id_of("king")
    s.selection = (king,)
    p.focus_highlights()
    qtbot.wait(50)
    x, y = screen_of(p, king)
    qtbot.mouseClick(p.view.gl, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: s.neighbours.query != "", timeout=2000)
    picked = s.selection[0]
    assert s.neighbours.query == s.embeddings.words[picked]
    assert np.linalg.norm(np.subtract(screen_of(p, picked), (x, y))) <= picking.RADIUS


def test_arithmetic_arrows(qtbot, panel, runner):
    p, s = panel, panel._session
    s.arithmetic.outcome = Outcome("king - man + woman", evaluate(s.embeddings, "king - man + woman"))
    qtbot.waitUntil(lambda: s.cloud.target is not None, timeout=10000)
    wait_idle(qtbot, runner)
    assert len(p.arithmetic_arrows()) == 5
    p.focus_highlights()
    a = shot(qtbot, p, "arithmetic")
    green = np.all(np.abs(a.astype(int) - np.array(colors.ARROW[:3]) * 255) < 40, axis=2)
    assert green.sum() > 100  # the arrows are drawn


def test_tsne_forms_in_the_view(qtbot, panel, runner):
    p, s = panel, panel._session
    s.cloud.point_count = 3000
    qtbot.waitUntil(lambda: len(p.layout_.rows) == 3000, timeout=10000)
    s.cloud.method = "tsne"
    s.cloud.params = (("iterations", 250), ("perplexity", 30.0))
    frames: list[np.ndarray] = []
    runner.intermediate.connect(lambda kind, payload: frames.append(np.array(payload)))
    s.cloud.run += 1
    qtbot.waitUntil(lambda: len(frames) >= 3, timeout=60000)
    a = shot(qtbot, p, "tsne_forming", 0.01)
    assert p.view.axis_labels.labels[0].text == "t-SNE 1"
    qtbot.waitUntil(lambda: p.layout_.method == "tsne", timeout=180000)
    wait_idle(qtbot, runner, timeout=30000)
    assert len(frames) >= 5
    p.view.reset_camera()
    b = shot(qtbot, p, "tsne", 0.01)
    assert np.abs(a.astype(int) - b).sum() > 0  # the layout moved between the two frames


def test_polylines_are_drawn_in_their_colours_with_their_labels(qtbot, panel, runner):
    from core.embeddings.embedding_set import EmbeddingSet

    p, s = panel, panel._session
    rng = np.random.default_rng(0)
    steps = np.cumsum(rng.normal(size=(2, 12, 16)).astype(np.float32), axis=1)  # two random walks
    es = EmbeddingSet([f"walk {w} · {i}" for w in range(2) for i in range(12)], steps.reshape(24, 16))
    s.set_embeddings(es)
    qtbot.waitUntil(lambda: p.layout_ is not None and len(p.layout_.rows) == 24, timeout=20000)
    red, blue = (0.95, 0.2, 0.2, 1.0), (0.2, 0.5, 1.0, 1.0)
    s.cloud.polylines = ((tuple(range(12)), red, ("start",) + ("",) * 11),
                         (tuple(range(12, 24)), blue, ("",) * 11 + ("end",)))
    wait_idle(qtbot, runner)
    p.focus_highlights()
    a = shot(qtbot, p, "polylines", 0.002)
    for color in (red, blue):
        near = np.all(np.abs(a.astype(int) - np.array(color[:3]) * 255) < 50, axis=2)
        assert near.sum() > 150, color  # each walk's line is drawn in its colour
    assert {"start", "end"} <= {lb.text for lb in p.view.labels.labels}


def test_a_first_maps_names_are_drawn_and_get_finer_as_the_wheel_zooms_in(qtbot, runner, cloud, mapped_set):
    p = shown_panel(qtbot, cloud, Session(cloud=CloudState(point_count=MAPPED_POINTS)), mapped_set, 1000, 750)
    assert p._session.cloud.first_map.shows(p.layout_) and p.name_level == 0
    wait_idle(qtbot, runner)
    shot(qtbot, p, "first_map")

    def names() -> list:
        return [(lb.text, box) for lb, box in p.view.labels.shown if lb.kind == "cluster"]

    assert names() and {n for n, _ in names()} <= set(p._session.cloud.first_map.levels[0].names)
    boxes = [box for _, box in p.view.labels.shown]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])  # none covers another
    at, seen = QPointF(p.view.gl.width() / 2, p.view.gl.height() / 2), []
    for _ in range(40):  # the wheel, a notch at a time, towards the map, until the finest names show
        wheel = QWheelEvent(at, p.view.gl.mapToGlobal(at), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        zoom = p.view.zoom()
        QCoreApplication.sendEvent(p.view.gl, wheel)
        qtbot.waitUntil(lambda zoom=zoom: p.view.zoom() > zoom, timeout=3000)
        qtbot.wait(30)  # a frame, the view's zoom_changed, the names it asks for
        seen.append(p.name_level)
        if p.name_level == 2:
            break
    assert seen == sorted(seen) and seen[-1] == 2 and 1 in seen  # the view said it zoomed, each time
    finest = set(p._session.cloud.first_map.levels[2].names)
    qtbot.waitUntil(lambda: bool(names()) and {n for n, _ in names()} <= finest,
                    timeout=5000)
    shot(qtbot, p, "first_map_zoomed")
