"""A ranked word list with a bar per row showing the score (neighbours, arithmetic results).

    table = ScoreTable()
    table.set_rows([("prince", 0.82), ("queen", 0.78)], scale="similarity")
    table.word_clicked.connect(...)
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
)

FRACTION_ROLE = Qt.ItemDataRole.UserRole + 1


def bar_fractions(scores: Sequence[float], scale: str) -> list[float]:
    """Bar length 0..1 per score. similarity: the score itself (cosines); larger: relative to the
    largest; smaller: the smallest over each (distances, where less is closer)."""
    if not scores:
        return []
    if scale == "similarity":
        return [min(max(s, 0.0), 1.0) for s in scores]
    if scale == "smaller":
        lo = min(scores)
        return [lo / s if s > 0 else 1.0 for s in scores]
    hi = max(abs(s) for s in scores) or 1.0
    return [max(s, 0.0) / hi for s in scores]


class ScoreBarDelegate(QStyledItemDelegate):
    """Paints a horizontal bar (the item's FRACTION_ROLE) behind the score text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        frac = index.data(FRACTION_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else None
        text = opt.text
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        r = QRectF(opt.rect).adjusted(3, 4, -3, -4)
        if isinstance(frac, float) and r.width() > 0:
            color = opt.palette.color(QPalette.ColorRole.Highlight)
            color.setAlpha(110)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(r.x(), r.y(), r.width() * frac, r.height()), 2, 2)
            painter.restore()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(opt.palette.color(role))
        painter.drawText(r.adjusted(4, 0, -2, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
        painter.restore()


class ScoreTable(QTableWidget):
    """Columns: rank, word, score (with bar). Emits the word of a clicked / activated row."""

    word_clicked = Signal(str)
    word_activated = Signal(str)

    def __init__(self, parent=None, *, score_label: str = "score") -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["#", "word", score_label])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._delegate = ScoreBarDelegate(self)
        self.setItemDelegateForColumn(2, self._delegate)
        self.cellClicked.connect(lambda row, _col: self._emit(self.word_clicked, row))
        self.cellActivated.connect(lambda row, _col: self._emit(self.word_activated, row))

    def _emit(self, signal, row: int) -> None:
        item = self.item(row, 1)
        if item is not None:
            signal.emit(item.text())

    def set_score_label(self, label: str) -> None:
        self.setHorizontalHeaderItem(2, QTableWidgetItem(label))

    def set_rows(self, rows: Sequence[tuple[str, float]], scale: str = "similarity") -> None:
        fractions = bar_fractions([s for _, s in rows], scale)
        self.setRowCount(len(rows))
        for i, ((word, score), frac) in enumerate(zip(rows, fractions)):
            rank = QTableWidgetItem(str(i + 1))
            rank.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            score_item = QTableWidgetItem(f"{score:.3f}")
            score_item.setData(FRACTION_ROLE, float(frac))
            score_item.setToolTip(f"{score:.6f}")
            self.setItem(i, 0, rank)
            self.setItem(i, 1, QTableWidgetItem(word))
            self.setItem(i, 2, score_item)

    def words(self) -> list[str]:
        return [self.item(i, 1).text() for i in range(self.rowCount())]
