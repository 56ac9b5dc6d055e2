"""Light and dark themes: the Fusion style with a palette, applied to the whole app.

Widgets that paint with their own colours (pyqtgraph plots) read the palette in
``changeEvent(QEvent.PaletteChange)``; see :func:`plot_colors`.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

THEMES = ("light", "dark")
ERROR_COLOR = {"light": "#b00020", "dark": "#ff6e6e"}


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    disabled = QColor(120, 122, 126)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor(38, 40, 43),
        QPalette.ColorRole.ToolTipBase: window, QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled, QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(52, 54, 58), QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 110, 110), QPalette.ColorRole.Link: QColor(110, 170, 255),
        QPalette.ColorRole.Highlight: QColor(53, 116, 240), QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Light: QColor(70, 72, 76), QPalette.ColorRole.Midlight: QColor(60, 62, 66),
        QPalette.ColorRole.Mid: QColor(48, 50, 54), QPalette.ColorRole.Dark: QColor(20, 21, 23),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(name: str, app: QApplication | None = None) -> str:
    """Switch the whole application to `name` ("light" or "dark"); returns the name applied."""
    app = app or QApplication.instance()
    name = name if name in THEMES else "light"
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = _dark_palette() if name == "dark" else app.style().standardPalette()
    app.setPalette(palette)
    app.setProperty("ee_theme", name)
    return name


def current_theme() -> str:
    app = QApplication.instance()
    name = app.property("ee_theme") if app is not None else None
    return name if name in THEMES else "light"


def error_color() -> str:
    return ERROR_COLOR[current_theme()]


def plot_colors(widget: QWidget) -> tuple[QColor, QColor]:
    """(background, foreground) for a plot inside `widget`, from its palette."""
    pal = widget.palette()
    return pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
