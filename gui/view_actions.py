"""File ▸ Save view… / Open view… / Open recent view (the window's ViewActions): the Qt side of
core/state/views.py. A view of another set than the open one opens that set first (the bundled GloVe
or its file) and is applied once it is active; a missing or changed set, a damaged file or one of
another version is said in the message bar."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from core.errors import ExplorerError
from core.state import views

CAMERA_KEYS = ("center", "distance", "fov", "elevation", "azimuth", "x", "y")
RECENT_VIEWS = 8


class ViewActions:
    """Methods of MainWindow (uses its session, settings, message_bar, workspaces and central widget)."""

    _pending_view: views.SavedView | None = None

    def _cloud_view(self):
        return getattr(self.centralWidget(), "view", None)

    def show_save_view_dialog(self) -> None:
        start = Path(self.settings.last_dir or Path.home()) / "map.view.json"  # not the folder the app started in
        path, _ = QFileDialog.getSaveFileName(self, "Save the view", str(start), "Views (*.view.json *.json)")
        if path:
            self.save_view(path)

    def save_view(self, path: str) -> bool:
        view = self._cloud_view()
        camera = {k: v for k, v in (view.camera() if view is not None else {}).items() if k in CAMERA_KEYS}
        try:
            saved = views.capture(self.session, camera=camera, workspace=self.workspaces.current or "words")
            views.write_view(saved, path)
        except (ExplorerError, OSError) as exc:
            self.message_bar.show_message(f"could not save the view: {exc}", "error")
            return False
        self._remember_view(path)
        self.session.status = f"saved the view to {path}"
        return True

    def show_open_view_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a view", self.settings.last_dir or "",
                                              "Views (*.view.json *.json);;All files (*)")
        if path:
            self.open_view(path)

    def open_view(self, path: str) -> bool:
        """Apply the view at once when its set is open; else open its set, then apply it."""
        try:
            view = views.read_view(path)
            self._remember_view(path)
            if self.session.embeddings is not None and self.session.embeddings.fingerprint() == view.fingerprint:
                self._apply_view(view)
                return True
            needed = views.needed_file(view)
        except ExplorerError as exc:
            self.message_bar.show_message(f"could not open the view {Path(path).name}: {exc}", "error")
            return False
        self._pending_view = view
        self.session.events.embeddings.connect(self._on_view_set_opened)
        self.load_default() if needed is None else self.open_file(needed)
        return True

    def _on_view_set_opened(self, *_args) -> None:
        view, self._pending_view = self._pending_view, None
        self.session.events.embeddings.disconnect(self._on_view_set_opened)
        if view is None:
            return
        try:
            views.check_set(view, self.session.embeddings)
        except ExplorerError as exc:
            self.message_bar.show_message(str(exc), "error")
            return
        self._apply_view(view)

    def _apply_view(self, view: views.SavedView) -> None:
        if view.workspace and view.workspace != self.workspaces.current:
            self.switch_workspace(view.workspace)
        views.apply(view, self.session)
        self.session.cloud.camera = dict(view.camera)  # the cloud panel sets it once the layout is on show
        if view.query:  # the query's lookup selects its neighbours when it lands: the view's selection wins
            s, changed = self.session, self.session.events.selection

            def reselect(*_args) -> None:
                found = s.neighbours.lookup
                if found is not None and found.query == view.query:
                    changed.disconnect(reselect)
                    QTimer.singleShot(0, lambda: views.apply_selection(view, s))
            changed.connect(reselect)
        self.session.status = f"opened the view of {view.set_name}"

    def _remember_view(self, path: str) -> None:
        p = str(Path(path).resolve())
        self.settings.recent_views = [p] + [r for r in self.settings.recent_views if r != p][: RECENT_VIEWS - 1]
        menu = getattr(self, "recent_views_menu", None)
        if menu is not None:
            menu.clear()
            for r in self.settings.recent_views:
                menu.addAction(r, lambda r=r: self.open_view(r))
            menu.setEnabled(True)
