"""Heatmaps painted from numpy in one image: a grid of small maps (the feature maps of a layer),
or one map whose cells are units (a dense layer laid out 20 x 25, a tokens x features matrix).

    grid = HeatmapGrid()                  # tiles: hover reads (map, y, x), a click picks a map
    grid.set_maps(relu1)                  # (20, 24, 24); colours from 0 to the layer's maximum
    cells = HeatmapGrid(unit="cell")      # cells: a click picks a cell (a neuron)
    cells.set_maps(relu3.reshape(1, 20, 25), count=500)

The whole grid is one mosaic image made with numpy and a colour table (no widget per map), so
redrawing a layer of 50 maps costs well under a millisecond; the mosaic is drawn scaled with
nearest-neighbour pixels. Colours are shared across the maps of a layer, so maps compare.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets.hover import HoverReadout

GAP = 1  # pixels of background between maps (in map pixels)
_ANCHORS = {  # colour tables by anchor colours, dark to bright
    "heat": [(0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99), (212, 72, 66), (245, 125, 21), (250, 193, 39),
             (252, 255, 164)],
    "signed": [(33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247), (253, 219, 199), (239, 138, 98),
               (178, 24, 43)],
}


def color_table(name: str) -> np.ndarray:
    """(256, 3) uint8: the anchors interpolated."""
    a = np.asarray(_ANCHORS[name], np.float32)
    t = np.linspace(0, len(a) - 1, 256)
    lo = np.floor(t).astype(int).clip(0, len(a) - 2)
    f = (t - lo)[:, None]
    return np.round(a[lo] * (1 - f) + a[lo + 1] * f).astype(np.uint8)


TABLES = {name: color_table(name) for name in _ANCHORS}


def best_columns(count: int, h: int, w: int, width: int, height: int) -> int:
    """How many maps per row make them largest inside width x height."""
    best, best_scale = 1, -1.0
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        scale = min(width / (cols * (w + GAP)), height / (rows * (h + GAP)))
        if scale > best_scale + 1e-9:
            best, best_scale = cols, scale
    return best


def mosaic(maps: np.ndarray, cols: int, low: float, high: float, table: np.ndarray,
           background: tuple[int, int, int]) -> np.ndarray:
    """(rows*(h+GAP)-GAP, cols*(w+GAP)-GAP, 4) uint8 RGBX image of the maps."""
    c, h, w = maps.shape
    rows = math.ceil(c / cols)
    span = high - low if high > low else 1.0
    idx = np.clip((maps - low) * (255.0 / span), 0, 255).astype(np.uint8)
    pad = np.zeros((rows * cols, h + GAP, w + GAP), np.int16) - 1  # -1: background
    pad[:c, :h, :w] = idx
    grid = pad.reshape(rows, cols, h + GAP, w + GAP).transpose(0, 2, 1, 3).reshape(rows * (h + GAP), cols * (w + GAP))
    grid = grid[: rows * (h + GAP) - GAP, : cols * (w + GAP) - GAP]
    out = np.empty((*grid.shape, 4), np.uint8)
    out[..., :3] = table[grid.clip(0)]
    out[grid < 0, :3] = background
    out[..., 3] = 255
    return out


class HeatmapGrid(HoverReadout, QWidget):
    hovered = Signal(str)  # a readable line about the unit under the pointer ("" when none)
    unit_clicked = Signal(int)  # tile mode: the map; cell mode: the cell (row * columns + column)

    def __init__(self, parent: QWidget | None = None, *, unit: str = "tile", keep_aspect: bool = True,
                 label: str = "map") -> None:
        super().__init__(parent)
        self.unit, self.keep_aspect, self.label = unit, keep_aspect, label
        self.setMouseTracking(True)
        self.setMinimumSize(60, 40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.maps = np.zeros((0, 1, 1), np.float32)
        self.count = 0  # cell mode: how many cells are real units
        self.low, self.high, self.table = 0.0, 1.0, TABLES["heat"]
        self.selected = -1
        self._cols = 1
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None

    # -- data ----------------------------------------------------------------------------
    def set_maps(self, maps: np.ndarray, *, low: float | None = None, high: float | None = None,
                 signed: bool | None = None, count: int | None = None) -> None:
        """(C, H, W) maps; colours span low..high (default: 0..max, or symmetric when signed)."""
        m = np.asarray(maps, np.float32)
        if m.ndim == 2:
            m = m[None]
        self.maps = m
        self.count = m.shape[1] * m.shape[2] if count is None else int(count)
        lo, hi = (float(m.min()), float(m.max())) if m.size else (0.0, 1.0)
        signed = lo < 0 if signed is None else signed
        if signed:
            edge = max(abs(lo), abs(hi)) or 1.0
            lo, hi = -edge, edge
        else:
            lo = min(lo, 0.0) if low is None else lo
        self.low = lo if low is None else float(low)
        self.high = (hi if hi > self.low else self.low + 1.0) if high is None else float(high)
        self.table = TABLES["signed" if signed else "heat"]
        self._render()

    def clear(self) -> None:
        self.maps = np.zeros((0, 1, 1), np.float32)
        self._image = None
        self.update()

    def select(self, unit: int) -> None:
        self.selected = int(unit)
        self.update()

    def _render(self) -> None:
        c, h, w = self.maps.shape
        if not c:
            self._image = None
            self.update()
            return
        self._cols = best_columns(c, h, w, max(self.width(), 1), max(self.height(), 1)) if self.keep_aspect else c
        bg = self.palette().color(self.backgroundRole())
        self._buffer = mosaic(self.maps, self._cols, self.low, self.high, self.table, (bg.red(), bg.green(), bg.blue()))
        hh, ww = self._buffer.shape[:2]
        self._image = QImage(self._buffer.data, ww, hh, ww * 4, QImage.Format.Format_RGBX8888)
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def _layout_target(self) -> QRect:
        if self._image is None:
            return QRect()
        iw, ih = self._image.width(), self._image.height()
        if not self.keep_aspect:
            return self.rect()
        s = min(self.width() / iw, self.height() / ih)
        if s >= 3:
            s = math.floor(s)  # whole screen pixels per map pixel when that costs little room: even cells
        tw, th = max(1, int(iw * s)), max(1, int(ih * s))
        return QRect((self.width() - tw) // 2, (self.height() - th) // 2, tw, th)

    def unit_at(self, pos: QPoint) -> tuple[int, int, int]:
        """(map, y, x) under a widget position, or (-1, -1, -1)."""
        t, c = self._layout_target(), len(self.maps)
        if self._image is None or not t.contains(pos) or not c:
            return -1, -1, -1
        _, h, w = self.maps.shape
        px = (pos.x() - t.x()) * self._image.width() / t.width()
        py = (pos.y() - t.y()) * self._image.height() / t.height()
        col, x = divmod(int(px), w + GAP)
        row, y = divmod(int(py), h + GAP)
        tile = row * self._cols + col
        if x >= w or y >= h or tile >= c or col >= self._cols:
            return -1, -1, -1
        return tile, y, x

    def describe(self, tile: int, y: int, x: int) -> str:
        value = float(self.maps[tile, y, x])
        if self.unit == "cell":
            cell = y * self.maps.shape[2] + x
            if cell >= self.count:
                return ""
            return f"row {y}, column {x}: {value:.4g}" if self.label == "cell" else f"{self.label} {cell}: {value:.4g}"
        return f"{self.label} {tile} · ({y}, {x}): {value:.4g}"

    # -- Qt ------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(240, 160)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.keep_aspect and len(self.maps):
            c, h, w = self.maps.shape
            if best_columns(c, h, w, max(self.width(), 1), max(self.height(), 1)) != self._cols:
                self._render()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange and len(self.maps):
            self._render()  # the gaps between maps take the new background
        super().changeEvent(event)

    def paintEvent(self, event) -> None:
        if self._image is None:
            return
        p = QPainter(self)
        p.drawImage(self._layout_target(), self._image)
        if self.selected >= 0:
            r = self._unit_rect(self.selected)
            if r is not None:
                p.setPen(QPen(QColor(80, 200, 255), 2))
                p.drawRect(r)
        p.end()

    def _unit_rect(self, unit: int) -> QRect | None:
        c, h, w = self.maps.shape
        t = self._layout_target()
        if self._image is None or t.isEmpty():
            return None
        sx, sy = t.width() / self._image.width(), t.height() / self._image.height()
        if self.unit == "cell":
            if unit >= self.count:
                return None
            y, x = divmod(unit, w)
            return QRect(int(t.x() + x * sx), int(t.y() + y * sy), max(2, int(sx)), max(2, int(sy)))
        if unit >= c:
            return None
        row, col = divmod(unit, self._cols)
        return QRect(int(t.x() + col * (w + GAP) * sx) - 1, int(t.y() + row * (h + GAP) * sy) - 1,
                     int(w * sx) + 2, int(h * sy) + 2)

    def readout_at(self, pos) -> str:
        tile, y, x = self.unit_at(pos.toPoint())
        return self.describe(tile, y, x) if tile >= 0 else ""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        tile, y, x = self.unit_at(event.position().toPoint())
        if tile < 0 or event.button() != Qt.MouseButton.LeftButton:
            return
        unit = tile if self.unit == "tile" else y * self.maps.shape[2] + x
        if self.unit == "cell" and unit >= self.count:
            return
        self.select(unit)
        self.unit_clicked.emit(unit)
