"""An inline message under an input: hidden when empty, red for errors, links clickable.

It wraps, and asks for little width: a long message makes it taller, never its panel
wider (a wider dock would widen the window). Monospace messages keep their leading lines
(an expression and a caret under its column) unwrapped and wrap the last line.

Links use the ``word:`` scheme (``<a href="word:king">king</a>``); clicking one
emits ``word_clicked("king")``.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel

from gui.theme import error_color


class InlineMessage(QLabel):
    word_clicked = Signal(str)

    def __init__(self, parent=None, *, monospace: bool = False) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setMinimumWidth(80)  # the layout uses this instead of the text's width
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setOpenExternalLinks(False)
        self.linkActivated.connect(self._on_link)
        self._monospace = monospace
        self.kind = ""  # "", "info" or "error"
        self.plain = ""
        self.hide()

    def _on_link(self, link: str) -> None:
        if link.startswith("word:"):
            self.word_clicked.emit(link[5:])

    def clear_message(self) -> None:
        self.kind, self.plain = "", ""
        self.setText("")
        self.hide()

    def show_message(self, text: str, kind: str = "info", *, rich: str | None = None) -> None:
        """Show plain `text` (kept in .plain for tests); `rich` is the HTML to display instead."""
        if not text:
            self.clear_message()
            return
        self.kind, self.plain = kind, text
        body = rich if rich is not None else html.escape(text)
        if self._monospace and rich is None:
            *fixed, last = text.split("\n")
            body = (f"<pre style='margin:0'>{html.escape(chr(10).join(fixed))}</pre>" if fixed else "") + html.escape(
                last
            )
        elif self._monospace:
            body = f"<pre style='margin:0'>{body}</pre>"
        color = error_color() if kind == "error" else None
        self.setText(f"<span style='color:{color}'>{body}</span>" if color else body)
        self.show()

    def is_shown(self) -> bool:
        return not self.isHidden() and bool(self.plain)


def word_links(words: list[str]) -> str:
    """HTML: the words as clickable ``word:`` links, comma-separated."""
    return ", ".join(f'<a href="word:{html.escape(w, quote=True)}">{html.escape(w)}</a>' for w in words)
