"""How both views draw labels: the font of each kind and where a label goes without covering another.

A word label sits beside its point (above right, else below right, above left, below left); a
cluster's name (``Label.kind == "cluster"``) is larger, bold and centred on its point (else a
line above or below it). Labels are placed in priority order: a label is skipped when every
place it may take overlaps a label placed before it (or lies outside the view, for names).
"""
from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont

from gui.canvas.scene import Label

CLUSTER_GROWTH = 2  # points larger than word labels
HALO = {"word": QColor(0, 0, 0, 210), "cluster": QColor(0, 0, 0, 150)}


def font(label: Label, base: QFont) -> QFont:
    """The font of `label`: `base`, a point larger and bold for bold words, larger still for names."""
    if label.kind == "cluster":
        f = QFont(base)
        f.setPointSizeF(base.pointSizeF() + CLUSTER_GROWTH)
        f.setBold(True)
        return f
    if label.bold:
        f = QFont(base)
        f.setBold(True)
        f.setPointSizeF(base.pointSizeF() + 1)
        return f
    return base


def place(kind: str, width: float, height: float, x: float, y: float, taken: list[QRectF], *,
          declutter: bool = True, bounds: QRectF | None = None) -> QRectF | None:
    """The box (pixels) for a label of `width` x `height` at point (x, y), or None when every
    place it may take overlaps `taken` (or falls outside `bounds`). Without `declutter`: the first place."""
    if kind == "cluster":  # centred, else a line higher or lower
        corners = [(x - width / 2, y - height / 2 + dy) for dy in (0, -height, height)]
    else:
        corners = [(x + 3, y - height), (x + 3, y + 2), (x - width - 1, y - height), (x - width - 1, y + 2)]
    for left, top in corners:
        rect = QRectF(left, top, width, height)
        if not declutter:
            return rect
        if bounds is not None and not bounds.contains(rect):
            continue
        if not any(rect.intersects(t) for t in taken):
            return rect
    return None
