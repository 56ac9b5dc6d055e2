"""The cloud's controls: method, point count (or all the set's words), method parameters, colouring, labels,
export.

Widgets write to the Session's cloud model (method, params, point_count, color_by, clusters_k, labels,
lines and names; Run and Cancel count up ``run`` and ``cancel``); Session changes update the widgets
inside signals_blocked. The camera and export buttons emit signals the panel handles.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from core.projections.layout import DEFAULTS, MAX_POINTS, METHOD_LABELS, METHODS
from core.state.session import Session
from gui.lifetime import bind
from gui.widgets.flow import flow_layout
from gui.widgets.progress_bar import LazyProgressBar

PAGE = {"pca": 0, "tsne": 1, "umap": 2, "axes": 3}
COUNT_MAX = 400_000  # the point count's limit before a set is open (then: the set's size)
NOTE_TWO_LINES = 560  # pixels: a narrower panel gives the note three lines


class CurrentPageStack(QStackedWidget):
    """A stack as large as the page it shows (QStackedWidget takes the largest page's size)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else QSize(0, 0)

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else QSize(0, 0)


def _group(*widgets: QWidget) -> QWidget:
    """Widgets kept side by side on one line of the flow."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return box


class CloudControls(QWidget):
    reset_camera_requested = Signal()
    focus_requested = Signal()
    export_requested = Signal(str)  # "png" | "csv" | "tsv"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._build_projection()
        self._build_parameters()
        self._build_view_options()
        self._lay_out()
        self._connect_widgets()
        self._connect_session()

    # -- building -----------------------------------------------------------------------------
    def _build_projection(self) -> None:
        """The method, the point count, Run and Cancel and the projection's progress."""
        self.method = QComboBox(objectName="cloud_method")
        for m in METHODS:
            self.method.addItem(METHOD_LABELS[m], m)
        self.count = QSpinBox(objectName="cloud_count", minimum=10, maximum=COUNT_MAX, singleStep=1000)
        self.count.setGroupSeparatorShown(True)
        self.count.setToolTip("The N most frequent words are projected (t-SNE and UMAP: at most 100,000)")
        self.all = QPushButton("all", objectName="cloud_all", checkable=True)
        self.all.setToolTip("Every word of the set, not a sample (with t-SNE or UMAP, which take at most 100,000, "
                            "this switches to PCA); where points pile up they are shaded by density")
        self._count_before_all = self._session.cloud.point_count
        self.run = QPushButton("Run", objectName="cloud_run")
        self.cancel = QPushButton("Cancel", objectName="cloud_cancel", enabled=False)
        self.progress = LazyProgressBar(object_name="cloud_progress", maximum=1000, maximum_width=140)
        keep = self.progress.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # showing it must not widen the panel (and so the window)
        self.progress.setSizePolicy(keep)
        self.progress.hide()

    def _build_parameters(self) -> None:
        """One page of parameters per method."""
        d = DEFAULTS
        self.perplexity = QDoubleSpinBox(minimum=2, maximum=200, value=d["tsne"]["perplexity"], objectName="perplexity")
        self.learning_rate = QLineEdit(str(d["tsne"]["learning_rate"]), objectName="learning_rate")
        self.learning_rate.setToolTip("'auto' (N / exaggeration) or a number")
        self.iterations = QSpinBox(minimum=50, maximum=10_000, value=d["tsne"]["iterations"], objectName="iterations")
        self.n_neighbors = QSpinBox(minimum=2, maximum=200, value=d["umap"]["n_neighbors"], objectName="n_neighbors")
        self.min_dist = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, value=d["umap"]["min_dist"],
                                       objectName="min_dist")
        self.axis_x = QLineEdit(d["axes"]["x"], objectName="axis_x")
        self.axis_y = QLineEdit(d["axes"]["y"], objectName="axis_y")
        self.axis_z = QLineEdit(d["axes"]["z"], objectName="axis_z", placeholderText="optional, e.g. good - bad")
        self.pages = CurrentPageStack()
        for rows in ([], [("perplexity", self.perplexity), ("learning rate", self.learning_rate),
                          ("iterations", self.iterations)],
                     [("neighbours", self.n_neighbors), ("min dist", self.min_dist)],
                     [("x", self.axis_x), ("y", self.axis_y), ("z", self.axis_z)]):
            page = QWidget()
            form = QHBoxLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for label, w in rows:
                form.addWidget(QLabel(label))
                form.addWidget(w)
            form.addStretch(1)
            self.pages.addWidget(page)

    def _build_view_options(self) -> None:
        """Colouring, labels, overlays, the camera, export, the note and the quality."""
        c = self._session.cloud
        self.color_by = QComboBox(objectName="cloud_color_by")
        self.clusters = QSpinBox(minimum=2, maximum=40, value=c.clusters_k, objectName="cloud_clusters", prefix="k = ")
        self.top_labels = QSpinBox(minimum=0, maximum=50, value=c.top_labels, objectName="cloud_top_labels",
                                   prefix="labels: top ")
        self.true_neighbours = QCheckBox("true neighbours", objectName="cloud_true_neighbours",
                                         checked=c.true_neighbours)
        self.true_neighbours.setToolTip("Lines from each selected point to its nearest neighbours in the full space")
        self.names = QCheckBox("cluster names", objectName="cloud_names", checked=c.names)
        self.names.setToolTip("Names of k-means clusters over the map (their most central words, or the majority "
                              "label of a set with labels), fewer and broader zoomed out, finer zoomed in")
        self.sprites = QCheckBox("pictures", objectName="cloud_sprites", checked=c.sprites, visible=False)
        self.sprites.setToolTip("Draw each point as its picture (the digits, a Projector sprite sheet); "
                                "off: dots. Hover a point to see its picture large")
        self.density = QCheckBox("density", objectName="cloud_density", checked=c.density)
        self.density.setToolTip("Where points are too many to tell apart: contours and shading of their density "
                                "(2D), points faded where they pile up (3D)")
        self.reset = QPushButton("Reset camera", objectName="cloud_reset")
        self.focus = QPushButton("Focus", objectName="cloud_focus")
        self.focus.setToolTip("Frame the highlighted words and arrows")
        self.export = QToolButton(text="Export", objectName="cloud_export",
                                  popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export)
        for kind, text in (("png", "View as PNG…"), ("csv", "Coordinates as CSV…"), ("tsv", "Projector TSV…")):
            menu.addAction(text, lambda k=kind: self.export_requested.emit(k))
        self.export.setMenu(menu)
        # Texts that change with every job keep a fixed size: a label that grows would resize the
        # 3D view below it, and a resized GL view is a full re-render (tens of ms on software GL).
        self.note = QLabel(objectName="cloud_note", wordWrap=True)
        self._note_lines = 0
        self._fit_note()
        self.quality = QLabel(objectName="cloud_quality")
        self.quality.setFixedWidth(self.quality.fontMetrics().horizontalAdvance(
            "trustworthiness 0.000 (k=10, 20,000 points)") + 8)

    def _lay_out(self) -> None:
        """One flow of small groups that wraps with the panel's width: the panel's minimum width is that of
        its widest group, so no text or page shown here can widen the window."""
        flow = flow_layout()
        flow.setContentsMargins(0, 0, 0, 0)
        for items in (
            (QLabel("Projection"), self.method),
            (QLabel("points"), self.count, self.all),
            (self.pages,),
            (self.run, self.cancel, self.progress),
            (QLabel("colour"), self.color_by, self.clusters),
            (self.top_labels, self.true_neighbours),
            (self.names, self.density, self.sprites),
            (self.focus, self.reset, self.export),
            (self.quality,),
        ):
            flow.addWidget(_group(*items))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.addLayout(flow)
        lay.addWidget(self.note)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_note()

    def _fit_note(self) -> None:
        """The note's height follows the panel's width, never its text: two lines, three in a narrow panel
        (a long note had its first and last lines cut in the Train workspace on a 1366-pixel screen)."""
        lines = 2 if self.width() >= NOTE_TWO_LINES else 3
        if lines != self._note_lines:
            self._note_lines = lines
            self.note.setFixedHeight(lines * self.note.fontMetrics().lineSpacing() + 2)

    def _connect_widgets(self) -> None:
        """Widgets -> the Session (the camera and export buttons: the panel's signals)."""
        c = self._session.cloud
        self.method.currentIndexChanged.connect(lambda: setattr(c, "method", self.method.currentData()))
        self.count.valueChanged.connect(self._count_edited)
        self.all.toggled.connect(self._all_toggled)
        for w in (self.perplexity, self.iterations, self.n_neighbors, self.min_dist):
            w.valueChanged.connect(self._params_edited)
        for w in (self.learning_rate, self.axis_x, self.axis_y, self.axis_z):
            w.editingFinished.connect(self._params_edited)
        self.color_by.currentIndexChanged.connect(self._color_edited)
        self.clusters.valueChanged.connect(lambda k: setattr(c, "clusters_k", k))
        self.top_labels.valueChanged.connect(lambda n: setattr(c, "top_labels", n))
        self.true_neighbours.toggled.connect(lambda on: setattr(c, "true_neighbours", on))
        self.names.toggled.connect(lambda on: setattr(c, "names", on))
        self.sprites.toggled.connect(lambda on: setattr(c, "sprites", on))
        self.density.toggled.connect(lambda on: setattr(c, "density", on))
        self.run.clicked.connect(lambda: setattr(c, "run", c.run + 1))
        self.cancel.clicked.connect(lambda: setattr(c, "cancel", c.cancel + 1))
        self.reset.clicked.connect(self.reset_camera_requested)
        self.focus.clicked.connect(self.focus_requested)

    def _connect_session(self) -> None:
        """The Session -> widgets, each handler called once to sync."""
        s, ev = self._session, self._session.cloud.events
        bind(self, s.events.embeddings, self._on_embeddings_changed)
        bind(self, ev.method, self._on_projection_method_changed)
        bind(self, ev.params, self._on_projection_params_changed)
        bind(self, ev.point_count, self._on_point_count_changed)
        bind(self, ev.color_by, self._on_color_by_changed)
        bind(self, ev.activity, self._on_activity_changed)
        for field, widget in (("clusters_k", self.clusters), ("top_labels", self.top_labels),
                              ("true_neighbours", self.true_neighbours), ("names", self.names),
                              ("sprites", self.sprites), ("density", self.density)):
            bind(self, getattr(ev, field), _shower(widget))
        self._on_projection_params_changed()
        self._show_method()
        self._on_point_count_changed()
        self._on_embeddings_changed()
        self._on_activity_changed()

    # -- widgets -> session -----------------------------------------------------------
    @qdebounced(timeout=400)
    def _count_edited(self) -> None:
        self._session.cloud.point_count = self.count.value()

    def _all_toggled(self, on: bool) -> None:
        """All the set's words (a method that takes fewer gives way to PCA), or the count before that again."""
        c, es = self._session.cloud, self._session.embeddings
        if es is None:
            return
        if not on:
            c.point_count = min(self._count_before_all, len(es) - 1) if len(es) > 10 else len(es)
            return
        if c.point_count < len(es):
            self._count_before_all = c.point_count
        c.point_count = len(es)
        cap = MAX_POINTS[c.method]
        if cap is not None and cap < len(es):
            c.method = "pca"

    def params(self) -> tuple:
        m = self._session.cloud.method
        if m == "tsne":
            lr = self.learning_rate.text().strip() or "auto"
            try:
                lr = "auto" if lr == "auto" else float(lr)
            except ValueError:
                lr = "auto"
            return (
                ("learning_rate", lr),
                ("perplexity", self.perplexity.value()),
                ("iterations", self.iterations.value()),
            )
        if m == "umap":
            return (("min_dist", self.min_dist.value()), ("n_neighbors", self.n_neighbors.value()))
        if m == "axes":
            return (("x", self.axis_x.text()), ("y", self.axis_y.text()), ("z", self.axis_z.text()))
        return ()

    def _params_edited(self) -> None:
        self._session.cloud.params = self.params()

    def _color_edited(self) -> None:
        value = self.color_by.currentData() or "frequency"
        self.clusters.setVisible(value == "clusters")
        self._session.cloud.color_by = value

    def _on_embeddings_changed(self) -> None:
        """The colour choice: frequency, k-means clusters and the set's metadata columns."""
        es = self._session.embeddings
        columns = sorted(es.metadata) if es is not None else []
        self.sprites.setVisible(es is not None and es.images is not None)  # only a set with pictures
        with signals_blocked(self.count):
            self.count.setMaximum(max(len(es), self.count.minimum()) if es is not None else COUNT_MAX)
        self._on_point_count_changed()
        with signals_blocked(self.color_by):
            self.color_by.clear()
            self.color_by.addItem("frequency", "frequency")
            self.color_by.addItem("k-means clusters", "clusters")
            for c in columns:
                self.color_by.addItem(f"metadata: {c}", f"meta:{c}")
        self._on_color_by_changed()

    # -- session -> widgets -----------------------------------------------------------
    def _show_method(self) -> None:
        m = self._session.cloud.method
        with signals_blocked(self.method):
            self.method.setCurrentIndex(max(0, self.method.findData(m)))
        self.pages.setCurrentIndex(PAGE.get(m, 0))

    def _on_projection_method_changed(self) -> None:
        self._show_method()
        self._session.cloud.params = self.params()  # the new method's parameters, from its widgets

    def _on_projection_params_changed(self) -> None:
        widgets = {
            "perplexity": self.perplexity,
            "iterations": self.iterations,
            "n_neighbors": self.n_neighbors,
            "min_dist": self.min_dist,
            "learning_rate": self.learning_rate,
            "x": self.axis_x,
            "y": self.axis_y,
            "z": self.axis_z,
        }
        for name, value in self._session.cloud.params:
            w = widgets.get(name)
            if w is None:
                continue
            with signals_blocked(w):
                w.setText(str(value)) if isinstance(w, QLineEdit) else w.setValue(value)

    def _on_point_count_changed(self) -> None:
        n, es = self._session.cloud.point_count, self._session.embeddings
        with signals_blocked(self.count):
            self.count.setValue(n)
        with signals_blocked(self.all):
            self.all.setChecked(es is not None and n >= len(es))

    def _on_color_by_changed(self) -> None:
        with signals_blocked(self.color_by):
            i = self.color_by.findData(self._session.cloud.color_by)
            self.color_by.setCurrentIndex(max(i, 0))
        self.clusters.setVisible(self._session.cloud.color_by == "clusters")

    def _on_activity_changed(self) -> None:
        """The projection's progress (Cancel is enabled while it runs)."""
        act = self._session.cloud.activity
        self.cancel.setEnabled(act is not None)
        self.progress.setVisible(act is not None)
        if act is not None:
            self.progress.setRange(0, 0 if act.fraction < 0 else 1000)
            self.progress.setValue(int(max(act.fraction, 0) * 1000))
            self.progress.setToolTip(act.message)


def _shower(w: QSpinBox | QCheckBox):
    """A slot that shows a field's new value in `w` (a spin box's value, a check box's state)."""
    def show(value) -> None:
        with signals_blocked(w):
            w.setChecked(value) if isinstance(w, QCheckBox) else w.setValue(value)

    return show
