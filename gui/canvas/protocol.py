"""The one interface of a point-cloud view. View3D (OpenGL) and View2D (pyqtgraph, for platforms
without OpenGL) both implement it; panels that draw clouds (words, images, trajectories) talk to
this, never to a particular view, and tests check both views against it.

Coordinates are display coordinates (see scene.py): ``pos`` is (n, 3) float32, colours are
(n, 4) RGBA floats in 0..1, segments are (2m, 3) float32 (pairs of line ends).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from PySide6.QtGui import QImage

from gui.canvas.scene import Label


@runtime_checkable
class CloudView(Protocol):
    # signals (Qt): point_clicked(int index), point_hovered(int index, QPoint global position); -1 = none;
    # zoom_changed(float zoom()) when the view was zoomed in or out (by the user or the camera methods);
    # region_selected(indices, mode) when a box or lasso was drawn (mode replace | add | remove)
    point_clicked: object
    point_hovered: object
    zoom_changed: object
    region_selected: object

    def set_points(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray | float) -> None:
        """The cloud: every point, its colour and size (pixels)."""

    def set_sprites(self, pictures: np.ndarray | None, size: float) -> None:
        """The points drawn as pictures facing the camera, `size` pixels a side: one (h, w, 4) RGBA uint8
        picture per point given to set_points (see sprites.py); None draws dots again."""

    def set_density(self, on: bool) -> None:
        """The density view (see density.py): contours and shading in 2D, opacity by local density in 3D."""

    def set_highlight(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray) -> None:
        """Points drawn on top of the cloud (the query, its neighbours, the selection...)."""

    def set_labels(self, labels: list[Label]) -> None:
        """Text at points, in priority order (a label that would overlap an earlier one is skipped;
        cluster names are larger and centred on their point; see label_style)."""

    def set_links(self, segments: np.ndarray, color: tuple) -> None:
        """Thin lines (a word to its true neighbours)."""

    def set_arrows(self, segments: np.ndarray, colors: np.ndarray) -> None:
        """Arrows (word arithmetic), one colour per segment."""

    def set_axes(self, names: tuple[str, str, str]) -> None: ...

    def reset_camera(self) -> None: ...

    def look_at(self, center: np.ndarray, radius: float) -> None: ...

    def camera_orbit(self, degrees: float) -> None: ...

    def camera(self) -> dict: ...

    def set_camera(self, params: dict) -> None:
        """A camera as camera() returned it (a saved view)."""

    def zoom(self) -> float:
        """How far the view is zoomed in: 1 as reset_camera leaves it, 2 when things look twice as large."""

    def in_view(self, pos: np.ndarray) -> np.ndarray:
        """Which of the display positions (n, 3) the view shows now (a bool per position)."""

    def set_select_tool(self, tool: str) -> None:
        """"" (a left drag moves the camera), box or lasso (a left drag selects; Shift adds, Ctrl removes)."""

    def select_region(self, polygon: np.ndarray) -> np.ndarray:
        """Indices of the points inside a polygon (pixels in 3D, view coordinates in 2D)."""

    def pick(self, x: float, y: float) -> int:
        """The index of the point under widget position (x, y), -1 for none."""

    def render_frame(self) -> None:
        """Draw one frame now (timing, screenshots)."""

    def grab_image(self) -> QImage: ...
