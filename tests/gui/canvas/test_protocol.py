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
