"""The live point cloud: projections of the most frequent words, linked to the Session.

Shows the N most frequent words (session.cloud.point_count) plus the query, its
neighbours and the current expression's words and result; words outside the
projection are placed into it (core.projections.placement). A click selects a
word (session.selection and the neighbours' query); Session changes highlight points,
label them and draw lines to their true neighbours and the arithmetic arrows.
Everything slow runs on the TaskRunner (kinds in gui.cloud.jobs.KINDS);
t-SNE streams intermediate layouts into the view as it optimises.
Without OpenGL (the offscreen platform) a 2D view of the first two axes is used; the panel
talks to either through the one view protocol (gui/canvas/protocol.py).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from core.projections.layout import MAX_POINTS, METHOD_LABELS, Layout, point_rows
from core.projections.placement import method_for
from core.projections.quality import trustworthiness
from core.state.session import Session
from gui.canvas import arrows, colors
from gui.canvas.protocol import CloudView
from gui.canvas.scene import CloudScene, Label
from gui.canvas.view_2d import View2D
from gui.canvas.view_3d import View3D, gl_available
from gui.lifetime import bind
from gui.panels.cloud import export, overlays
from gui.panels.cloud.controls import CloudControls
from gui.panels.cloud.jobs import KINDS, Placed, arithmetic_key, overlay_job, placement_job, projection_job, roles_of
from gui.panels.cloud.names import NameActions
from gui.panels.cloud.pointer import PointerActions
from gui.panels.cloud.probes import Probes
from gui.task_runner import TaskRunner

AUTO_RUN = ("pca", "axes")  # fast enough to rerun on every change; t-SNE/UMAP wait for Run


class PointCloudPanel(export.ExportActions, PointerActions, NameActions, QWidget):
    def __init__(self, session: Session, runner: TaskRunner, parent: QWidget | None = None, *,
                 view: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("point_cloud")
        self._session, self._runner = session, runner
        self.view: CloudView = view if view is not None else (View3D() if gl_available() else View2D())
        self.is_3d = isinstance(self.view, View3D)
        self.controls = CloudControls(session)
        self.notice = QLabel("OpenGL is not available on this platform: showing a 2D view of the first two "
                             "projected axes.", objectName="cloud_notice", wordWrap=True, visible=not self.is_3d)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.controls, 0), (self.notice, 0), (self.view, 1)):
            lay.addWidget(w, stretch)
        self.scene = CloudScene()
        self.layout_: Layout | None = None  # the finished projection on screen
        self.placed: dict[int, np.ndarray] = {}
        self.links: list[tuple[int, int]] = []  # placed word -> its true neighbours
        self.overlay: list[tuple[int, int]] = []  # selected word -> its true neighbours among the points
        self.target: tuple[str, np.ndarray] | None = None
        self.cluster_labels: np.ndarray | None = None
        self.trust: tuple[float, int] | None = None
        self._live_rows: np.ndarray | None = None  # rows of the projection running now
        self.probes = Probes(session, runner, self.refresh_overlays)  # vectors placed live (session.cloud.probes)
        # the last layout shown and its set's words: a new set's layout is rotated onto it (align.py)
        self._reference: tuple[list[str], Layout] | None = None
        self._overlays_due = False  # a refresh of the overlays is queued for this event-loop turn
        self._init_names()

        self.controls.run_requested.connect(self.run_projection)
        self.controls.cancel_requested.connect(lambda: runner.cancel("cloud.projection"))
        self.controls.reset_camera_requested.connect(self.view.reset_camera)
        self.controls.focus_requested.connect(self.focus_highlights)
        self.controls.export_requested.connect(self._ask_export)
        self.controls.overlay_changed.connect(self._on_selection_changed)
        self.controls.clusters_changed.connect(self._on_clusters_changed)
        self.view.point_clicked.connect(self._on_point_clicked)
        self.view.point_hovered.connect(self._on_point_hovered)
        bind(self, runner.intermediate, self._on_intermediate)
        bind(self, runner.progress, self._on_progress)
        bind(self, runner.finished, self._on_job_finished)
        ev, cloud = session.events, session.cloud.events
        bind(self, ev.embeddings, self._on_embeddings_changed)
        bind(self, cloud.method, self._on_method_changed)
        for e in (cloud.point_count, cloud.method, cloud.params):
            bind(self, e, self._on_projection_settings_changed)
        bind(self, cloud.color_by, self._on_color_by_changed)
        bind(self, cloud.probes, lambda *_: self.probes.request(self.layout_))
        for e in (ev.selection, session.neighbours.events.lookup, session.arithmetic.events.outcome, cloud.marked):
            bind(self, e, self._on_selection_changed)
        bind(self, ev.hover, self.refresh_overlays)
        bind(self, cloud.polylines, self.refresh_overlays)
        self._on_embeddings_changed()

    def _on_embeddings_changed(self) -> None:
        self._live_rows = None  # the previous set's projection: cancelling it must not redraw its layout
        for kind in KINDS:  # results for the previous set are of no use
            self._runner.cancel(kind)
        es = self._session.embeddings
        if self.layout_ is not None:
            self._reference = (self.scene.words, self.layout_)
        self.layout_, self.placed, self.links, self.overlay, self.cluster_labels = None, {}, [], [], None
        self.clusters = self.first_map = None
        self.controls.set_metadata_columns(sorted(es.metadata) if es is not None else [])
        self.scene.words = es.words if es is not None else []
        if es is not None:
            self._open_set()  # its first map, or a projection

    def _on_projection_settings_changed(self) -> None:
        if self._switching:  # the panel chose the method for a set it is opening
            return
        if self._session.cloud.method in AUTO_RUN:
            self.run_projection()
        elif self.layout_ is not None:
            self.controls.note.setText(self._note() + " — settings changed: press Run")

    def _note(self) -> str:
        return overlays.note_text(self.layout_, len(self.placed), self._placement_method())

    def run_projection(self) -> None:
        s, es, c = self._session, self._session.embeddings, self._session.cloud
        if es is None:
            return
        cap = MAX_POINTS[c.method] or len(es)
        rows = point_rows(es, min(c.point_count, cap), roles_of(s).all_rows())
        method, params = c.method, c.params
        self.controls.set_busy(True, 0.0, f"{METHOD_LABELS[method]} of {len(rows):,} points")
        capped = f" ({METHOD_LABELS[method]} takes at most {cap:,})" if c.point_count > cap else ""
        self.controls.note.setText(f"{METHOD_LABELS[method]} of {len(rows):,} points{capped}: running…")
        self._live_rows = rows
        if method in ("tsne", "umap"):
            self.view.set_axes(tuple(f"{METHOD_LABELS[method]} {i}" for i in (1, 2, 3)))
        ref = self._reference
        self._runner.run("cloud.projection", lambda: projection_job(es, rows, method, params, ref),
                         self.set_layout, label=f"{METHOD_LABELS[method]} projection",
                         on_error=self._on_error)

    def _on_progress(self, kind: str, fraction: float, message: str) -> None:
        if kind == "cloud.projection":
            self.controls.set_busy(True, fraction, message)
            self.controls.note.setText(message)

    def _on_error(self, exc: BaseException) -> None:
        self.controls.note.setText(f"<span style='color:#ff6e6e'>{exc}</span>")

    def _on_job_finished(self, kind: str) -> None:
        """A projection that ended without a result (cancelled, failed): show the last finished layout again."""
        if kind != "cloud.projection":
            return
        self.controls.set_busy(False)
        if self._live_rows is not None and self.layout_ is not None:
            self._live_rows = None
            self.view.set_axes(self.layout_.axis_labels)
            self._rebuild_points(refit=True)
            self.probes.request(self.layout_)
            self.refresh_overlays()

    @qthrottled(timeout=100)
    def _on_intermediate(self, kind: str, payload: object) -> None:
        """t-SNE's layout while it optimises: move the points (no placement or overlays yet)."""
        rows = self._live_rows
        if kind != "cloud.projection" or rows is None or np.shape(payload) != (len(rows), 3):
            return
        self.scene.framed = 0.99
        self.scene.set_points(rows, np.asarray(payload, np.float32))
        self.scene.base_colors = colors.frequency(rows, len(self.scene.words))
        self.view.set_points(self.scene.display(), self.scene.base_colors, self.scene.point_size())
        self.target, self.probes.placed = None, []  # they were placed in the previous layout
        self.refresh_overlays()

    def set_layout(self, layout: Layout) -> None:
        self._live_rows = None  # a throttled intermediate layout arriving late is dropped
        self._reference = None  # only a new set's first layout is aligned to the previous set's
        self.layout_, self.placed, self.links, self.target, self.trust = layout, {}, [], None, None
        self.cluster_labels = self.clusters = None
        self._session.cloud.layout = layout
        self.view.set_axes(layout.axis_labels)
        self.controls.note.setText(self._note())
        self._rebuild_points(refit=True)
        self._start_clusters()
        self._request_placement()
        self.probes.request(layout)
        self._on_selection_changed()
        es = self._session.embeddings
        self._runner.run("cloud.trust", lambda: trustworthiness(es, layout), self._on_trust, label="trustworthiness")

    def _on_trust(self, result: tuple[float, int]) -> None:
        self.trust = result
        self.controls.quality.setText(f"trustworthiness {result[0]:.3f} (k=10, {result[1]:,} points)")
        self.controls.note.setText(self._note())

    def _placement_method(self) -> str:
        return method_for(self.layout_) if self.layout_ is not None else ""

    def _rebuild_points(self, refit: bool = False) -> None:
        lay = self.layout_
        if lay is None:
            return
        self.scene.framed = float(lay.info.get("framed", 0.99))
        self.scene.set_layout(lay.rows, lay.coords, self.placed, refit=refit)
        rows = self.scene.rows
        self.scene.base_colors = overlays.point_colors(self._session.embeddings, self._session.cloud.color_by, rows,
                                                     self.cluster_labels)
        self.view.set_points(self.scene.display(), self.scene.base_colors, self.scene.point_size())

    def _on_color_by_changed(self) -> None:
        self._start_clusters()
        self._rebuild_points()
        self.refresh_overlays()

    def _request_placement(self) -> None:
        lay, es, s = self.layout_, self._session.embeddings, self._session
        if lay is None or es is None:
            return
        roles = roles_of(s)
        rows = roles.all_rows()
        outside = np.asarray(rows, np.int64)[lay.positions(rows) < 0].tolist() if rows else []
        want = [r for r in outside if r not in self.placed]
        key = arithmetic_key(s)
        need_target = s.arithmetic.result is not None and (self.target is None or self.target[0] != key)
        if not want and not need_target:
            return
        target = s.arithmetic.result.target if need_target else None
        job = lambda: placement_job(es, lay, want, roles.linked_rows(), target, key)  # noqa: E731
        self._runner.run("cloud.placement", job, self._on_placed, label="placing words")

    def _on_placed(self, placed: Placed) -> None:
        self.placed.update(placed.placement.as_dict())
        self.links = list(dict.fromkeys(self.links + placed.placement.links))
        if placed.target is not None:
            self.target = (placed.target_key, placed.target)
        self._rebuild_points()
        self.refresh_overlays()
        self.controls.note.setText(self._note())
        self._request_placement()  # anything that changed while it ran

    def _on_selection_changed(self) -> None:
        """True-neighbour lines: the query's come from its lookup; other selected words
        (not the query's neighbours) get their nearest displayed points, computed in the background."""
        if self.layout_ is None:
            return
        self._request_placement()
        roles = roles_of(self._session).rows
        skip = set(roles.get("query", []) + roles.get("neighbour", []))
        sel = [r for r in self._session.selection if self.scene.index_of(r) >= 0 and r not in skip]
        self.overlay = []
        if self.controls.true_neighbours.isChecked() and sel:
            es, cand = self._session.embeddings, self.scene.rows.copy()
            self._runner.run("cloud.overlay", lambda: overlay_job(es, sel, cand, k=5), self._on_overlay,
                             label="true neighbours")
        self.refresh_overlays()

    def _on_overlay(self, pairs: list[tuple[int, int]]) -> None:
        self.overlay = pairs
        self.refresh_overlays()

    def refresh_overlays(self) -> None:
        """Highlights, labels, links and arrows from the current Session, drawn once per event-loop turn
        however many results (lookup, outcome, placement, overlay) land in it."""
        if not self._overlays_due:
            self._overlays_due = True
            QTimer.singleShot(0, self._draw_overlays)

    def _draw_overlays(self) -> None:
        self._overlays_due = False
        if self.layout_ is None:
            return
        roles = roles_of(self._session).rows
        self.scene.top_labels = self.controls.top_labels.value()
        pos, col, size, _ = self.scene.highlights(roles)
        labels = self.scene.labels(roles, self.name_labels())
        lines, line_colors, line_labels = overlays.polylines(self._session.cloud.polylines, self.scene)
        labels[:0] = line_labels
        self.view.set_highlight(*self.probes.add_to(self.scene, pos, col, size, labels))
        target = self._target_display()
        if target is not None:  # the fourth corner: where the expression itself lands
            labels.insert(0, Label(target, str(self._session.arithmetic.result.expression), colors.TARGET_LABEL))
        self.view.set_labels(labels)
        links = overlays.link_pairs(roles, self.links, self.overlay, self.controls.true_neighbours.isChecked())
        self.view.set_links(self.scene.link_segments(links), colors.LINK)
        shafts, colors_ = arrows.segments(self.arithmetic_arrows())
        self.view.set_arrows(np.vstack([shafts, lines]), np.vstack([colors_, line_colors]))

    def _target_display(self) -> np.ndarray | None:
        key = arithmetic_key(self._session)
        ok = self._session.arithmetic.result is not None and self.target is not None and self.target[0] == key
        return self.scene.frame.apply(self.target[1]) if ok else None

    def arithmetic_arrows(self) -> list[arrows.Arrow]:
        return overlays.arithmetic_arrows(self._session.arithmetic.result, self.scene, self._target_display())

    def focus_highlights(self) -> None:
        """Point the camera at the highlighted words, arrows and lines (the whole cloud when none)."""
        pos = self.scene.highlights(roles_of(self._session).rows)[0]
        lines = overlays.polylines(self._session.cloud.polylines, self.scene)[0]
        frame = overlays.focus(np.vstack([pos, arrows.segments(self.arithmetic_arrows())[0], lines]))
        self.view.look_at(*frame) if frame else self.view.reset_camera()
