"""Both cloud views implement the one view protocol (gui/canvas/protocol.py) with the same signatures."""
from __future__ import annotations

import inspect

from gui.canvas.protocol import CloudView
from gui.canvas.view_2d import View2D
from gui.canvas.view_3d import View3D

METHODS = [name for name, v in vars(CloudView).items() if callable(v) and not name.startswith("_")]


def test_both_views_implement_every_method_with_compatible_parameters():
    assert len(METHODS) >= 12
    for cls in (View2D, View3D):
        for name in METHODS:
            impl = getattr(cls, name, None)
            assert callable(impl), f"{cls.__name__} lacks {name}"
            want = list(inspect.signature(getattr(CloudView, name)).parameters)
            have = list(inspect.signature(impl).parameters)
            assert have[: len(want)] == want, (cls.__name__, name, have, want)
        assert hasattr(cls, "point_clicked") and hasattr(cls, "point_hovered") and hasattr(cls, "zoom_changed")


def test_a_view_instance_is_a_cloud_view(qtbot):
    v = View2D()
    qtbot.addWidget(v)
    assert isinstance(v, CloudView)


def test_the_2d_views_axes_write_coordinates_as_they_are(qtbot):
    """Coordinates have no unit: pyqtgraph's SI prefix wrote 0.6 as 600 with "(x0.001)" after the name."""
    import numpy as np

    v = View2D()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    v.set_axes(("PC1 (54.0%)", "PC2 (10.1%)", "PC3"))
    pts = np.array([[-1.0, -0.4, 0], [0.1, 0.6, 0], [0, 0, 0]], np.float32)
    v.set_points(pts, np.ones((3, 4), np.float32), 4)
    v.plot.setYRange(-0.45, 0.65, padding=0)  # zoomed in on the points (Focus, the wheel)
    qtbot.wait(50)
    for side in ("left", "bottom"):
        axis = v.plot.getAxis(side)
        assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString(), axis.labelString()
