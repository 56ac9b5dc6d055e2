"""The names of clusters over the cloud: NameActions adds them to PointCloudPanel (uses its session,
scene, view and layout). A set's first map (opened by the CloudController) is named at the granularity
the zoom asks for (the finest of which at most ON_SCREEN names are in view: fewer, broader ones zoomed
out, finer ones zoomed in); when the cloud is coloured by k-means clusters, the names of those clusters
(any set). Query and neighbour labels come first.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.projections.cluster_names import Clusters
from gui.canvas import colors
from gui.canvas.scene import Label

ON_SCREEN = 25  # at most this many cluster names in view (fewer are drawn where they would overlap)


def level_for(in_view: Sequence[int], on_screen: int = ON_SCREEN) -> int:
    """The finest granularity (broadest first) of which at most `on_screen` names are in view, given how
    many of each are (the broadest when even its names are more)."""
    level = 0
    for i, n in enumerate(in_view):
        if n <= on_screen:
            level = i
    return level


class NameActions:
    """The cluster names of PointCloudPanel (the first map and the k-means clusters: ``session.cloud``)."""

    def _init_names(self) -> None:
        self.name_level = 0  # which of the named granularities is drawn
        self.view.zoom_changed.connect(self._on_zoom_changed)

    # -- names --------------------------------------------------------------------------------
    def named_levels(self) -> tuple[Clusters, ...]:
        """The clusterings whose names can be drawn now, broadest first."""
        c = self._session.cloud
        if c.layout is None:  # between two layouts (a new set, a projection running): nothing to name
            return ()
        if c.color_by == "clusters":
            return (c.clusters,) if c.clusters is not None else ()
        first = c.first_map
        if first is not None and first.shows(c.layout):
            return first.levels
        return tuple(c.named) if c.named is not None else ()

    def name_labels(self) -> list[Label]:
        """The names of the granularity the zoom asks for, largest cluster first, at their anchors."""
        levels = self.named_levels() if self._session.cloud.names else ()
        if not levels:
            return []
        self.name_level = self._level_in_view(levels)
        c = levels[self.name_level]
        out = []
        for i in np.argsort(-c.sizes(), kind="stable").tolist():
            at = self.scene.position(int(c.anchors[i])) if c.anchors[i] >= 0 and c.names[i] else None
            if at is not None:
                out.append(Label(at, c.names[i], colors.CLUSTER_NAME, kind="cluster"))
        return out

    def _level_in_view(self, levels: tuple[Clusters, ...]) -> int:
        lay = self.layout_
        at = [lay.positions(c.anchors[c.anchors >= 0]) for c in levels]
        return level_for([int(self.view.in_view(self.scene.frame.apply(lay.coords[p[p >= 0]])).sum()) for p in at])

    def _on_zoom_changed(self, _zoom: float) -> None:
        levels = self.named_levels()
        if levels and self._level_in_view(levels) != self.name_level:
            self.refresh_overlays()
