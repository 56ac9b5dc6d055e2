"""The main window: the point cloud in the middle, the panels of gui.docks around it.

    window = MainWindow(session)           # builds every dock of gui.docks.DOCKS
    window.open_file("glove.txt")          # in the background, with progress and Cancel

Layout, recent files and preferences are kept in core.settings (saved on close).
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QWidget

from core.embeddings.default_set import NAME as DEFAULT_NAME
from core.embeddings.default_set import load_default
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.exporters import write_projector_tsv, write_word2vec_text
from core.embeddings.loaders import ArchiveMemberError, LoadOptions, cache_write, load
from core.embeddings.search import compressed
from core.errors import ExplorerError
from core.progress import Job
from core.state import settings as settings_io
from core.state.examples import WORKSPACES
from core.state.session import Session
from core.state.settings import Settings
from gui.controllers import Controllers
from gui.docks import DOCKS, DockSpec, activate
from gui.error_reporter import ErrorReporter
from gui.find_box import FindBox
from gui.guide import GuideActions
from gui.lifetime import bind
from gui.menus import about_text, build_menus, rebuild_recent_menu
from gui.open_dialog import OpenDialog
from gui.start_page import StartPage
from gui.status_bar import StatusBar
from gui.task_runner import TaskRunner
from gui.theme import apply_theme
from gui.widgets.dock_scroll import DockScroll
from gui.widgets.message_bar import MessageBar
from gui.workspaces import Workspaces

log = logging.getLogger(__name__)
AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
         "bottom": Qt.DockWidgetArea.BottomDockWidgetArea, "top": Qt.DockWidgetArea.TopDockWidgetArea}


def first_size(available) -> tuple[int, int]:
    """The window's first size on a screen whose available area is ``available`` (a QSize): most of it,
    up to a comfortable 1720 x 1080, never more than the screen."""
    w, h = available.width(), available.height()
    return min(w, max(min(int(w * 0.94), 1720), min(w, 1024))), min(h, max(min(int(h * 0.94), 1080), min(h, 640)))


def warm_up_job(es: EmbeddingSet) -> Job[None]:
    """Build the set's completion and case-folding indexes, and the compressed copy that makes a single
    exact query faster (core.embeddings.search.compressed), off the GUI thread."""
    yield from es.build_indexes()
    yield from compressed.build(es)


def make_central(session: Session, runner: TaskRunner) -> QWidget:
    """The 3D point cloud, or a placeholder while that panel is not part of the app."""
    try:
        from gui.panels.cloud.point_cloud_panel import PointCloudPanel
    except ImportError as e:
        log.info("no point cloud panel: %s", e)
        label = QLabel("The 3D point cloud is not available in this build.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setObjectName("point_cloud_placeholder")
        return label
    return PointCloudPanel(session, runner)


class MainWindow(GuideActions, QMainWindow):
    def __init__(self, session: Session, runner: TaskRunner | None = None, *, settings: Settings | None = None,
                 settings_file: str | Path | None = None, docks: list[DockSpec] | None = None,
                 central: QWidget | None = None, persist: bool = True) -> None:
        super().__init__()
        self.session = session
        self.runner = runner if runner is not None else TaskRunner(self)
        self._settings_file = settings_file
        self.settings = settings if settings is not None else settings_io.load(settings_file)
        self.persist = persist  # save layout and preferences on close
        self.asks = persist  # may open a dialog by itself (which file of a .zip); not in scripted runs or tests
        apply_theme(self.settings.theme)
        self.reporter = ErrorReporter(self)
        self.runner.failed.connect(self.reporter.job_failed)
        self.setWindowTitle("Embedding Explorer")
        self.setObjectName("main_window")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self.setCentralWidget(central if central is not None else make_central(session, self.runner))
        self.docks: dict[str, QDockWidget] = {}
        self._start_page: StartPage | None = None
        self._example_row = None  # the message bar's row for the example on show
        self._find_box: FindBox | None = None
        specs = docks if docks is not None else DOCKS
        self._build_docks(specs)
        self.status = StatusBar(session, self.runner, self)
        self.setStatusBar(self.status)
        self.workspaces = Workspaces(self, self.settings.workspace_states, specs)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.workspaces.bar)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.message_bar = MessageBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.message_bar)
        self._build_menus()
        self.resize(*first_size(self.screen().availableGeometry().size()))

        session.neighbours.metric, session.neighbours.k = self.settings.metric, self.settings.k
        self.controllers = Controllers(session, self.runner, self)
        self._restore_layout()
        self.message_bar.sync()
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        self._on_embeddings_changed()

    # -- building ---------------------------------------------------------------------
    def _build_docks(self, specs: list[DockSpec]) -> None:
        for spec in specs:
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(spec.name)
            try:
                widget = spec.build(self.session, self.runner)
            except Exception as e:
                log.exception("the %s panel could not be built", spec.name)
                widget = QLabel(f"This panel could not be built:\n{type(e).__name__}: {e}")
                widget.setWordWrap(True)
            dock.setWidget(DockScroll(widget))
            dock.hide()  # the workspace shows the docks that belong to it (gui.workspaces)
            requested = getattr(widget, "index_requested", None)  # a panel's "Index…" button
            if requested is not None:
                requested.connect(self.show_index_dialog)
            wanted = getattr(widget, "example_requested", None)  # an empty state's "try an example"
            if wanted is not None:
                wanted.connect(self.open_example)
            cloud = getattr(widget, "cloud_requested", None)  # "Show in the cloud" where the workspace hides it
            if cloud is not None:
                cloud.connect(self.reveal_cloud)
            if spec.activates:  # shown (its tab in front, not only tabbed behind): its model opens now
                dock.visibilityChanged.connect(lambda shown, f=spec.activates: shown and activate(self.session, f))
            self.addDockWidget(AREAS[spec.area], dock)
            self.docks[spec.name] = dock

    def _build_menus(self) -> None:
        build_menus(self)

    def _rebuild_recent_menu(self) -> None:
        rebuild_recent_menu(self)

    # -- opening and exporting -------------------------------------------------------------
    def show_open_dialog(self, path: str | Path | None = None) -> None:
        dialog = OpenDialog(self.settings, self)
        if path is not None:
            dialog.path.setText(str(path))
        try:
            if dialog.exec() != OpenDialog.DialogCode.Accepted:
                return
            path, fmt, opts = dialog.choice()
            member = dialog.member()
        finally:
            dialog.deleteLater()
        self.open_file(path, fmt, opts, member=member)

    def open_file(self, path: str | Path, fmt: str | None = None, opts: LoadOptions | None = None, *,
                  member: str | None = None) -> None:
        """Load in the background; on failure the current set stays (at start: the bundled set
        opens instead) and the precise message stays in the message bar until dismissed."""
        path = str(path)
        name = Path(path).name + (f" ({member})" if member else "")
        self.session.status = f"opening {name}…"
        self.runner.run("load", lambda: load(path, fmt, opts, member=member), lambda es: self._on_loaded(es, path),
                        label=f"opening {name}", on_error=lambda e: self._on_load_failed(name, e, path))

    def show_open_onnx_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an ONNX model", self.settings.last_dir or "",
                                              "ONNX models (*.onnx);;All files (*)")
        if path:
            self.open_onnx_model(path)

    def open_onnx_model(self, path: str | Path) -> None:
        """List and draw the layers of any ONNX model (the ONNX layers panel)."""
        onnx = self.session.activations.onnx
        onnx.path = ""  # the same file again is read again (it may have been fixed)
        onnx.path = str(path)
        self.raise_panel("onnx_layers")

    def show_open_corpus_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a corpus for semantic search", self.settings.last_dir or "",
                                              "Text (*.txt *.cor *.md);;Tables (*.csv *.tsv);;All files (*)")
        if path:
            self.open_corpus(path)

    def open_corpus(self, path: str | Path) -> None:
        """Encode a text file's passages for semantic search (the Semantic search panel)."""
        search = self.session.language.search
        search.split = "auto"
        search.corpus = str(path)
        self.raise_panel("search")

    def load_default(self) -> None:
        self.session.status = f"opening {DEFAULT_NAME}…"
        self.runner.run("load", load_default, lambda es: self._on_loaded(es, None), label=f"opening {DEFAULT_NAME}",
                        on_error=lambda e: self._on_load_failed(DEFAULT_NAME, e))

    def show_notices(self, notices: list[str]) -> None:
        """Things the user should know that no panel shows (start-up checks, what a load skipped)."""
        for text in notices:
            self.message_bar.show_message(text, "info")

    def _on_loaded(self, es: EmbeddingSet, path: str | None) -> None:
        self.session.set_embeddings(es)
        if path is not None:
            self.settings.add_recent(path)
            self._rebuild_recent_menu()
        self.session.status = f"opened {es.name}: {len(es):,} words, {es.dim} dimensions"
        self.show_notices([f"{es.name}: {note}" for note in es.notes])
        # the word index is Python work: started after the panels' reactions, so it does not hold the GIL
        # while they paint
        self.runner.when_quiet(lambda: self.session.embeddings is es and self.runner.run(
            "index", lambda: warm_up_job(es), label="indexing words"))
        # the converted copy (tens of MB written) waits too: at the load's end it competed with the panels
        self.runner.when_quiet(lambda: self.session.embeddings is es and self.runner.run(
            "cache", lambda: cache_write(es), self._on_cache_written, label="keeping a converted copy"))

    def _on_cache_written(self, problem: str | None) -> None:
        if problem:
            self.show_notices([problem[0].upper() + problem[1:] + "."])

    def _on_load_failed(self, name: str, exc: BaseException, path: str | None = None) -> None:
        """A file that cannot be read (an expected problem): the set that was open stays, or at start
        the bundled set opens; the precise message stays in the message bar until dismissed. A .zip
        holding several embedding files asks which one (the Open dialog lists them)."""
        es = self.session.embeddings
        if isinstance(exc, ArchiveMemberError) and exc.members and path is not None and es is not None \
                and self.asks:
            self.show_open_dialog(path)
            return
        start = es is None and name != DEFAULT_NAME
        keeps = f"; showing {DEFAULT_NAME} instead" if start else f"; still showing {es.name}" if es is not None else ""
        self.session.status = f"could not open {name}" + keeps
        self.message_bar.show_message(f"Could not open {name}: {exc}" + keeps, "error")
        if start:
            self.load_default()

    def show_open_language_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self,
            "Open a decoder folder (ONNX in Optimum's layout + tokenizer.json)",
            self.settings.last_dir or str(Path.home()),
        )
        if folder:
            self.open_language_model(folder)

    def open_language_model(self, folder: str) -> None:
        """Use the decoder in ``folder`` ("" = the built one) in the Next word panel; problems show there."""
        self.session.language.model_path = str(folder)
        self.session.language.active = True  # asked for: open it now, drawn or not
        self.raise_panel("next_word")

    def open_token_embeddings(self) -> None:
        """The language model's input embedding matrix as the active embedding set (converted once)."""
        from core.inference.token_embeddings import token_embeddings

        path = self.session.language.model_path
        name = f"{Path(path).name if path else 'SmolLM2-135M'} token embeddings"
        self.session.status = f"opening {name}…"
        self.runner.run(
            "load",
            lambda: token_embeddings(path),
            lambda es: self._on_loaded(es, None),
            label=f"opening {name}",
            on_error=lambda e: self._on_load_failed(name, e),
        )

    def _export(self, title: str, default_name: str, job_factory) -> None:
        es = self.session.embeddings
        if es is None:
            return
        start = str(Path(self.settings.last_dir or Path.home()) / default_name)
        path, _ = QFileDialog.getSaveFileName(self, title, start)
        if path:
            self.export(job_factory, path)

    def export(self, job_factory, path: str | Path) -> None:
        es = self.session.embeddings
        name = Path(path).name
        self.runner.run(
            "export",
            lambda: _writing(job_factory(es, path), path),
            label=f"exporting {name}",
            on_result=lambda _r: setattr(self.session, "status", f"exported {len(es):,} words to {path}"),
            on_error=lambda e: self.message_bar.show_message(f"Could not export: {e}", "error"),
        )

    def export_projector_tsv(self) -> None:
        self._export("Export as Projector TSV", "vectors.tsv", write_projector_tsv)

    def export_word2vec_text(self) -> None:
        self._export("Export as word2vec text", "vectors.txt", write_word2vec_text)

    # -- search backends (gui/search_dialogs.py, gui/controllers/backend_controller.py) -----------
    def show_index_dialog(self, milvus: bool = False) -> None:
        es = self.session.embeddings
        if es is None or (self.session.neighbours.engines and self.session.neighbours.engines.remote):
            return
        from gui.search_dialogs import IndexDialog

        dialog = IndexDialog(self.settings, es, self, milvus=milvus)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            kind, target, collection = dialog.choice()
        finally:
            dialog.deleteLater()
        if kind == "hnsw":
            self.controllers.backends.build_hnsw()
        else:
            self.controllers.backends.export_milvus(target, collection)
        self.raise_panel("neighbours")

    def show_collection_dialog(self) -> None:
        from gui.search_dialogs import CollectionDialog

        dialog = CollectionDialog(self.settings, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            target, collection, vector, label, sample = dialog.choice()
        finally:
            dialog.deleteLater()
        self.controllers.backends.open_collection(
            target, collection, vector, label, sample, on_error=lambda e: self._on_load_failed(collection, e)
        )

    # -- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_file(path)

    # -- view -----------------------------------------------------------------------------
    def raise_panel(self, name: str) -> bool:
        """Show the dock ``name`` in front, in its workspace when the current one does not hold it."""
        dock = self.docks.get(name)
        if dock is None:
            return False
        home = self.workspaces.of_dock(name)
        if dock.isHidden() and home is not None and home != self.workspaces.current:
            self.workspaces.switch(home)
        dock.show()
        dock.raise_()
        return True

    def panel(self, name: str) -> QWidget | None:
        """The panel inside the dock ``name`` (None when there is no such dock)."""
        dock = self.docks.get(name)
        return DockScroll.panel_of(dock) if dock is not None else None

    def switch_workspace(self, name: str) -> None:
        self.workspaces.switch(name)

    def reset_layout(self) -> None:
        """View ▸ Reset workspace."""
        self.workspaces.reset()

    def set_theme(self, name: str) -> None:
        self.settings.theme = apply_theme(name)
        self.theme_actions[self.settings.theme].setChecked(True)

    def about_text(self) -> str:
        return about_text(self.session.embeddings)

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About Embedding Explorer",
            self.about_text(),
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.show()
        self._about_box = box

    # -- session -----------------------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        es = self.session.embeddings
        self.setWindowTitle(f"Embedding Explorer — {es.name}" if es is not None else "Embedding Explorer")
        for act in (self.export_tsv_action, self.export_w2v_action, self.export_milvus_action, self.index_action):
            act.setEnabled(es is not None)

    # -- saved state --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        s = self.settings
        if s.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(s.window_geometry.encode()))
            self.fit_to_screen()
        if s.window_state and not s.workspace_states:
            self.message_bar.show_message(
                "The window layout was saved by an older version: the workspaces start from their default layouts.",
                "info",
            )
            s.window_state = ""
        self.workspaces.switch(s.workspace if s.workspace in WORKSPACES else "words")
        for problem in self.workspaces.problems:
            self.message_bar.show_message(problem, "info")
        self.workspaces.problems.clear()

    def fit_to_screen(self) -> None:
        """A saved geometry from a larger screen (or one no longer attached) comes back onto this one."""
        screen = self.screen().availableGeometry()
        frame = self.frameGeometry()
        w, h = min(self.width(), screen.width()), min(self.height(), screen.height())
        if (w, h) != (self.width(), self.height()):
            self.resize(w, h)
            frame = self.frameGeometry()
        if not screen.contains(frame):
            x = min(max(frame.x(), screen.x()), screen.right() - frame.width() + 1)
            y = min(max(frame.y(), screen.y()), screen.bottom() - frame.height() + 1)
            self.move(max(x, screen.x()), max(y, screen.y()))

    def save_settings(self) -> None:
        s = self.settings
        s.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.workspaces.remember()
        s.workspace = self.workspaces.current
        s.workspace_states = dict(self.workspaces.states)
        s.metric, s.k = self.session.neighbours.metric, self.session.neighbours.k
        try:
            settings_io.save(s, self._settings_file)
        except OSError as e:  # a read-only or full disk: the window closes anyway; the start said so already
            log.warning("could not save the preferences and window layout (%s)", e)

    def closeEvent(self, event) -> None:
        if self.persist:
            self.save_settings()
        self.runner.shutdown()
        super().closeEvent(event)


def _writing(job: Job, path: str | Path) -> Job:
    """A writing job whose disk problems (full, read-only, no permission) are expected problems."""
    try:
        return (yield from job)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExplorerError(reason if reason.startswith("cannot write") else f"cannot write {path}: {reason}") from None


def _dropped_file(event) -> str | None:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_file():
            return url.toLocalFile()
    return None
