"""File ▸ Save view… / Open view…: a round trip through the window (the set, projection, selection,
query, camera, the density and names switches), a view of a missing set and a damaged file said in the message bar."""
from __future__ import annotations

import json

from core.state.settings import Settings
from gui.main_window import MainWindow
from tests.gui.conftest import wait_idle


def test_save_quit_open(qtbot, session, runner, tmp_path):
    session.cloud.point_count = 2000
    w = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(w)
    w.show()
    cloud = w.centralWidget()
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=15000)
    wait_idle(qtbot, runner)
    session.selection = (5, 6, 7)
    session.neighbours.query = "queen"
    session.cloud.density, session.cloud.names = True, False
    cloud.view.set_camera({"x": (-0.5, 0.5), "y": (-0.4, 0.4)})
    path = tmp_path / "map.view.json"
    assert not w.recent_views_menu.isEnabled()  # no views yet: greyed, not an empty submenu
    assert w.save_view(str(path))
    assert w.recent_views_menu.isEnabled() and w.recent_views_menu.actions()[0].text() == str(path.resolve())
    saved = json.loads(path.read_text())
    assert saved["selection"] == [5, 6, 7] and saved["query"] == "queen" and saved["version"] == 2
    assert saved["density"] is True and saved["names"] is False
    session.selection = ()
    session.neighbours.query = ""
    session.cloud.density, session.cloud.names = False, True
    cloud.view.reset_camera()
    assert w.open_view(str(path))
    wait_idle(qtbot, runner)
    assert session.selection == (5, 6, 7) and session.neighbours.query == "queen"
    assert session.cloud.density and not session.cloud.names
    (x0, x1), _ = cloud.view.plot.getViewBox().viewRange()
    assert abs(x0 + 0.5) < 0.05 and abs(x1 - 0.5) < 0.05
    assert str(path.resolve()) in w.settings.recent_views
    # a view of a set that is gone, and a damaged file: clear messages
    gone = {**saved, "set_path": str(tmp_path / "gone.txt"), "fingerprint": "0" * 20}
    (tmp_path / "gone.view.json").write_text(json.dumps(gone))
    assert not w.open_view(str(tmp_path / "gone.view.json"))
    assert any("gone.txt" in text and "missing" in text for _, text in w.message_bar.messages())
    (tmp_path / "bad.view.json").write_text("{ not json")
    assert not w.open_view(str(tmp_path / "bad.view.json"))
    assert any("damaged" in text and "line 1" in text for _, text in w.message_bar.messages())
    w.close()
