"""The window's guidance: the guided examples, the start page, Ctrl+K, and a panel lit up when it is found
(a mixin of gui.main_window.MainWindow, which supplies docks, panel(), workspaces, session and message_bar)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.state.examples import apply as apply_example
from core.state.examples import example
from gui.find_box import FindBox
from gui.start_page import StartPage
from gui.widgets.spotlight import spotlight


class GuideActions:
    def show_panel(self, name: str) -> bool:
        """Raise the dock ``name`` (in its workspace) and light it up: the find box and the View menu's way."""
        if not self.raise_panel(name):
            return False
        spotlight(self.panel(name))
        return True

    def open_example(self, name: str) -> None:
        """A guided example: its workspace, its inputs in the Session, its panel in front, its action, and
        the thing to look at lit up (core.state.examples)."""
        ex = example(name)
        self.switch_workspace(ex.workspace)
        apply_example(ex, self.session)
        if ex.panel:
            self.raise_panel(ex.panel)
        panel = self.panel(ex.panel) if ex.panel else self.centralWidget()
        if ex.action and panel is not None:
            act = getattr(panel, ex.action, None)
            if act is None:  # the panel could not be built here (its placeholder says why)
                self.message_bar.show_message(
                    f"The example “{ex.title}” needs the {self.docks[ex.panel].windowTitle()} "
                    "panel, which could not be built: see that panel",
                    "error",
                )
                return
            act(*ex.action_args)
        look = self.panel(ex.focus_panel) if ex.focus_panel else panel
        if ex.focus_panel:
            self.raise_panel(ex.focus_panel)
        target = look.findChild(QWidget, ex.focus) if (look is not None and ex.focus) else None
        spotlight(target or look)
        self.session.status = f"{ex.title}: {ex.look}"
        if self._example_row is not None:  # one example's hint at a time
            self.message_bar.dismiss(self._example_row)
        self._example_row = self.message_bar.show_message(f"{ex.title} — look at: {ex.look}", "info")

    def reveal_cloud(self) -> None:
        """Show the 3D cloud in a workspace that hides it (until the workspace is arranged again)."""
        self.workspaces.reveal_cloud()

    def show_start_page(self) -> None:
        if self._start_page is None:
            self._start_page = StartPage(self, show_at_start=self.settings.start_page)
            self._start_page.show_at_start.toggled.connect(lambda on: setattr(self.settings, "start_page", on))
        self._start_page.show()
        self._start_page.raise_()

    def show_find_box(self) -> None:
        box = FindBox(self)
        box.show()
        box.text.setFocus()
        self._find_box = box
