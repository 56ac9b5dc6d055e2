"""The activations room's widgets: heatmap grids (mosaic, hover, click), bar charts, digit
thumbnails, the draw canvas."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.widgets.bar_chart import BarChart
from gui.widgets.digit_thumbs import DigitThumbs
from gui.widgets.draw_canvas import SIDE, DrawCanvas
from gui.widgets.heatmap import GAP, TABLES, HeatmapGrid, best_columns, mosaic


def test_mosaic_places_each_map_and_its_colours():
    maps = np.zeros((3, 2, 2), np.float32)
    maps[1] = 1.0
    out = mosaic(maps, 2, 0.0, 1.0, TABLES["heat"], (9, 9, 9))
    assert out.shape == (2 * (2 + GAP) - GAP, 2 * (2 + GAP) - GAP, 4)
    assert tuple(out[0, 0, :3]) == tuple(TABLES["heat"][0]) and tuple(out[0, 3, :3]) == tuple(TABLES["heat"][255])
    assert tuple(out[2, 0, :3]) == (9, 9, 9)  # the gap
    assert tuple(out[3, 3, :3]) == (9, 9, 9)  # no fourth map
    # 20 maps of 24x24 (25 with the gap) in 500x200: 7 columns x 3 rows give 2.67 px per pixel (10 x 2: 2.0)
    assert best_columns(20, 24, 24, 500, 200) == 7 and best_columns(20, 24, 24, 200, 500) == 3


def test_heatmap_hover_and_click(qtbot):
    g = HeatmapGrid(label="map")
    qtbot.addWidget(g)
    g.resize(400, 200)
    g.show()
    maps = np.arange(4 * 3 * 3, dtype=np.float32).reshape(4, 3, 3)
    g.set_maps(maps)
    r = g._unit_rect(2)
    at = QPoint(r.left() + 2, r.top() + 2)
    assert g.unit_at(at) == (2, 0, 0) and g.describe(2, 0, 0) == "map 2 · (0, 0): 18"
    with qtbot.waitSignal(g.unit_clicked) as clicked:
        qtbot.mouseClick(g, Qt.MouseButton.LeftButton, pos=at)
    assert clicked.args == [2] and g.selected == 2
    assert g.unit_at(QPoint(-5, -5)) == (-1, -1, -1)
    g.set_maps(-maps)  # negative values: a diverging table, symmetric around zero
    assert g.low == -g.high and g.table is TABLES["signed"]


def test_bar_chart_values_and_hover(qtbot):
    c = BarChart(title="logits")
    qtbot.addWidget(c)
    c.resize(300, 150)
    c.show()
    c.set_values([1.0, -2.0, 3.0], ["a", "b", "c"], fmt="{:+.1f}")
    assert (c.low, c.high) == (-2.0, 3.0)
    x = int(c._plot_rect().left() + c._plot_rect().width() * 2.5 / 3)
    assert c.bar_at(x) == 2 and c.describe(2) == "logits · c: +3.0"
    with qtbot.waitSignal(c.hovered) as hovered:
        QTest.mouseMove(c, QPoint(x, 60))
    assert hovered.args == ["logits · c: +3.0"]
    img = c.grab().toImage()
    assert len({img.pixel(px, py) for px in range(0, 300, 5) for py in range(0, 150, 5)}) > 2


def test_bar_chart_writes_labels_upwards_when_they_are_wider_than_their_bars(qtbot):
    """40 years placed along a direction in a 360-pixel chart: each label is wider than its bar, so they are
    written upwards under the bars (the plot leaves them room); three short labels stay level."""
    c = BarChart(title="cosine with the direction")
    qtbot.addWidget(c)
    c.resize(360, 220)
    c.show()
    c.set_values(np.linspace(-0.2, 0.3, 40), [str(1960 + i) for i in range(40)], mark_top=False)
    upwards, room = c._label_room()
    width = c.fontMetrics().horizontalAdvance("1999")
    assert upwards and room >= width and c._plot_rect().bottom() <= c.height() - width
    strip = c.grab().toImage().copy(0, int(c._plot_rect().bottom()) + 3, 360, int(width))
    assert len({strip.pixel(px, py) for px in range(0, 360, 2) for py in range(0, strip.height(), 2)}) > 1
    c.set_values([1.0, -2.0, 3.0], ["a", "b", "c"])
    assert c._label_room() == (False, c.fontMetrics().height() + 4)
    long = ["internationalisation"] * 20  # very long labels are elided: the bars keep most of the height
    c.set_values(np.ones(20), long)
    assert c._plot_rect().height() > c.height() * 0.4


def test_thumbnails_wrap_and_click(qtbot):
    t = DigitThumbs(size=20)
    qtbot.addWidget(t)
    t.resize(100, 200)
    t.show()
    t.set_digits(np.zeros((9, 28, 28), np.uint8), [str(i) for i in range(9)])
    assert t.heightForWidth(100) > t.heightForWidth(400)
    with qtbot.waitSignal(t.clicked) as clicked:
        qtbot.mouseClick(t, Qt.MouseButton.LeftButton, pos=t.thumb_rect(5).center())
    assert clicked.args == [5]


def test_canvas_strokes_pixels_and_clear(qtbot):
    c = DrawCanvas()
    qtbot.addWidget(c)
    c.resize(280, 280)
    c.show()
    assert c.is_empty() and c.pixels().shape == (SIDE, SIDE) and not c.pixels().any()
    with qtbot.waitSignal(c.stroked):
        QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(140, 140))
    QTest.mouseMove(c, QPoint(200, 140))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 140))
    px = c.pixels()
    assert not c.is_empty() and px[140, 170] == 1.0 and px[10, 10] == 0.0 and px.max() <= 1.0
    c.set_pixels(np.eye(28))
    assert c.pixels()[5, 5] > 0.5 and c.pixels()[5, 250] == 0
    with qtbot.waitSignal(c.cleared):
        c.clear()
    assert c.is_empty()
