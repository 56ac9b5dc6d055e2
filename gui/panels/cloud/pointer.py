"""What a click or a hover on a point of the cloud does: PointerActions adds the panel's handlers
(uses its session, scene, layout and view)."""
from __future__ import annotations

from PySide6.QtWidgets import QToolTip

from gui.panels.cloud import overlays


class PointerActions:
    """Point clicks and hovers of PointCloudPanel."""

    def _row_at(self, index: int) -> int:
        """The set's row of a point on screen, or -1 (none; or the points are still the previous set's)."""
        ok = self.layout_ is not None and 0 <= index < len(self.scene.rows)
        return int(self.scene.rows[index]) if ok else -1

    def _on_point_clicked(self, index: int) -> None:
        row = self._row_at(index)
        if row >= 0:
            self._session.selection = (row,)
            self._session.neighbours.query = self.scene.words[row]

    def _on_point_hovered(self, index: int, at) -> None:
        row = self._row_at(index)
        self._session.hover = row
        if row < 0:
            QToolTip.hideText()
            return
        tip = overlays.tooltip_html(self._session.embeddings, row, bool(self.scene.placed[index]),
                                    self._placement_method())
        QToolTip.showText(at, self.picture_tip(row) + tip, self.view)
