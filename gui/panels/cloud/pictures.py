"""Pictures as points: PictureActions adds them to PointCloudPanel (uses its session, scene and view).
A set with pictures (``es.images``: the digits, a Projector sprite sheet) is drawn as thumbnails tinted
with the points' colours while ``session.cloud.sprites`` is on (the "pictures" check box), as dots
otherwise; hovering a point shows its picture large in the tooltip."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage

from gui.canvas.sprites import tinted
from gui.lifetime import bind

LARGE = 112  # pixels of the hovered picture's longer side
MAX_PICTURES = 100_000  # more points are drawn as dots (the atlas holds one cell per point)


def sprite_size(n: int) -> float:
    """A thumbnail's side in pixels: large for few points, smaller as they crowd."""
    return 36.0 if n <= 1_000 else 28.0 if n <= 5_000 else 20.0 if n <= 20_000 else 14.0


def picture_html(picture: np.ndarray, side: int = LARGE) -> str:
    """An <img> of a picture enlarged (whole pixels, no blur) to about `side` pixels, as a data URI."""
    p = np.asarray(picture, np.uint8)
    k = max(1, side // max(p.shape[:2]))
    p = np.ascontiguousarray(p.repeat(k, 0).repeat(k, 1))
    fmt = QImage.Format.Format_Grayscale8 if p.ndim == 2 else \
        QImage.Format.Format_RGBA8888 if p.shape[2] == 4 else QImage.Format.Format_RGB888
    img = QImage(p.data, p.shape[1], p.shape[0], p.strides[0], fmt)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return f'<img src="data:image/png;base64,{bytes(data.toBase64()).decode()}">'


class PictureActions:
    """The thumbnails of PointCloudPanel."""

    def _init_pictures(self) -> None:
        bind(self, self._session.cloud.events.sprites, self._on_sprites_changed)

    def has_pictures(self) -> bool:
        es = self._session.embeddings
        return es is not None and es.images is not None and len(es.images) == len(es)

    def _on_sprites_changed(self) -> None:
        if self.layout_ is not None and not self._live_drawn:
            self.draw_pictures(self.point_colours())

    def draw_pictures(self, colours: np.ndarray) -> None:
        """The points on show as their pictures (or dots: the switch is off, or the set has none)."""
        rows = self.scene.rows
        on = self._session.cloud.sprites and self.has_pictures() and 0 < len(rows) <= MAX_PICTURES \
            and len(colours) == len(rows)
        es = self._session.embeddings
        self.view.set_sprites(tinted(es.images[rows], colours) if on else None, sprite_size(len(rows)))

    def picture_tip(self, row: int) -> str:
        """The hovered point's picture, large, for the tooltip ("" for a set without pictures)."""
        return picture_html(self._session.embeddings.images[row]) + "<br>" if self.has_pictures() else ""
