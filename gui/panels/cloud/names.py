"""A set's first map and the names of clusters over the cloud: NameActions adds them to
PointCloudPanel (uses its session, runner, controls, scene, view and layout).

* A set stored with a first map (core.projections.first_map: the bundled GloVe) opens on it:
  the method becomes UMAP and the stored layout is shown at once; no projection runs. PCA and
  the other methods stay a click away. A set without one that arrives while the cloud shows UMAP
  only because of a first map goes back to PCA. Once the user picks a method, it is kept.
* Names: on a first map, its clusters at the granularity the zoom asks for (the finest of which at
  most ON_SCREEN names are in view: fewer, broader ones zoomed out, finer ones zoomed in); when the
  cloud is coloured by k-means clusters, the names of those clusters (any set). Query and neighbour
  labels come first.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.projections import cache as projection_cache
from core.projections import first_map
from core.projections.align import align_layout
from core.projections.cluster_names import Clusters, named_clusters
from core.projections.layout import resolve_params
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
    """The first map and cluster names of PointCloudPanel."""

    def _init_names(self) -> None:
        self.first_map: first_map.FirstMap | None = None  # the open set's, when it has one
        self.clusters: Clusters | None = None  # the k-means clusters the cloud is coloured by
        self.name_level = 0  # which of the named granularities is drawn
        self._user_method = False  # the user picked a method: first maps no longer change it
        self._switching = False  # the panel itself is changing the method
        self.view.zoom_changed.connect(self._on_zoom_changed)
        self.controls.names.toggled.connect(self.refresh_overlays)

    def _on_method_changed(self) -> None:
        if not self._switching:
            self._user_method = True

    def _switch_method(self, method: str) -> None:
        self._switching = True
        try:
            self._session.cloud.method = method
        finally:
            self._switching = False

    def _open_set(self) -> None:
        """A new set: its first map at once when it has one and the settings allow it, else project."""
        es, c = self._session.embeddings, self._session.cloud
        first = self.first_map = first_map.find(es)
        if first is not None and (c.method == "umap" or not self._user_method) \
                and c.point_count == len(first.layout.rows):
            self._switch_method("umap")
            if resolve_params("umap", c.params) == first.layout.params:
                # Run with these settings finds it too (unless words outside it are in use)
                projection_cache.remember(es, first.layout.rows, "umap", first.layout.params, first.layout)
                ref = self._reference
                self.set_layout(align_layout(first.layout, es.words, ref[1], ref[0]) if ref else first.layout)
                return
        elif first is None and not self._user_method and c.method == "umap":
            self._switch_method("pca")
        self.run_projection()

    # -- k-means colours ------------------------------------------------------------------
    def _on_clusters_changed(self) -> None:
        self.cluster_labels, self.clusters = None, None
        self._on_color_by_changed()

    def _start_clusters(self) -> None:
        lay, es = self.layout_, self._session.embeddings
        if self._session.cloud.color_by != "clusters" or lay is None or self.cluster_labels is not None:
            return
        k = self.controls.clusters.value()
        stored = self.first_map.level(k) if self.first_map is not None and self.first_map.shows(lay) else None
        if stored is not None:
            self._on_clusters(stored)
            return
        self._runner.run("cloud.clusters", lambda: named_clusters(es, lay, k), self._on_clusters, label="k-means",
                         on_error=self._on_error)

    def _on_clusters(self, clusters: Clusters) -> None:
        if self.layout_ is None or len(clusters.labels) != len(self.layout_.rows):
            return  # computed for a layout no longer shown
        self.clusters, self.cluster_labels = clusters, clusters.labels
        self._rebuild_points()
        self.refresh_overlays()

    # -- names --------------------------------------------------------------------------------
    def named_levels(self) -> tuple[Clusters, ...]:
        """The clusterings whose names can be drawn now, broadest first."""
        if self._session.cloud.color_by == "clusters":
            return (self.clusters,) if self.clusters is not None else ()
        first = self.first_map
        return first.levels if first is not None and first.shows(self.layout_) else ()

    def name_labels(self) -> list[Label]:
        """The names of the granularity the zoom asks for, largest cluster first, at their anchors."""
        levels = self.named_levels() if self.controls.names.isChecked() else ()
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
