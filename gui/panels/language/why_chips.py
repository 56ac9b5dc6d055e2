"""What made the next word, under the Next word bars: the prompt's tokens as chips tinted by
occlusion (the drop in the top token's log-probability when each is removed), from
``session.language.attention.attribution``. The first "What made it?" opens the attention
inspection graphs (AttentionController computes the attribution from then on, as the prompt changes);
a bar clicked in the Attention dock explains that token instead."""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from core.state.session import Session
from gui.lifetime import bind
from gui.panels.language.token_chips import TokenChips, score_chips


class WhyChips(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m = session.language.attention
        self._language = session.language
        self.ask = QPushButton("What made it?", toolTip="each prompt token's share in the top next word "
                               "(occlusion: the prompt read again without it, all in one batch)")
        self.label = QLabel(wordWrap=True)
        self.chips = TokenChips()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ask)
        layout.addWidget(self.label)
        layout.addWidget(self.chips)
        self.ask.clicked.connect(lambda: setattr(self._m, "active", True))
        bind(self, self._m.events.attribution, self._on_attribution_changed)
        bind(self, self._m.events.active, self._on_attribution_changed)
        self._on_attribution_changed()

    def _on_attribution_changed(self) -> None:
        a = self._m.attribution
        self.ask.setVisible(not self._m.active)
        if a is None:
            self.label.setText("")
            self.chips.set_chips([])
            return
        self.label.setText(f"What made <b>{html.escape(a.target)}</b>: red helped, blue worked against "
                           "(occlusion, log-probability drop when the token is removed)")
        self.chips.set_chips(score_chips(a.tokens, a.scores["occlusion"], "occlusion"))
