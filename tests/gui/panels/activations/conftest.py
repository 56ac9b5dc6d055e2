"""Fixtures of the activations room: the digit panels on one Session, and a 7 drawn with mouse
events (QTest) as a user would."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.inference import registry
from gui.panels.activations.digit_layers_panel import DigitLayersPanel
from gui.panels.activations.draw_pad_panel import DrawPadPanel
from tests.models.helpers import built

SEVEN = [[(70, 70), (205, 70)], [(205, 70), (125, 230)]]  # strokes in pad pixels (280 x 280)


def stroke(canvas, points, steps: int = 12) -> None:
    """Press, move in `steps` pieces along each segment, release (left button, pad coordinates)."""
    def at(x, y):
        return QPoint(round(canvas.width() * x / 280), round(canvas.height() * y / 280))
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, left, none, at(*points[0]))
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, steps + 1):
            QTest.mouseMove(canvas, at(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps))
    QTest.mouseRelease(canvas, left, none, at(*points[-1]))


def draw(canvas, strokes=SEVEN) -> None:
    for s in strokes:
        stroke(canvas, s)


@pytest.fixture
def digits_room(qtbot, show, session, runner):
    """The draw pad and the layers panel, shown side by side on the window's controllers."""
    built(registry.DIGITS)
    pad, layers = show(DrawPadPanel), show(DigitLayersPanel)
    pad.setGeometry(0, 0, 360, 620)
    layers.setGeometry(380, 0, 1100, 520)  # side by side: mouse events go to the window under them
    qtbot.waitUntil(lambda: pad.digits is not None, timeout=60000)  # reading 5,000 digits: slow on a busy machine
    return pad, layers
