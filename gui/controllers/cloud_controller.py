"""The cloud's jobs (``session.cloud``): the projection of the most frequent words plus the words in use,
the placement of words outside it (and of the arithmetic target), k-means colours, trustworthiness, the
true-neighbour lines of a selection, probes and exports. Each kind runs on its own RoomJob (kinds in
core.projections.cloud_jobs.KINDS); results are written into the CloudState, which the cloud panel shows.

* A set stored with a first map (core.projections.first_map: the bundled GloVe) opens on it: the method
  becomes UMAP and the stored layout is published at once; no projection runs. A set without one that
  arrives while the cloud shows UMAP only because of a first map goes back to PCA. Once the user picks
  a method, it is kept.
* PCA and word axes rerun on every change of the settings; t-SNE and UMAP wait for Run (``run``) and
  mark the layout ``stale`` meanwhile. t-SNE streams its intermediate layouts into ``live``.
* A new set's first layout is turned onto the previous set's (core/projections/align.py).
* Nothing is projected until a cloud panel exists (``cloud.active``).
* Level of detail: a layout of more than DENSITY_ABOVE points (all 400,000 GloVe words) switches the density
  view on, so the points that pile up fade into a shade instead of one blob; a smaller one switches it off
  again if it was switched on so. Once the user sets the density box, it is theirs.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer

from core.progress import run_sync
from core.projections import cache as projection_cache
from core.projections import first_map
from core.projections.align import align_layout
from core.projections.cloud_jobs import (
    KINDS,
    ExportRequest,
    LiveProjection,
    Placed,
    overlay_job,
    placement_job,
    probe_job,
    projection_job,
    projector_tsv_job,
)
from core.projections.cluster_names import Clusters, name_column, named_clusters, named_levels
from core.projections.export import write_layout_csv
from core.projections.layout import MAX_POINTS, METHOD_LABELS, Layout, point_rows, resolve_params
from core.projections.placement import method_for
from core.projections.quality import trustworthiness
from core.projections.selection import export as export_selection
from core.state.cloud_roles import arithmetic_key, roles_of
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

DENSITY_ABOVE = 50_000  # a layout of more points is shaded by density (level of detail), unless the user chose
AUTO_RUN = ("pca", "axes")  # fast enough to rerun on every change; t-SNE/UMAP wait for Run
NOT_READY = "nothing to export yet: the new set's projection is still running"


class CloudController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session, c = session, session.cloud
        self.projection = RoomJob(runner, "cloud.projection", c, parent=self)  # Cancel: cloud.cancel
        self.jobs = {kind: RoomJob(runner, kind, parent=self) for kind in KINDS if kind != "cloud.projection"}
        self._reference: tuple[list[str], Layout] | None = None  # the new set's first layout is turned onto it
        self._last: tuple[list[str], Layout] | None = None  # the open set's words and its last layout
        self._user_method = False  # the user picked a method: first maps no longer change it
        self._switching = False  # this controller is changing the method
        self._density_auto = False  # the density view is on because the layout is large
        self._density_chosen = False  # the user set the density box: it is no longer switched for them
        self._setting_density = False  # this controller is setting it
        self.projection.finished.connect(self._on_projection_finished)
        bind(self, runner.intermediate, self._on_intermediate)
        ev, cev = session.events, c.events
        bind(self, ev.embeddings, self._on_embeddings_changed)
        bind(self, cev.active, self._on_active_changed)
        bind(self, cev.method, self._on_method_changed)
        for e in (cev.point_count, cev.method, cev.params):
            bind(self, e, self._on_settings_changed)
        bind(self, cev.run, self.run_projection)
        bind(self, cev.isolated, self._on_isolated_changed)
        bind(self, cev.export_selection, self._on_export_selection)
        bind(self, cev.color_by, self._start_clusters)
        bind(self, cev.clusters_k, self._on_clusters_k_changed)
        bind(self, cev.names, self._start_names)
        bind(self, cev.layout, self._on_layout_changed)
        bind(self, cev.density, self._on_density_changed)
        bind(self, cev.probes, self._request_probes)
        bind(self, cev.export, self._on_export)
        for e in (ev.selection, session.neighbours.events.lookup, session.arithmetic.events.outcome, cev.marked,
                  cev.true_neighbours):
            bind(self, e, self._on_selection_changed)
        self._on_active_changed()

    # -- the set and the settings -----------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        self.projection.stop()
        for job in self.jobs.values():  # results for the previous set are of no use
            job.stop()
        if self._last is not None:
            self._reference, self._last = self._last, None
        c, es = self._session.cloud, self._session.embeddings
        c.live, c.first_map, c.stale, c.problem = None, None, False, ""
        if c.color_by.startswith("meta:") and (es is None or c.color_by[5:] not in es.metadata):
            c.color_by = "frequency"  # a column of the set before (the digits' label): not one a saved view should keep
        self._clear_results()
        c.placed_probes = ()
        if self._session.embeddings is not None and c.active:
            self._open_set()

    def _on_layout_changed(self) -> None:
        self._request_probes()
        if self._session.cloud.layout is None and self._last is not None:
            QTimer.singleShot(0, self._restore_layout)

    def _restore_layout(self) -> None:
        """The open set given again (set_embeddings with the same set cleared the layout): show its last."""
        es, c, last = self._session.embeddings, self._session.cloud, self._last
        if c.layout is None and last is not None and es is not None and last[0] is es.words \
                and not self.projection.running:
            c.layout = last[1]

    def _on_active_changed(self) -> None:
        c = self._session.cloud
        if c.active and self._session.embeddings is not None and c.layout is None and not self.projection.running:
            self._open_set()

    def _open_set(self) -> None:
        """A new set: its first map at once when it has one and the settings allow it, else project."""
        es, c = self._session.embeddings, self._session.cloud
        first = c.first_map = first_map.find(es)
        if first is not None and (c.method == "umap" or not self._user_method) \
                and c.point_count == len(first.layout.rows):
            self._switch_method("umap")
            if resolve_params("umap", c.params) == first.layout.params:
                # Run with these settings finds it too (unless words outside it are in use)
                projection_cache.remember(es, first.layout.rows, "umap", first.layout.params, first.layout)
                ref = self._reference
                self._publish(align_layout(first.layout, es.words, ref[1], ref[0]) if ref else first.layout)
                return
        elif first is None and not self._user_method and c.method == "umap":
            self._switch_method("pca")
        self.run_projection()

    def _on_method_changed(self) -> None:
        if not self._switching:
            self._user_method = True

    def _switch_method(self, method: str) -> None:
        self._switching = True
        try:
            self._session.cloud.method = method
        finally:
            self._switching = False

    def _on_settings_changed(self) -> None:
        c = self._session.cloud
        if self._switching or not c.active:  # the controller chose the method for a set it is opening
            return
        if c.method in AUTO_RUN:
            self.run_projection()
        elif c.layout is not None:
            c.stale = True

    # -- the projection --------------------------------------------------------------------
    def run_projection(self) -> None:
        s, es, c = self._session, self._session.embeddings, self._session.cloud
        if es is None:
            return
        cap = MAX_POINTS[c.method] or len(es)
        if c.isolated:  # Isolate: the selection alone (the projection refuses too few or too many)
            rows = np.unique(np.asarray(c.isolated, np.int64))
            rows = rows[(rows >= 0) & (rows < len(es))]
        else:
            rows = point_rows(es, min(c.point_count, cap), roles_of(s).all_rows())
        method, params, ref, label = c.method, c.params, self._reference, METHOD_LABELS[c.method]
        capped = f" ({label} takes at most {cap:,})" if c.point_count > cap and not c.isolated else ""
        c.live = LiveProjection(method, rows)
        self.projection.start(lambda: projection_job(es, rows, method, params, ref), self._publish,
                              label=f"{label} projection", message=f"{label} of {len(rows):,} points{capped}: running…")

    def _on_isolated_changed(self) -> None:
        """Isolate (or Back): project the new point set at once, whatever the method."""
        if self._session.cloud.active:
            self.run_projection()

    def _on_export_selection(self) -> None:
        es, c, req = self._session.embeddings, self._session.cloud, self._session.cloud.export_selection
        if req is None or es is None:
            return
        kind, path = req
        rows = list(self._session.selection)
        c.saved = ""
        self.jobs["cloud.export"].start(lambda: export_selection(es, rows, path, kind), self._on_selection_saved,
                                        label="exporting the selection", on_error=self._on_problem)
        c.export_selection = None  # the same request asked again is news

    def _on_selection_saved(self, path) -> None:
        self._session.cloud.saved = f"Saved {len(self._session.selection):,} words to {path}"

    def _on_intermediate(self, kind: str, payload: object) -> None:
        """t-SNE's layout while it optimises (no placement or overlays for it)."""
        c = self._session.cloud
        live = c.live
        if kind != "cloud.projection" or live is None or np.shape(payload) != (len(live.rows), 3):
            return
        if live.coords is None:  # the target and the probes were placed in the previous layout
            c.target, c.placed_probes = None, ()
        c.live = LiveProjection(live.method, live.rows, np.asarray(payload, np.float32))

    def _on_projection_finished(self) -> None:
        """A projection that ended without a result (cancelled, failed): the last layout is shown again."""
        c = self._session.cloud
        if c.live is None:
            return
        c.live = None
        if c.layout is not None:
            self._request_probes()
            self._request_placement()

    def _publish(self, layout: Layout) -> None:
        """A finished layout: on show, then everything derived from it."""
        s, c = self._session, self._session.cloud
        self._reference = None  # only a new set's first layout is turned onto the previous set's
        for kind in ("cloud.placement", "cloud.overlay", "cloud.clusters", "cloud.trust", "cloud.names"):
            self.jobs[kind].stop()
        self._clear_results()
        c.stale, c.problem = False, ""
        self._last = (s.embeddings.words, layout)
        self._level_of_detail(len(layout.rows))  # before the layout: its points are shaded once, when drawn
        c.layout = layout
        c.live = None
        self._start_clusters()
        self._start_names()
        self._on_selection_changed()  # placement and the overlay
        es = s.embeddings
        self.jobs["cloud.trust"].start(lambda: trustworthiness(es, layout), self._on_trust, label="trustworthiness")

    def _level_of_detail(self, n: int) -> None:
        """The density view on for a layout of more than DENSITY_ABOVE points, off again for a smaller one
        (only if switched on here; never once the user chose)."""
        c = self._session.cloud
        want = n > DENSITY_ABOVE
        if self._density_chosen or want == c.density or not (want or self._density_auto):
            return
        self._setting_density = True
        try:
            c.density = want
        finally:
            self._setting_density = False
        self._density_auto = want

    def _on_density_changed(self) -> None:
        if not self._setting_density:
            self._density_chosen, self._density_auto = True, False

    def _clear_results(self) -> None:
        c = self._session.cloud
        c.placed, c.links, c.target, c.overlay, c.clusters, c.trust = {}, (), None, (), None, None
        c.named = None

    def _on_trust(self, result: tuple[float, int]) -> None:
        self._session.cloud.trust = result

    def _on_problem(self, exc: BaseException) -> None:
        self._session.cloud.problem = str(exc)

    # -- k-means colours ------------------------------------------------------------------
    def _on_clusters_k_changed(self) -> None:
        self._session.cloud.clusters = None
        self._start_clusters()

    def _start_clusters(self) -> None:
        es, c = self._session.embeddings, self._session.cloud
        lay = c.layout
        if c.color_by != "clusters" or lay is None or c.clusters is not None:
            return
        k = c.clusters_k
        stored = c.first_map.level(k) if c.first_map is not None and c.first_map.shows(lay) else None
        if stored is not None:
            self._on_clusters(stored)
            return
        self.jobs["cloud.clusters"].start(lambda: named_clusters(es, lay, k), self._on_clusters, label="k-means",
                                          on_error=self._on_problem)

    # -- names of a layout no first map names --------------------------------------------------
    def _start_names(self) -> None:
        """k-means at 12, 40 and 120 clusters of the layout on show, named by their central members (or by
        the majority value of the set's label column): the names the zoom picks from."""
        es, c = self._session.embeddings, self._session.cloud
        lay = c.layout
        if not c.names or lay is None or es is None or c.named is not None \
                or (c.first_map is not None and c.first_map.shows(lay)):
            return
        column = name_column(es.metadata, c.color_by)
        self.jobs["cloud.names"].start(lambda: named_levels(es, lay, column=column), self._on_named,
                                       label="naming clusters", on_error=self._on_problem)

    def _on_named(self, levels: tuple[Clusters, ...]) -> None:
        lay = self._session.cloud.layout
        if lay is not None and levels and len(levels[0].labels) == len(lay.rows):
            self._session.cloud.named = levels

    def _on_clusters(self, clusters: Clusters) -> None:
        lay = self._session.cloud.layout
        if lay is not None and len(clusters.labels) == len(lay.rows):  # else computed for a layout gone
            self._session.cloud.clusters = clusters

    # -- words placed into the layout, true-neighbour lines ---------------------------------------
    def shown_rows(self) -> np.ndarray:
        """The rows on show: the layout's, then the words placed into it (the panel's order)."""
        c = self._session.cloud
        if not c.placed:
            return c.layout.rows
        placed = np.fromiter(c.placed, np.int64, len(c.placed))
        return np.concatenate([c.layout.rows, placed[c.layout.positions(placed) < 0]])

    def _request_placement(self) -> None:
        s, es, c = self._session, self._session.embeddings, self._session.cloud
        lay = c.layout
        if lay is None or es is None:
            return
        roles = roles_of(s)
        rows = roles.all_rows()
        outside = np.asarray(rows, np.int64)[lay.positions(rows) < 0].tolist() if rows else []
        want = [r for r in outside if r not in c.placed]
        key = arithmetic_key(s)
        need_target = s.arithmetic.result is not None and (c.target is None or c.target[0] != key)
        if not want and not need_target:
            return
        target = s.arithmetic.result.target if need_target else None
        job = lambda: placement_job(es, lay, want, roles.linked_rows(), target, key)  # noqa: E731
        self.jobs["cloud.placement"].start(job, self._on_placed, label="placing words")

    def _on_placed(self, placed: Placed) -> None:
        c = self._session.cloud
        c.placed = {**c.placed, **placed.placement.as_dict()}
        c.links = tuple(dict.fromkeys((*c.links, *(tuple(link) for link in placed.placement.links))))
        if placed.target is not None:
            c.target = (placed.target_key, placed.target)
        self._request_placement()  # anything that changed while it ran

    def _on_selection_changed(self) -> None:
        """True-neighbour lines: the query's come from its lookup; other selected words on show (not the
        query's neighbours) get their nearest points on show, computed in the background."""
        s, c = self._session, self._session.cloud
        if c.layout is None:
            return
        self._request_placement()
        roles = roles_of(s).rows
        skip = set(roles.get("query", []) + roles.get("neighbour", []))
        c.overlay = ()
        wanted = [r for r in s.selection if r not in skip] if c.true_neighbours else []
        if not wanted:
            return
        inside = (c.layout.positions(wanted) >= 0).tolist()  # no set of 400,000 rows on the GUI thread
        sel = [r for r, ok in zip(wanted, inside) if ok or r in c.placed]
        if sel:
            es, shown = s.embeddings, self.shown_rows()
            self.jobs["cloud.overlay"].start(lambda: overlay_job(es, sel, shown, k=5), self._on_overlay,
                                             label="true neighbours")

    def _on_overlay(self, pairs: list[tuple[int, int]]) -> None:
        self._session.cloud.overlay = tuple(pairs)

    # -- probes --------------------------------------------------------------------------------
    def _request_probes(self) -> None:
        """Place ``probes`` into the layout on show: at once when exact (microseconds), else on the runner,
        where a newer request supersedes an older one (placement keeps up with a stream of probes)."""
        es, c = self._session.embeddings, self._session.cloud
        lay, probes, job = c.layout, c.probes, self.jobs["cloud.probes"]
        if lay is None or es is None or not probes:
            job.stop()
            c.placed_probes = ()
        elif method_for(lay) == "exact":
            job.stop()
            c.placed_probes = tuple(run_sync(probe_job(es, lay, probes)))
        else:
            job.start(lambda: probe_job(es, lay, probes), self._on_probes_placed, label="placing probes")

    def _on_probes_placed(self, placed: list) -> None:
        self._session.cloud.placed_probes = tuple(placed)

    # -- exports -------------------------------------------------------------------------------
    def _on_export(self) -> None:
        """CSV at once; Projector TSV in the background (large point sets take seconds)."""
        es, c = self._session.embeddings, self._session.cloud
        req: ExportRequest | None = c.export
        if req is None:
            return
        if c.layout is None:  # the points on screen are still the previous set's
            c.problem = NOT_READY
        elif req.kind == "csv":
            try:
                write_layout_csv(es, req.rows, req.coords, req.path, extra_columns=req.extra)
            except OSError as exc:  # a full or read-only disk, a folder where the file goes
                c.problem = f"could not export: {exc.strerror or exc}"
        else:
            self.jobs["cloud.export"].start(
                lambda: projector_tsv_job(es, req.rows, req.coords, req.extra, req.path),
                label="exporting Projector TSV", on_error=self._on_problem)
