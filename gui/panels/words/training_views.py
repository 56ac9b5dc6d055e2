"""The train panel's views: the settings form, small learning charts (one line per architecture, a
marker at the epoch on show) and the table of the probe words' nearest neighbours, side by side when
two runs are compared. They show what they are given; the panel decides what that is."""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)
from superqt.utils import signals_blocked

from core.embeddings.training import LIMITS, TrainingRun, TrainingSettings
from gui.widgets.line_chart import LineChart

# one colour per architecture, the same in both charts and the table's headers
COLORS = {"skip-gram": (66, 133, 244), "CBOW": (234, 140, 30)}
SCORES = {
    "ws353": ("WordSim-353 Spearman", lambda s: s.ws353),
    "gap": ("related − unrelated cosine", lambda s: s.related_gap),
    "analogies": ("analogies correct", lambda s: s.analogy_accuracy),
}
SPINS = {"dimensions": "Dimensions", "window": "Window", "negative": "Negatives",
         "min_count": "Min count", "epochs": "Epochs", "seed": "Seed", "workers": "Threads"}
TIPS = {"workers": "worker threads; 1: the same seed gives the same vectors, and the loss is exact",
        "min_count": "minimum count: words seen fewer times are left out",
        "window": "words on each side that count as context",
        "negative": "negative samples: noise words contrasted with each true context word",
        "dimensions": "the length of each word vector", "epochs": "passes over the corpus"}


def compact(combo: QComboBox, chars: int = 10) -> QComboBox:
    """A combo box that asks for little width (its items may be long)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


class SettingsForm(QWidget):
    """Architecture and the numbers word2vec users know. Spin boxes start below the valid range
    (at 0) so an impossible value gets its message instead of a silent refusal to type it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arch = compact(QComboBox())
        self.arch.addItem("skip-gram: predict the context from a word", True)
        self.arch.addItem("CBOW: predict a word from its context", False)
        self.spins: dict[str, QSpinBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Model"), 0, 0)
        grid.addWidget(self.arch, 0, 1, 1, 3)
        for i, (name, label) in enumerate(SPINS.items()):
            lo, hi = LIMITS[name]
            spin = QSpinBox(minimum=lo if name in ("seed", "workers") else 0, maximum=min(hi, 999_999),
                            toolTip=TIPS.get(name, ""))
            self.spins[name] = spin
            grid.addWidget(QLabel(label, toolTip=TIPS.get(name, "")), 1 + i // 2, 2 * (i % 2))
            grid.addWidget(spin, 1 + i // 2, 2 * (i % 2) + 1)

    def show_settings(self, st: TrainingSettings) -> None:
        with signals_blocked(self.arch):
            self.arch.setCurrentIndex(0 if st.sg else 1)
        for name, spin in self.spins.items():
            with signals_blocked(spin):
                spin.setValue(getattr(st, name))


def series(run: TrainingRun, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) of one figure of a run: 'loss' (from epoch 1) or a key of SCORES. Epochs without
    a value (a score a small vocabulary cannot give) are left out, so a line never holds only NaN."""
    if what == "loss":
        values = [(r.epoch, r.loss) for r in run.epochs]
    else:
        get = SCORES[what][1]
        values = [(r.epoch, get(r.scores)) for r in run.epochs]
    xy = np.array([(e, np.nan if v is None else v) for e, v in values], float).reshape(-1, 2)
    xy = xy[np.isfinite(xy[:, 1])]
    return xy[:, 0], xy[:, 1]


class LearningChart(LineChart):
    """A line per run against the epoch, the epoch on show marked; fixed axes (see directions_panel)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent, height=90)
        self.title.setWordWrap(False)
        self._text = title

    def show_runs(self, runs: list[TrainingRun], what: str, epochs: int, scale: float = 1.0) -> None:
        lines = {}
        for run in runs:
            name = run.settings.architecture
            x, y = series(run, what)
            lines[name] = (x, y / scale, COLORS[name], False)
        key = "".join(f" <span style='color:rgb{COLORS[r.settings.architecture]}'>━ {r.settings.architecture}</span>"
                      for r in runs) if len(runs) > 1 else ""
        self.title.setText(self._text + ("<br>" + key if key else ""))
        values = np.concatenate([y for _x, y, _c, _d in lines.values()]) if lines else np.zeros(0)
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        pad = max((hi - lo) * 0.08, abs(hi) * 0.02, 1e-3)
        self.set_lines(lines, x_range=(0, max(epochs, 1)), y_range=(lo - pad, hi + pad))


class ProbeTable(QTableWidget):
    """One row per probe word: its five nearest words at one epoch, a line per run (scores on hover)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 1, parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def show_epoch(self, runs: list[TrainingRun], epoch: int) -> None:
        """The neighbours at `epoch` (-1: each run's latest) of every run's probe words."""
        pairs = [(run, run.epochs[epoch if 0 <= epoch < len(run.epochs) else -1]) for run in runs if run.epochs]
        words = list(dict.fromkeys(w for _run, rec in pairs for w, _ in rec.neighbours))
        several = len(pairs) > 1
        title = f"nearest words at epoch {pairs[0][1].epoch}" if pairs else "nearest words"
        if several:
            title = f"epoch {pairs[0][1].epoch}: " + " | ".join(r.settings.architecture for r, _ in pairs)
        self.setHorizontalHeaderLabels([title])
        self.setRowCount(len(words))
        self.setVerticalHeaderLabels(words)
        found = [dict(rec.neighbours) for _run, rec in pairs]
        for i, w in enumerate(words):
            lines = [(run.settings.architecture, f.get(w, ())) for (run, _rec), f in zip(pairs, found)]
            item = QTableWidgetItem("\n".join((f"{arch}: " if several else "") + ", ".join(n for n, _ in ns)
                                              for arch, ns in lines))
            item.setToolTip("<br>".join(html.escape(f"{arch}: " + ", ".join(f"{n} ({s:.3f})" for n, s in ns))
                                        for arch, ns in lines))
            self.setItem(i, 0, item)

    def cell_words(self, row: int, run: int = 0) -> list[str]:
        """The words shown for a probe (row) and run (line)."""
        item = self.item(row, 0)
        if item is None or not item.text():
            return []
        line = item.text().split("\n")[run]
        return line.split(": ", 1)[-1].split(", ") if "\n" in item.text() else line.split(", ")


def score_text(runs: list[TrainingRun], epoch: int) -> str:
    """The figures at `epoch` (-1: the latest): in full for one run, the main ones per run for several."""
    pairs = [(run, run.epochs[epoch if 0 <= epoch < len(run.epochs) else -1]) for run in runs if run.epochs]
    if not pairs:
        return ""

    def fmt(x: float) -> str:
        return "–" if math.isnan(x) else f"{x:.3f}"

    def loss(run: TrainingRun, rec) -> str:
        return "" if rec.loss is None else f"loss {rec.loss:,.0f}{'' if run.loss_exact else ' (approx.)'}, "

    if len(pairs) > 1:
        return f"epoch {pairs[0][1].epoch} · " + " · ".join(
            f"{run.settings.architecture}: {loss(run, rec)}ρ {fmt(rec.scores.ws353)}, analogies "
            f"{rec.scores.analogy_correct}/{rec.scores.analogy_total}" for run, rec in pairs)
    run, rec = pairs[0]
    s = rec.scores
    return (f"{run.settings.architecture}, epoch {rec.epoch}: {loss(run, rec).replace(', ', ' · ')}WordSim-353 ρ "
            f"{fmt(s.ws353)} ({s.ws353_pairs} pairs) · related − unrelated {fmt(s.related_gap)} · analogies "
            f"{s.analogy_correct}/{s.analogy_total}")


SCORE_TIP = ("Probe scores use the test items whose words are all in the vocabulary: WordSim-353 pairs "
             "(Spearman's ρ of cosine with human ratings; related pairs rated 7-10 against unrelated ones rated "
             "0-3) and Google analogy questions (3CosAdd). Loss: gensim's, summed over the epoch.")
