"""The main window: the point cloud in the middle, the panels of gui.docks around it.

    window = MainWindow(session)           # builds every dock of gui.docks.DOCKS
    window.open_file("glove.txt")          # in the background, with progress and Cancel (gui.file_actions)

Layout, recent files and preferences are kept in core.settings (saved on close).
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from core.inference import session_cache
from core.state import settings as settings_io
from core.state.examples import WORKSPACES
from core.state.session import Session
from core.state.settings import Settings
from gui.controllers import Controllers
from gui.docks import DOCKS, DockSpec, activate
from gui.error_reporter import ErrorReporter
from gui.file_actions import FileActions
from gui.find_box import FindBox
from gui.guide import GuideActions
from gui.lifetime import bind
from gui.menus import about_text, build_menus, rebuild_recent_menu
from gui.start_page import StartPage
from gui.status_bar import StatusBar
from gui.task_runner import TaskRunner
from gui.theme import apply_theme
from gui.view_actions import ViewActions
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


IDLE_CHECK_MS = 60_000  # how often the window looks for models to close (core.inference.session_cache.release_idle)


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


class MainWindow(FileActions, GuideActions, ViewActions, QMainWindow):
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
        # Models nobody used for $EE_MODEL_IDLE_S (5 minutes) are closed: the work with them has ended.
        self._idle_models = QTimer(self, interval=IDLE_CHECK_MS, timeout=lambda: session_cache.release_idle())
        self._idle_models.start()
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
                dock.visibilityChanged.connect(
                    lambda shown, d=dock, f=spec.activates: shown and self._activate_later(d, f))
            self.addDockWidget(AREAS[spec.area], dock)
            self.docks[spec.name] = dock

    def _build_menus(self) -> None:
        build_menus(self)

    def _rebuild_recent_menu(self) -> None:
        rebuild_recent_menu(self)

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

    def _activate_later(self, dock: QDockWidget, flag: str) -> None:
        """Set a dock's state flag once it is still shown after the layout settled: arranging a
        workspace shows every dock for a moment before tabbing most of them behind another, and their
        models (the attention graphs, the GRU, MiniLM: 1.8 GB together) must not all open then."""
        def check() -> None:
            if dock.isVisible() and not dock.visibleRegion().isEmpty():
                activate(self.session, flag)

        QTimer.singleShot(0, check)

    def about_text(self) -> str:
        from core.state.held import held, summary

        return about_text(self.session.embeddings, summary(held(self.session)))

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
