"""Labels in the 3D view: one item that paints many labels per frame, decluttered, with a dark halo
(drawn into one image with the raster engine, then blitted into the OpenGL frame)."""
from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen

from gui.canvas import label_style, picking
from gui.canvas.scene import Label


class LabelsItem(gl.GLTextItem):
    """Many labels, one QPainter per frame, in priority order: a label that would overlap
    an earlier one is skipped (declutter), as are labels behind the camera."""

    def __init__(self, font_size: int = 10, bold: bool = False) -> None:
        super().__init__(glOptions="translucent")
        self.labels: list[Label] = []
        self.shown: list[tuple[Label, QRectF]] = []  # the labels the last frame drew, and their boxes
        self.declutter = True
        self._direct = True  # glDrawPixels works (compatibility profile)
        self.font = QFont("DejaVu Sans", font_size)
        self.font.setBold(bold)

    def set_labels(self, labels: list[Label]) -> None:
        self.labels = list(labels)
        self.update()

    def paint(self) -> None:
        view = self.view()
        self.shown = []
        if not self.labels or view is None:
            return
        self.setupGLState()
        pts = np.array([lb.pos for lb in self.labels], np.float32)
        xy, _, visible = picking.project(pts, picking.mvp_of(view), view.width(), view.height())
        # Text is drawn with the raster engine into one image, then blitted: drawText through the
        # OpenGL paint engine costs ~1 ms a call on software GL (5 calls a label with its halo).
        dpr = view.devicePixelRatioF()
        # in the byte order glDrawPixels reads (GL_RGBA): no conversion of the whole image per frame
        image = QImage(int(view.width() * dpr), int(view.height() * dpr), QImage.Format.Format_RGBA8888_Premultiplied)
        image.setDevicePixelRatio(dpr)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        fonts: dict[tuple[str, bool], tuple[QFont, QFontMetrics]] = {}
        bounds = QRectF(0, 0, view.width(), view.height())
        taken: list[QRectF] = []
        for lb, (x, y), ok in zip(self.labels, xy, visible):
            if not ok:
                continue
            style = fonts.get((lb.kind, lb.bold))
            if style is None:
                f = label_style.font(lb, self.font)
                style = fonts[(lb.kind, lb.bold)] = (f, QFontMetrics(f))
            box = QRectF(style[1].boundingRect(lb.text)).adjusted(-2, -1, 2, 1)
            rect = label_style.place(lb.kind, box.width(), box.height(), float(x), float(y), taken,
                                     declutter=self.declutter, bounds=bounds if lb.kind == "cluster" else None)
            if rect is None:
                continue  # every place it may take is covered by labels with a higher priority
            taken.append(rect)
            self.shown.append((lb, rect))
            at = rect.topLeft() - box.topLeft()  # the text's baseline origin
            painter.setFont(style[0])
            painter.setPen(QPen(label_style.HALO[lb.kind]))
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(at + QPointF(dx, dy), lb.text)
            painter.setPen(QColor.fromRgbF(*lb.color))
            painter.drawText(at, lb.text)
        painter.end()
        if taken:
            box = taken[0]
            for r in taken[1:]:
                box = box.united(r)
            self._blit(view, image, box.adjusted(-2, -2, 2, 2))

    def _blit(self, view, image: QImage, box: QRectF) -> None:
        """Draw the label image over the frame with glDrawPixels (premultiplied alpha).

        Not with QPainter(view): while QWidget.grab() renders the window, painting on the
        widget is redirected to the grab's pixmap and then covered by the GL frame, so
        labels vanished from window screenshots. Core-profile contexts have no
        glDrawPixels; there QPainter is used.
        """
        if self._direct:
            img = image if image.format() == QImage.Format.Format_RGBA8888_Premultiplied else \
                image.convertToFormat(QImage.Format.Format_RGBA8888_Premultiplied)
            h, w, bpl = img.height(), img.width(), img.bytesPerLine()
            dpr = image.devicePixelRatio()
            x0, x1 = (int(np.clip(v * dpr, 0, w)) for v in (box.left(), box.right()))
            y0, y1 = (int(np.clip(v * dpr, 0, h)) for v in (box.top(), box.bottom()))
            if x1 <= x0 or y1 <= y0:
                return
            rows = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
            pixels = np.ascontiguousarray(rows[y0:y1][::-1, 4 * x0: 4 * x1])  # only the labels' box; GL is bottom-up
            try:
                GL.glDisable(GL.GL_DEPTH_TEST)
                GL.glEnable(GL.GL_BLEND)
                GL.glBlendFunc(GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
                GL.glWindowPos2i(x0, h - y1)
                GL.glDrawPixels(x1 - x0, y1 - y0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, pixels)
                return
            except GL.GLError:
                self._direct = False
        painter = QPainter(view)
        painter.drawImage(0, 0, image)
        painter.end()
