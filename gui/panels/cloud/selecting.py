"""Selecting on the cloud: SelectingActions adds the panel's handlers for a box or lasso drawn on the
view (``region_selected``: Shift adds, Ctrl removes) and the grey of unselected points (uses its
session, scene and view). The tool itself is ``session.cloud.select_tool``."""
from __future__ import annotations

import numpy as np

from core.projections.selection import combine
from gui.lifetime import bind

GREY = np.array([0.42, 0.43, 0.45, 0.35], np.float32)  # unselected points, when two or more are selected


def greyed(base: np.ndarray, rows: np.ndarray, selection: tuple[int, ...], on: bool) -> np.ndarray:
    """`base` colours with the points not in `selection` grey (when `on` and two or more are selected)."""
    if not on or len(selection) < 2 or not len(rows):
        return base
    keep = np.isin(rows, np.asarray(selection, np.int64))
    out = base.copy()
    out[~keep] = GREY
    return out


class SelectingActions:
    """Box and lasso selection and the grey of unselected points, for PointCloudPanel."""

    def _init_selecting(self) -> None:
        s, c = self._session, self._session.cloud
        self.view.region_selected.connect(self._on_region_selected)
        for e in (s.events.selection, c.events.grey_unselected):
            bind(self, e, self._recolour)
        bind(self, c.events.select_tool, self._on_select_tool_changed)
        self._on_select_tool_changed()

    def _on_select_tool_changed(self, *_args) -> None:
        self.view.set_select_tool(self._session.cloud.select_tool)

    def _on_region_selected(self, indices: np.ndarray, mode: str) -> None:
        """A box or lasso: the rows of the points inside it replace, join or leave the selection. A lasso
        over nothing leaves a replaced selection empty (and says so)."""
        if self.layout_ is None:
            return
        idx = np.asarray(indices, np.int64)
        rows = self.scene.rows[idx[idx < len(self.scene.rows)]]
        s = self._session
        s.selection = combine(s.selection, rows.tolist(), mode)
        if not len(rows):
            s.status = "the lasso encloses no point" if mode != "remove" else s.status

    def point_colours(self) -> np.ndarray:
        """The scene's colours with the unselected points grey."""
        s = self._session
        return greyed(self.scene.base_colors, self.scene.rows, s.selection, s.cloud.grey_unselected)

    def _recolour(self, *_args) -> None:
        if self.layout_ is None or self._live_drawn or len(self.scene.base_colors) != len(self.scene.rows):
            return
        colours = self.point_colours()
        self.view.set_points(self.scene.display(), colours, self.scene.point_size())
        self.draw_pictures(colours)  # the pictures tinted alike
