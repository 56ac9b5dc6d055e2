"""A flow layout (superqt's QFlowLayout) with real gaps between its items.

Nested in another layout, QFlowLayout's default spacing comes out as -1 under the Fusion style: each item
was placed one pixel over the one before it, and an Export button's menu arrow disappeared under the
text beside it. The gaps are set here instead, the same in every panel."""
from __future__ import annotations

from superqt import QFlowLayout

H_GAP, V_GAP = 10, 4  # pixels between items on a line, and between lines


def flow_layout(h_gap: int = H_GAP, v_gap: int = V_GAP) -> QFlowLayout:
    flow = QFlowLayout()
    flow.setHorizontalSpacing(h_gap)
    flow.setVerticalSpacing(v_gap)
    return flow
