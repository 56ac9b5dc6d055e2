"""The live point cloud: projections of the most frequent words, linked to the Session.

Shows the N most frequent words (session.cloud.point_count) plus the query, its neighbours and the
current expression's words and result; words outside the projection are placed into it. The
CloudController runs every job and writes its results into ``session.cloud`` (the layout, the words
placed, the lines, the clusters, the probes, t-SNE's intermediate layouts); this panel only shows them
and writes what the user changes. A click selects a word (session.selection and the neighbours' query);
Session changes highlight points, label them and draw lines to their true neighbours and the arithmetic
arrows. Without OpenGL (the offscreen platform) a 2D view of the first two axes is used; the panel
talks to either through the one view protocol (gui/canvas/protocol.py).
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from core.projections.layout import METHOD_LABELS, Layout
from core.projections.placement import method_for
from core.state.cloud_roles import arithmetic_key, roles_of
from core.state.session import Session
from gui.canvas import arrows, colors
from gui.canvas.protocol import CloudView
from gui.canvas.scene import CloudScene, Label
from gui.canvas.view_2d import View2D
from gui.canvas.view_3d import View3D, gl_available
from gui.lifetime import bind
from gui.panels.cloud import export, overlays
from gui.panels.cloud.controls import CloudControls
from gui.panels.cloud.names import NameActions
from gui.panels.cloud.pictures import PictureActions
from gui.panels.cloud.pointer import PointerActions
from gui.panels.cloud.probes import with_probes
from gui.panels.cloud.selecting import SelectingActions
from gui.task_runner import TaskRunner


class PointCloudPanel(export.ExportActions, PointerActions, NameActions, SelectingActions, PictureActions, QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None, *,
                 view: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("point_cloud")
        self._session = session
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
        self._live_drawn = False  # the points on screen are a running projection's (t-SNE)
        self._overlays_due = False  # a refresh of the overlays is queued for this event-loop turn
        self._init_names()
        self._init_selecting()
        self._init_pictures()
        self._connect()
        self._on_embeddings_changed()
        self._on_layout_changed()
        session.cloud.active = True  # the CloudController projects from now on

    def _connect(self) -> None:
        s, ev, c = self._session, self._session.events, self._session.cloud.events
        self.controls.reset_camera_requested.connect(self.view.reset_camera)
        self.controls.focus_requested.connect(self.focus_highlights)
        self.controls.export_requested.connect(self._ask_export)
        self.view.point_clicked.connect(self._on_point_clicked)
        self.view.point_hovered.connect(self._on_point_hovered)
        bind(self, ev.embeddings, self._on_embeddings_changed)
        bind(self, c.layout, self._on_layout_changed)
        bind(self, c.live, self._on_live_changed)
        bind(self, c.camera, self._restore_camera)
        for e in (c.placed, c.clusters, c.color_by):
            bind(self, e, self._on_points_changed)
        for e in (c.trust, c.activity, c.problem, c.stale):
            bind(self, e, self._show_note)
        for e in (ev.selection, ev.hover, s.neighbours.events.lookup, s.arithmetic.events.outcome, c.marked,
                  c.polylines, c.links, c.overlay, c.target, c.placed_probes, c.top_labels, c.true_neighbours,
                  c.names, s.compare.events.arrows, c.named):
            bind(self, e, self.refresh_overlays)
        bind(self, c.density, lambda *_: self.view.set_density(self._session.cloud.density))
        if self._session.cloud.density:
            self.view.set_density(True)

    @property
    def layout_(self) -> Layout | None:
        """The finished projection on screen (``session.cloud.layout``)."""
        return self._session.cloud.layout

    # -- the Session -> the view --------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        es = self._session.embeddings
        self.scene.words = es.words if es is not None else []  # the old points stay inert until the new layout

    def _on_layout_changed(self) -> None:
        lay = self.layout_
        if lay is not None:
            self._live_drawn = False
            self.view.set_axes(lay.axis_labels)
            self._rebuild_points(refit=True)
            self.refresh_overlays()
            self._restore_camera()
        self._show_note()

    def _restore_camera(self) -> None:
        """A saved view's camera, once a layout is on show."""
        c = self._session.cloud
        if c.camera and self.layout_ is not None:
            camera, c.camera = c.camera, {}
            self.view.set_camera(camera)

    def _on_live_changed(self) -> None:
        live = self._session.cloud.live
        if live is None:  # ended: with a layout (shown at once) or without (the last one is shown again)
            if self._live_drawn and self.layout_ is not None:
                self._on_layout_changed()
        elif live.coords is None:
            if live.method in ("tsne", "umap"):
                self.view.set_axes(tuple(f"{METHOD_LABELS[live.method]} {i}" for i in (1, 2, 3)))
        else:
            self._draw_live()

    @qthrottled(timeout=100)
    def _draw_live(self) -> None:
        """t-SNE's layout while it optimises: move the points (no placement or overlays yet)."""
        live = self._session.cloud.live
        if live is None or live.coords is None:
            return
        self._live_drawn = True
        self.scene.framed = 0.99
        self.scene.set_points(live.rows, live.coords)
        self.scene.base_colors = colors.frequency(live.rows, len(self.scene.words))
        self.view.set_points(self.scene.display(), self.scene.base_colors, self.scene.point_size())
        self.refresh_overlays()

    def _on_points_changed(self) -> None:
        self._rebuild_points()
        self.refresh_overlays()
        self._show_note()

    def _rebuild_points(self, refit: bool = False) -> None:
        lay, c = self.layout_, self._session.cloud
        if lay is None or self._live_drawn:
            return
        self.scene.framed = float(lay.info.get("framed", 0.99))
        self.scene.set_layout(lay.rows, lay.coords, c.placed, refit=refit)
        labels = c.clusters.labels if c.clusters is not None else None
        self.scene.base_colors = overlays.point_colors(self._session.embeddings, c.color_by, self.scene.rows, labels)
        colours = self.point_colours()
        self.view.set_points(self.scene.display(), colours, self.scene.point_size())
        self.draw_pictures(colours)

    def _show_note(self) -> None:
        """A problem, else the projection's progress, else what is shown and how."""
        c = self._session.cloud
        if c.problem:
            self.controls.note.setText(f"<span style='color:#ff6e6e'>{html.escape(c.problem)}</span>")
        elif c.activity is not None:
            self.controls.note.setText(c.activity.message)
        else:
            stale = " — settings changed: press Run" if c.stale and c.layout is not None else ""
            self.controls.note.setText(self._note() + stale)
        t = c.trust
        self.controls.quality.setText(f"trustworthiness {t[0]:.3f} (k=10, {t[1]:,} points)" if t else "")

    def _note(self) -> str:
        s = self._session
        noun = "pictures" if s.embeddings is not None and s.embeddings.images is not None else "words"
        isolated = self.layout_ is not None and bool(s.cloud.isolated) and len(self.layout_.rows) == len(
            set(s.cloud.isolated))  # not while Isolate's layout is on its way (or was refused)
        return overlays.note_text(self.layout_, len(s.cloud.placed), self._placement_method(), isolated, noun)

    def _placement_method(self) -> str:
        return method_for(self.layout_) if self.layout_ is not None else ""

    # -- overlays ---------------------------------------------------------------------------------
    def refresh_overlays(self, *_changed) -> None:
        """Highlights, labels, links and arrows from the current Session, drawn once per event-loop turn
        however many results (lookup, outcome, placement, overlay) land in it."""
        if not self._overlays_due:
            self._overlays_due = True
            QTimer.singleShot(0, self._draw_overlays)

    def _draw_overlays(self) -> None:
        self._overlays_due = False
        c = self._session.cloud
        if self.layout_ is None:
            return
        roles = roles_of(self._session).rows
        self.scene.top_labels = c.top_labels
        pos, col, size, _ = self.scene.highlights(roles)
        labels = self.scene.labels(roles, self.name_labels())
        lines, line_colors, line_labels = overlays.polylines(c.polylines, self.scene)
        moves, move_labels = overlays.move_arrows(self._session.compare.arrows, self.scene)
        labels[:0] = line_labels + move_labels
        self.view.set_highlight(*with_probes(c.placed_probes, self.scene, pos, col, size, labels))
        target = self._target_display()
        if target is not None:  # the fourth corner: where the expression itself lands
            labels.insert(0, Label(target, str(self._session.arithmetic.result.expression), colors.TARGET_LABEL))
        self.view.set_labels(labels)
        links = overlays.link_pairs(roles, list(c.links), list(c.overlay), c.true_neighbours)
        self.view.set_links(self.scene.link_segments(links), colors.LINK)
        shafts, colors_ = arrows.segments(self.arithmetic_arrows() + moves)
        self.view.set_arrows(np.vstack([shafts, lines]), np.vstack([colors_, line_colors]))

    def _target_display(self) -> np.ndarray | None:
        target, key = self._session.cloud.target, arithmetic_key(self._session)
        ok = self._session.arithmetic.result is not None and target is not None and target[0] == key
        return self.scene.frame.apply(target[1]) if ok else None

    def arithmetic_arrows(self) -> list[arrows.Arrow]:
        return overlays.arithmetic_arrows(self._session.arithmetic.result, self.scene, self._target_display())

    def focus_highlights(self) -> None:
        """Point the camera at the highlighted words, arrows and lines (the whole cloud when none)."""
        pos = self.scene.highlights(roles_of(self._session).rows)[0]
        lines = overlays.polylines(self._session.cloud.polylines, self.scene)[0]
        frame = overlays.focus(np.vstack([pos, arrows.segments(self.arithmetic_arrows())[0], lines]))
        self.view.look_at(*frame) if frame else self.view.reset_camera()
