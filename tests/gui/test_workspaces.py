"""Workspaces: each shows the docks of its task at sizes where they work, the Session is shared, the
user's changes are kept per workspace, and every workspace fits a 1366 x 768 (and 1280 x 720) screen
with no dock tab title cut and no horizontal scrollbar."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtWidgets import QTabBar

from core.state.examples import WORKSPACES
from core.state.settings import Settings
from gui.main_window import MainWindow, first_size
from gui.widgets.dock_scroll import DockScroll
from gui.workspaces import ARRANGEMENTS, docks_of
from tests.gui.conftest import wait_idle


@pytest.fixture
def win(qtbot, session, runner):
    w = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(w)
    yield w
    w.runner.shutdown()


def shown(w) -> set[str]:
    return {n for n, d in w.docks.items() if not d.isHidden()}


def test_each_workspace_shows_its_docks_and_the_session_is_shared(qtbot, win, session):
    win.resize(1366, 740)
    win.show()
    assert set(WORKSPACES) == set(ARRANGEMENTS)
    session.neighbours.query = "tower"
    for name in WORKSPACES:
        win.switch_workspace(name)
        assert win.workspaces.current == name and win.workspaces.actions[name].isChecked()
        assert shown(win) == set(docks_of(name)), name
        assert win.centralWidget().isHidden() == (not ARRANGEMENTS[name].cloud)
    assert session.neighbours.query == "tower"  # one Session under every workspace
    assert all(d.toggleViewAction() in win.menuBar().actions()[1].menu().actions() for d in win.docks.values())


def test_shortcuts_switch_workspaces(qtbot, win):
    win.show()
    qtbot.waitExposed(win)
    for i, name in enumerate(WORKSPACES, 1):
        assert win.workspaces.actions[name].shortcut().toString() == f"Ctrl+{i}"
        win.workspaces.actions[name].trigger()
        assert win.workspaces.current == name


def test_a_users_changes_are_kept_per_workspace_and_reset_brings_back_the_default(qtbot, win):
    win.resize(1366, 740)
    win.show()
    win.switch_workspace("words")
    win.docks["calculator"].close()
    win.switch_workspace("language")
    assert not win.docks["next_word"].isHidden()
    win.switch_workspace("words")
    assert win.docks["calculator"].isHidden() and not win.docks["neighbours"].isHidden()
    win.reset_layout()
    assert shown(win) == set(docks_of("words"))


@pytest.mark.parametrize("screen", [(1366, 768), (1280, 720)])
def test_every_workspace_fits_the_screen_with_nothing_cut(qtbot, win, screen):
    width, height = screen[0], screen[1] - 40  # less a panel or taskbar
    win.resize(*first_size(QSize(width, height)))  # the size the window opens at on that screen
    win.show()
    qtbot.waitExposed(win)
    for name in WORKSPACES:
        win.switch_workspace(name)
        qtbot.wait(30)
        hint = win.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, (name, hint)
        assert win.width() <= width and win.height() <= height, (name, win.size())
        bars = [tb for tb in win.findChildren(QTabBar) if tb.isVisible() and tb.count()
                and win.rect().intersects(tb.geometry()) and tb.parent() is win]
        texts = [tuple(tb.tabText(i) for i in range(tb.count())) for tb in bars]
        assert len(texts) == len(set(texts)), (name, texts)  # no stray second tab bar
        for tb in bars:
            assert tb.elideMode() == Qt.TextElideMode.ElideNone
            for i in range(tb.count()):
                assert tb.tabRect(i).width() >= tb.fontMetrics().horizontalAdvance(tb.tabText(i)), (name, tb.tabText(i))
        if screen == (1366, 768):  # at 1280 x 720 panels may scroll sideways: their content is wider
            for dname in docks_of(name):
                win.docks[dname].raise_()
                qtbot.wait(10)
                scroll = win.docks[dname].widget()
                assert isinstance(scroll, DockScroll)
                assert not scroll.horizontalScrollBar().isVisible(), (name, dname, scroll.width())


def test_coming_back_to_a_workspace_keeps_the_clouds_width_and_leaves_no_stray_tab_bars(qtbot, win, session):
    """Words -> Language model -> Words: the cloud was hidden while Words' layout was restored, so the side
    docks shared its width (629 -> 283 px at 1366), and Language model's tab bars stayed on the window
    ('Next word | Masked word' under 'Neighbours | Selection'). Every tab bar on the window sits against a
    shown dock of one of its tabs, as wide as it."""
    win.resize(1366, 740)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(30)
    cloud = win.centralWidget()
    before = cloud.width()
    session.selection = tuple(range(300))  # "among the 300 selected" must not widen the calculator
    for name in ("language", "words", "network", "words"):
        win.switch_workspace(name)
        qtbot.wait(30)
    assert abs(cloud.width() - before) <= 8, (before, cloud.width())
    docks = [d for d in win.docks.values() if d.isVisible() and not d.isFloating()]
    for bar in win.findChildren(QTabBar):
        g = bar.geometry()
        if bar.parent() is not win or not bar.isVisible() or g.right() < 0 or g.bottom() < 0:
            continue
        titles = {bar.tabText(i) for i in range(bar.count())}
        assert any(d.windowTitle() in titles and abs(d.x() - g.x()) <= 2 and abs(d.width() - g.width()) <= 8
                   for d in docks), (sorted(titles), g)
    scroll = win.docks["calculator"].widget()
    assert not scroll.horizontalScrollBar().isVisible(), scroll.width()


def test_a_workspace_arranged_after_one_without_the_cloud_keeps_its_proportions(qtbot, win):
    """Inside a network arranged right after Language model (which hides the cloud): its left dock is about
    0.28 of the window, as when it comes first (arranged with the cloud hidden it took 877 of 1920 px and
    the draw pad grew to 845 px square)."""
    win.resize(1920, 1040)
    win.show()
    qtbot.waitExposed(win)
    for name in ("language", "network"):
        win.switch_workspace(name)
        qtbot.wait(30)
    assert win.docks["draw_pad"].width() <= 0.33 * win.width(), win.docks["draw_pad"].width()


def test_typing_and_messages_cannot_make_the_window_larger_than_the_screen(qtbot, win, session, runner):
    win.resize(1366, 728)
    win.show()
    qtbot.waitExposed(win)
    session.arithmetic.expression = " + ".join(["king - man + woman"] * 40)
    session.neighbours.query = "x" * 400
    for i in range(12):
        win.message_bar.show_message(f"message {i}: " + "a long explanation of what went wrong " * 20, "error")
    wait_idle(qtbot, runner)
    for name in WORKSPACES:
        win.switch_workspace(name)
        qtbot.wait(20)
        hint = win.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 728, (name, hint)


def test_first_size_comes_from_the_screen():
    from PySide6.QtCore import QSize

    for w, h in ((1280, 720), (1366, 768), (1920, 1080), (3840, 2160)):
        fw, fh = first_size(QSize(w, h))
        assert fw <= w and fh <= h and fw >= min(w, 1024) * 0.9 and fh >= min(h, 640) * 0.9


def test_a_damaged_or_old_saved_layout_gives_the_default_and_says_so(qtbot, session, runner):
    s = Settings(workspace="language", workspace_states={"language": "bm90IGEgbGF5b3V0"},
                 window_geometry=bytes(QByteArray(b"garbage").toBase64()).decode())
    w = MainWindow(session, runner, settings=s, persist=False)
    qtbot.addWidget(w)
    assert w.workspaces.current == "language" and shown(w) == set(docks_of("language"))
    assert any("could not be read" in text for _, text in w.message_bar.messages())
    w.runner.shutdown()
    old = Settings(window_state="AAAA")
    w2 = MainWindow(session, runner, settings=old, persist=False)
    qtbot.addWidget(w2)
    assert w2.workspaces.current == "words" and shown(w2) == set(docks_of("words"))
    assert any("older version" in text for _, text in w2.message_bar.messages())


def test_a_geometry_from_a_larger_screen_is_brought_back_onto_this_one(qtbot, win):
    win.show()
    qtbot.waitExposed(win)
    screen = win.screen().availableGeometry()
    win.resize(screen.width() + 900, screen.height() + 700)
    win.move(screen.right() + 500, screen.bottom() + 300)
    win.fit_to_screen()
    least = win.minimumSizeHint()  # the offscreen test screen (800 x 800) is smaller than any real one
    assert win.width() <= max(screen.width(), least.width()) and win.height() <= max(screen.height(), least.height())
    assert screen.contains(win.frameGeometry().topLeft())


def test_show_in_the_cloud_reveals_it_where_the_workspace_hides_it(qtbot, win):
    win.show()
    win.switch_workspace("language")
    assert win.centralWidget().isHidden()
    win.panel("contextual").cloud_requested.emit()
    assert not win.centralWidget().isHidden()
    win.switch_workspace("words")
    win.switch_workspace("language")
    assert win.centralWidget().isHidden()


def test_the_cloud_never_overflows_onto_the_docks_of_a_short_window(qtbot, win):
    """A 1366 x 768 screen with two messages above the panels: the cloud keeps within its place (a native GL
    window that overflowed its panel painted over the dock below)."""
    win.resize(1284, 700)  # the first size on a 1366 x 768 screen, less a taskbar
    win.show()
    qtbot.waitExposed(win)
    for i in range(2):
        win.message_bar.show_message(f"a notice {i} long enough to take two lines of the window: " + "words " * 40,
                                     "info")
    for name in WORKSPACES:
        win.switch_workspace(name)
        qtbot.wait(30)
        central = win.centralWidget()
        if central.isHidden():
            continue
        assert central.height() >= central.minimumSizeHint().height(), (name, central.height())
        for dname in docks_of(name):
            dock = win.docks[dname]
            if dock.isVisible() and win.rect().intersects(dock.geometry()):
                assert not central.geometry().intersects(dock.geometry()), (name, dname)


@pytest.mark.gl
def test_the_3d_cloud_never_overflows_onto_the_docks_of_a_short_window(qtbot, win):
    """The same with the real 3D view (a native OpenGL window), under Xvfb."""
    test_the_cloud_never_overflows_onto_the_docks_of_a_short_window(qtbot, win)


def test_only_the_docks_in_front_open_their_models(qtbot, win, session):
    """Arranging a workspace shows every dock for a moment before tabbing most behind another: only the
    ones left in front may set their flag (each flag opens a model; all of them together are 1.8 GB)."""
    lang = session.language
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.switch_workspace("language")
    qtbot.wait(100)
    assert lang.active and lang.lens.active  # Next word and the logit lens are in front
    assert not (lang.masked.active or lang.contextual.active or lang.search.active or lang.recurrent.active
                or lang.attention.active)
    win.raise_panel("attention")
    qtbot.waitUntil(lambda: lang.attention.active, timeout=3000)
    assert not lang.search.active
