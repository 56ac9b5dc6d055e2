"""Tokens as chips that wrap like words: each shows a token's visible text over a small line (its id,
or the probability and rank it had). Painted in one widget, so thousands of tokens stay cheap.

    chips = TokenChips()
    chips.set_chips([Chip("<|endoftext|>", "0", muted=True), Chip("Once", "6403")])
    chips.picked.connect(lambda index: ...)
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.panels.language.pickable import Pickable, faint

PAD, GAP, RADIUS = 5, 4, 4


@dataclass(frozen=True)
class Chip:
    text: str
    sub: str = ""  # the small line under the text
    muted: bool = False  # shown greyed (the start token)
    tip: str = ""
    tint: str = ""  # a background ("#aarrggbb", as QColor reads it): a score as colour (attribution); "" none


def score_chips(tokens, scores, label: str = "") -> list[Chip]:
    """Tokens as chips tinted by a score (attribution): red for one that helped, blue for one that worked
    against, as strong as its size against the largest; the first (the start token) muted."""
    top = max((abs(float(v)) for v in list(scores)[1:]), default=0.0) or 1.0

    def tint(v: float) -> str:
        a = int(min(1.0, abs(v) / top) * 200)
        return f"#{a:02x}e0403a" if v >= 0 else f"#{a:02x}3a70e0"

    return [Chip(tok, f"{float(v):+.2f}", muted=i == 0, tip=f"{label}: {float(v):+.4f}" if label else "",
                 tint="" if i == 0 else tint(float(v))) for i, (tok, v) in enumerate(zip(tokens, scores))]


class TokenChips(Pickable):
    def __init__(self, parent: QWidget | None = None, *, empty: str = "", clickable: bool = False) -> None:
        super().__init__(parent, clickable=clickable)
        self._chips: list[Chip] = []
        self._rects: list[QRect] = []
        self._laid_for = -1
        self._empty = empty
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(self.font().pointSizeF() * 0.78, 6.5))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    # -- content ----------------------------------------------------------------------------
    def set_chips(self, chips: list[Chip]) -> None:
        self._chips = list(chips)
        self._laid_for = -1
        self._hover = -1
        self._layout(self.width())
        self.update()

    def chips(self) -> list[Chip]:
        return list(self._chips)

    def chip_rect(self, index: int) -> QRect:
        self._layout(self.width())
        return self._rects[index]

    # -- geometry ---------------------------------------------------------------------------
    def _line_heights(self) -> tuple[int, int]:
        return QFontMetrics(self.font()).height(), QFontMetrics(self._small).height()

    def _layout(self, width: int) -> int:
        """Place the chips in rows for ``width``; returns the height they need."""
        big, small = self._line_heights()
        chip_h = big + small + 2 * PAD - 2
        if width == self._laid_for:
            return (self._rects[-1].bottom() + 1) if self._rects else chip_h
        fm, fs = QFontMetrics(self.font()), QFontMetrics(self._small)
        x = y = 0
        rects = []
        for chip in self._chips:
            w = max(fm.horizontalAdvance(chip.text), fs.horizontalAdvance(chip.sub), 8) + 2 * PAD
            w = min(w, max(width, 40))
            if x > 0 and x + w > width:
                x, y = 0, y + chip_h + GAP
            rects.append(QRect(x, y, w, chip_h))
            x += w + GAP
        self._rects, self._laid_for = rects, width
        height = (y + chip_h) if rects else chip_h
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)
            self.content_resized.emit()
        return height

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout(width)

    def sizeHint(self) -> QSize:
        return QSize(200, self._layout(max(self.width(), 200)))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, sum(self._line_heights()) + 2 * PAD)

    def resizeEvent(self, event) -> None:
        self._layout(event.size().width())
        super().resizeEvent(event)

    # -- painting and the mouse --------------------------------------------------------------
    def paintEvent(self, event) -> None:
        self._layout(self.width())
        p = QPainter(self)
        pal = self.palette()
        if not self._chips and self._empty:
            p.setPen(pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self._empty)
            return
        big, _ = self._line_heights()
        visible = event.rect()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, (chip, r) in enumerate(zip(self._chips, self._rects)):
            if not r.intersects(visible):
                continue
            fill = pal.color(QPalette.ColorRole.Highlight if i == self._hover else QPalette.ColorRole.Button)
            if i == self._hover:
                fill.setAlpha(70)
            elif chip.tint:
                fill = QColor(chip.tint)
            p.setPen(pal.color(QPalette.ColorRole.Mid))
            p.setBrush(fill)
            p.drawRoundedRect(r.adjusted(0, 0, -1, -1), RADIUS, RADIUS)
            p.setPen(faint(pal, 110) if chip.muted else pal.color(QPalette.ColorRole.Text))
            p.setFont(self.font())
            inner = r.adjusted(PAD, PAD - 2, -PAD, 0)
            p.drawText(QRect(inner.left(), inner.top(), inner.width(), big), int(Qt.AlignmentFlag.AlignLeft), chip.text)
            p.setFont(self._small)
            p.setPen(faint(pal))
            p.drawText(QRect(inner.left(), inner.top() + big - 1, inner.width(), r.height() - big),
                       int(Qt.AlignmentFlag.AlignLeft), chip.sub)

    def item_at(self, pos: QPoint) -> int:
        return next((i for i, r in enumerate(self._rects) if r.contains(pos)), -1)

    def item_tip(self, index: int) -> str:
        return self._chips[index].tip
