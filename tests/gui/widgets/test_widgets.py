"""Small widgets: the lazy progress bar."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject

from gui.widgets.line_chart import LineChart, nice_ticks
from gui.widgets.progress_bar import BUSY_STEP_MS, LazyProgressBar


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_progress_bar_paints_later_and_rarely(qtbot):
    bar = LazyProgressBar(maximum=1000, text_visible=True)
    qtbot.addWidget(bar)
    counter = PaintCounter()
    bar.installEventFilter(counter)
    bar.show()
    qtbot.waitExposed(bar)
    qtbot.wait(50)
    before = counter.count
    for v in range(0, 1000, 10):  # a hundred reports: no paint until the event loop runs
        bar.setValue(v)
    assert counter.count == before and bar.value() == 990 and bar.text() == "99 %"
    qtbot.waitUntil(lambda: counter.count > before)
    assert counter.count - before <= 2

    bar.setRange(0, 0)  # busy: the block steps BUSY_STEP_MS apart, not at the style's 60 fps
    assert bar.is_busy() and bar.text() == ""
    qtbot.wait(50)
    start = counter.count
    qtbot.wait(6 * BUSY_STEP_MS)
    steps = counter.count - start
    assert 3 <= steps <= 8, steps
    bar.hide()  # a hidden bar stops its timer
    qtbot.wait(50)
    hidden = counter.count
    qtbot.wait(3 * BUSY_STEP_MS)
    assert counter.count == hidden


def test_line_chart_leaves_out_points_it_cannot_draw(qtbot):
    """NaN (a cosine of a zero vector) and, on a log axis, values <= 0 are left out; a line of only such
    values paints as no line."""
    linear, log = LineChart(), LineChart(log_y=True)
    for chart in (linear, log):
        qtbot.addWidget(chart)
        chart.show()
        chart.set_lines({"a": ([0, 1, 2], [np.nan, 0.0, 0.5], (200, 0, 0), False),
                         "b": ([0, 1], [np.nan, np.nan], (0, 0, 200), True)}, x_range=(0, 2), y_range=(0.1, 1))
        chart.grab()
    assert linear.data("a")[1].tolist() == [0.0, 0.5] and log.data("a")[1].tolist() == [0.5]
    assert len(linear.data("b")[0]) == 0 and len(log.data("b")[0]) == 0


def test_chart_ticks_are_round_and_as_fine_as_fit():
    assert nice_ticks(0.55, 1.02, 3) == [0.6, 0.8, 1.0]
    assert nice_ticks(-0.4, 0.25, 4) == [-0.4, -0.2, 0.0, 0.2]
    assert nice_ticks(0, 30, 6) == [0, 10, 20, 30]
    assert nice_ticks(1.0, 1.0) == [1.0] and nice_ticks(float("nan"), 1.0) == []
