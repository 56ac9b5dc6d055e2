"""``cloud(session)``: a cloud panel on its own Session with the CloudController that runs its jobs (kept
for the test)."""
from __future__ import annotations

import pytest

from core.state.session import Session
from gui.controllers.cloud_controller import CloudController
from gui.panels.cloud.point_cloud_panel import PointCloudPanel


@pytest.fixture
def cloud(qtbot, runner):
    kept: list[CloudController] = []

    def make(session: Session) -> PointCloudPanel:
        kept.append(CloudController(session, runner))
        panel = PointCloudPanel(session, runner)
        qtbot.addWidget(panel)
        return panel

    return make
