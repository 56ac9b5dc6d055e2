"""Pictures as points: every point's picture (a digit, a Projector sprite sheet's image) drawn as a
thumbnail that faces the camera and keeps its size on screen.

Both views get the same input, ``set_sprites(pictures, size)``: one RGBA picture per point given to
``set_points``, already tinted with the point's colour (:func:`tinted`), and the thumbnail's side in
pixels. They pack the pictures into one atlas (:func:`atlas`) and draw them in one call:

* 3D, :class:`SpritesItem`: a GL item drawing point sprites (``GL_POINTS`` with ``gl_PointSize``; the
  fragment shader reads the point's cell of the atlas texture at ``gl_PointCoord``). Sprites are
  square, face the camera by construction and are sized in pixels; the depth test lets nearer
  pictures cover farther ones.
* 2D, :class:`Sprites2D`: a pyqtgraph GraphicsObject painting ``QPainter.drawPixmapFragments`` from one
  atlas pixmap (as pyqtgraph's own ScatterPlotItem draws its symbols).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from OpenGL import GL
from OpenGL.GL import shaders
from pyqtgraph.opengl.items.GLScatterPlotItem import GLScatterPlotItem, _is_compatibility_profile
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QOpenGLContext, QPainter, QPixmap
from PySide6.QtOpenGL import QOpenGLBuffer

BACKDROP = np.array([14, 16, 20], np.float32)  # the dark of a grey picture (digits are white on black)
MAX_ATLAS = 8192  # pixels along the atlas's side; more pictures are drawn smaller in it


def tinted(images: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """RGBA pictures (n, h, w, 4) uint8: grey pictures run from a dark backdrop to the point's colour (a
    digit in its label's colour); colour pictures are kept, opaque unless they have alpha."""
    images = np.asarray(images)
    if images.ndim == 3:
        col = np.clip(np.asarray(colors, np.float32)[:, :3] * 255, 0, 255)
        v = images.astype(np.float32)[..., None] / 255.0
        out = np.empty((*images.shape, 4), np.uint8)
        out[..., :3] = BACKDROP + v * (col[:, None, None, :] - BACKDROP)
        out[..., 3] = 255
        return out
    if images.shape[3] == 3:
        return np.concatenate([images, np.full((*images.shape[:3], 1), 255, np.uint8)], axis=3)
    return np.ascontiguousarray(images, np.uint8)


def atlas(pictures: np.ndarray, max_side: int = MAX_ATLAS) -> tuple[np.ndarray, np.ndarray]:
    """One image holding every picture in a grid: (the atlas (H, W, 4) uint8, each picture's cell as
    (x, y, w, h) pixels). Pictures too many for `max_side` are subsampled (every k-th pixel)."""
    n, h, w = pictures.shape[:3]
    cols = max(1, math.ceil(math.sqrt(n * h / max(w, 1))))
    step = max(1, math.ceil(max(cols * w, math.ceil(n / cols) * h) / max_side))
    pictures = pictures[:, ::step, ::step]
    h, w = pictures.shape[1:3]
    rows = max(1, math.ceil(n / cols))
    grid = np.zeros((rows * cols, h, w, 4), np.uint8)
    grid[:n] = pictures
    out = grid.reshape(rows, cols, h, w, 4).swapaxes(1, 2).reshape(rows * h, cols * w, 4)
    i = np.arange(n)
    cells = np.column_stack([(i % cols) * w, (i // cols) * h, np.full(n, w), np.full(n, h)]).astype(np.int32)
    return np.ascontiguousarray(out), cells


class SpritesItem(GLScatterPlotItem):
    """Point sprites textured from one atlas: `pos`, `size` (pixels) and the atlas cell of each point."""

    _shaderProgram = None  # its own program (the scatter's class attribute is the scatter's)  # noqa: N815

    def __init__(self, **kwds) -> None:
        super().__init__(**kwds)
        self.m_vbo_cell = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
        self.atlas: np.ndarray | None = None
        self.cells = np.empty((0, 2), np.float32)  # each point's cell: its top-left corner in texture units
        self.step = (0.0, 0.0)  # a cell's size in texture units
        self._texture: tuple[object, int] | None = None  # (the context it lives in, its name)
        self._dirty_atlas = False
        self._dirty_cells = False
        self._core = False  # a core-profile context (no GL_POINT_SPRITE to enable)

    def set_sprites(self, pos: np.ndarray, pictures: np.ndarray, size: float) -> None:
        image, cells = atlas(pictures)
        H, W = image.shape[:2]
        self.atlas = image
        self.cells = np.ascontiguousarray(cells[:, :2] / np.array([W, H], np.float32), np.float32)
        self.step = (float(cells[0, 2]) / W, float(cells[0, 3]) / H) if len(cells) else (0.0, 0.0)
        self._dirty_atlas = self._dirty_cells = True
        self.setData(pos=pos, size=np.full(len(pos), float(size), np.float32), color=(1.0, 1.0, 1.0, 1.0))

    @staticmethod
    def getShaderProgram():
        klass = SpritesItem
        if klass._shaderProgram is not None:
            return klass._shaderProgram
        fmt = QOpenGLContext.currentContext().format()
        core = fmt.version() >= (3, 1)
        version = "#version 140\n" if core else "#version 120\n"
        sources = _sources(core)
        program = shaders.compileProgram(*(shaders.compileShader([version, v], k) for k, v in sources.items()))
        for loc, name in enumerate(("a_position", "a_cell", "a_size")):
            GL.glBindAttribLocation(program, loc, name)
        GL.glLinkProgram(program)
        klass._shaderProgram = program
        return program

    def _bind_texture(self) -> None:
        ctx = QOpenGLContext.currentContext()
        if self._texture is not None and self._texture[0] is not ctx:
            self._texture, self._dirty_atlas = None, True  # a new context: the old name means nothing here
        if self._texture is None:
            self._texture = (ctx, int(GL.glGenTextures(1)))
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self._texture[1])
        if self._dirty_atlas and self.atlas is not None:
            GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
            GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, self.atlas.shape[1], self.atlas.shape[0], 0, GL.GL_RGBA,
                            GL.GL_UNSIGNED_BYTE, self.atlas)
            for p, v in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_NEAREST), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_NEAREST),
                         (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
                GL.glTexParameteri(GL.GL_TEXTURE_2D, p, v)
            self._dirty_atlas = False

    def paint(self) -> None:
        if self.pos is None or self.atlas is None or not len(self.pos) or not self.visible():
            return
        self.setupGLState()
        mvp = np.array(self.mvpMatrix().data(), dtype=np.float32)
        ctx = QOpenGLContext.currentContext()
        self.upload_vbo(self.m_vbo_position, self.pos)
        self.upload_vbo(self.m_vbo_size, self.size)
        if self._dirty_cells:
            self.upload_vbo(self.m_vbo_cell, self.cells)
            self._dirty_cells = False
        if not ctx.isOpenGLES():
            if _is_compatibility_profile(ctx) or not self._core:
                try:  # without it gl_PointCoord stays 0 in a compatibility context: every pixel one texel
                    GL.glEnable(GL.GL_POINT_SPRITE)
                except GL.GLError:
                    self._core = True
            GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
        self._bind_texture()
        program = self.getShaderProgram()
        for loc, vbo, width in ((0, self.m_vbo_position, 3), (1, self.m_vbo_cell, 2), (2, self.m_vbo_size, 1)):
            vbo.bind()
            GL.glVertexAttribPointer(loc, width, GL.GL_FLOAT, False, 0, None)
            vbo.release()
            GL.glEnableVertexAttribArray(loc)
        with program:
            GL.glUniformMatrix4fv(GL.glGetUniformLocation(program, "u_mvp"), 1, False, mvp)
            GL.glUniform2f(GL.glGetUniformLocation(program, "u_step"), *self.step)
            GL.glUniform1i(GL.glGetUniformLocation(program, "u_atlas"), 0)
            GL.glDrawArrays(GL.GL_POINTS, 0, len(self.pos))
        for loc in range(3):
            GL.glDisableVertexAttribArray(loc)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)


VERTEX = """
    uniform mat4 u_mvp;
    ATTR vec4 a_position;
    ATTR vec2 a_cell;
    ATTR float a_size;
    VOUT vec2 v_cell;
    void main() {
        gl_Position = u_mvp * a_position;
        gl_PointSize = a_size;
        v_cell = a_cell;
    }
"""
FRAGMENT = """
    uniform sampler2D u_atlas;
    uniform vec2 u_step;
    VIN vec2 v_cell;
    DECLARE
    void main() {
        COLOR = TEXTURE(u_atlas, v_cell + gl_PointCoord * u_step);
    }
"""


def _sources(core: bool) -> dict:
    """The shaders in GLSL 1.40 (core) or 1.20 (legacy) words."""
    words = {"ATTR": "in", "VOUT": "out", "VIN": "in", "DECLARE": "out vec4 fragColor;", "COLOR": "fragColor",
             "TEXTURE": "texture"} if core else \
        {"ATTR": "attribute", "VOUT": "varying", "VIN": "varying", "DECLARE": "", "COLOR": "gl_FragColor",
         "TEXTURE": "texture2D"}
    out = {}
    for kind, text in ((GL.GL_VERTEX_SHADER, VERTEX), (GL.GL_FRAGMENT_SHADER, FRAGMENT)):
        for k, v in words.items():
            text = text.replace(k, v)
        out[kind] = text
    return out


class Sprites2D(pg.GraphicsObject):
    """The 2D view's thumbnails: one atlas pixmap, one drawPixmapFragments per paint (points in view only)."""

    def __init__(self) -> None:
        super().__init__()
        self.xy = np.empty((0, 2), np.float64)
        self.cells = np.empty((0, 4), np.float64)
        self.pixmap: QPixmap | None = None
        self.size = 24.0
        self._frags = internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        self._bounds = QRectF()

    def set_sprites(self, xy: np.ndarray, pictures: np.ndarray | None, size: float) -> None:
        self.prepareGeometryChange()
        if pictures is None or not len(xy):
            self.xy, self.pixmap, self._bounds = np.empty((0, 2)), None, QRectF()
        else:
            image, cells = atlas(pictures)
            self._image = image  # QImage shares its buffer
            q = QImage(image.data, image.shape[1], image.shape[0], image.strides[0], QImage.Format.Format_RGBA8888)
            self.pixmap = QPixmap.fromImage(q)
            self.cells = cells.astype(np.float64)
            self.set_positions(xy)
        self.size = float(size)
        self.update()

    def set_positions(self, xy: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.xy = np.asarray(xy, np.float64)[:, :2]
        lo, hi = self.xy.min(axis=0), self.xy.max(axis=0)
        self._bounds = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p: QPainter, *_args) -> None:
        if self.pixmap is None or not len(self.xy):
            return
        view = self.viewRect()
        if view is not None:
            inside = (self.xy[:, 0] >= view.left()) & (self.xy[:, 0] <= view.right()) \
                & (self.xy[:, 1] >= view.top()) & (self.xy[:, 1] <= view.bottom())
        else:
            inside = np.ones(len(self.xy), bool)
        pts = pg.functions.transformCoordinates(p.transform(), self.xy[inside].T.copy())
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        cells = self.cells[inside]
        self._frags.resize(len(cells))
        frags = self._frags.ndarray()
        frags[:, 0:2] = pts.T
        frags[:, 2:6] = cells
        scale = self.size / np.maximum(cells[:, 2], cells[:, 3])
        frags[:, 6] = scale
        frags[:, 7] = scale
        frags[:, 8:10] = (0.0, 1.0)
        p.drawPixmapFragments(*self._frags.drawargs(), self.pixmap)
