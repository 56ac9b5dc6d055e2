"""Train word2vec and watch it learn: a corpus (gensim's two test corpora or a text file), the usual
settings, Train / Compare CBOW and skip-gram / Cancel, an epoch slider that replays the run (each
epoch becomes the active set, so the cloud and every panel follow), the probe words' neighbours per
epoch and small charts of the loss and a probe score. The TrainingController does the work
(``session.training``); this panel writes the settings and the request, and shows the runs.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from core.embeddings.corpus import SHIPPED
from core.embeddings.training import parse_probes
from core.errors import ExplorerError
from core.state.session import SaveRequest, Session, TrainingRequest
from gui.lifetime import bind
from gui.panels.words.training_views import (
    SCORE_TIP,
    SCORES,
    LearningChart,
    ProbeTable,
    SettingsForm,
    compact,
    score_text,
)
from gui.task_runner import TaskRunner
from gui.widgets.flow import flow_layout
from gui.widgets.inline_message import InlineMessage
from gui.widgets.progress_bar import LazyProgressBar

FILE = "file"
NARROW = 980  # pixels: below this width the charts go under the settings (_arrange)
CHARTS_WIDE = 230  # the charts column's widest, in three columns
PLAY_MS = 700
TEXT_FILTER, FOLDER_FILTER = "word2vec text (*.txt *.vec)", "Embedding Explorer folder (vectors.npy, words.txt)"


def _row(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w, 1 if isinstance(w, (QSlider, QComboBox, QLineEdit)) else 0)
    return row


def _column(*parts) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        lay.addLayout(part) if isinstance(part, QHBoxLayout) else lay.addWidget(part)
    return box


class TrainPanel(QWidget):
    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._model = session, session.training
        self._file = ""
        self._busy = session.training.activity is not None  # the training job runs
        self._build_settings()
        self._build_run_view()
        self._build_charts()
        self._lay_out()
        self._connect_widgets()
        self._connect_session()

    def _build_settings(self) -> None:
        """What to train: the corpus, the settings, Train / Compare / Cancel, progress and messages."""
        self._corpus = compact(QComboBox())
        for key, shipped in SHIPPED.items():
            self._corpus.addItem(shipped.title, key)
            self._corpus.setItemData(self._corpus.count() - 1, shipped.about, Qt.ItemDataRole.ToolTipRole)
        self._corpus.addItem("Text file…", FILE)
        self._about = QLabel(objectName="corpus_about", wordWrap=True)
        self._form = SettingsForm()
        self._train = QPushButton("Train")
        self._compare = QPushButton("Compare", toolTip="train CBOW too, on the same corpus and seed")
        self._cancel = QPushButton("Cancel", enabled=False)
        self._save = QToolButton(text="Save…", enabled=False,
                                 toolTip="the epoch on show: word2vec text or the app's folder")
        self._vs_glove = QToolButton(text="Compare with GloVe", enabled=False,
                                     toolTip="align the latest epoch with the bundled GloVe and rank the words "
                                             "that moved most (the Compare two sets panel)")
        self._progress = LazyProgressBar(maximum=1000, text_visible=True)
        self._status = QLabel(objectName="training_status", wordWrap=True)
        self._message = InlineMessage()

    def _build_run_view(self) -> None:
        """The run: the epoch slider, replay, the probe words and their neighbours."""
        self._slider = QSlider(Qt.Orientation.Horizontal, enabled=False, minimumWidth=60, toolTip="the epoch on show")
        self._epoch_label = QLabel("epoch –")
        self._play = QToolButton(text="▶ Replay", enabled=False, toolTip="the epochs one after another")
        self._timer = QTimer(self, interval=PLAY_MS)
        self._probes = QLineEdit(clearButtonEnabled=True, toolTip="words whose nearest neighbours are followed")
        self._table = ProbeTable()
        self._scores_text = QLabel(wordWrap=True, objectName="score_text", toolTip=SCORE_TIP)
        policy = self._scores_text.sizePolicy()  # three lines, whatever the width: inside a scroll area a
        policy.setHeightForWidth(False)  # height-for-width label would make the column as tall as it likes
        self._scores_text.setSizePolicy(policy)
        self._scores_text.setFixedHeight(3 * self._scores_text.fontMetrics().lineSpacing() + 2)

    def _build_charts(self) -> None:
        """Loss and a score per epoch."""
        self._loss = LearningChart("Loss per epoch (thousands)")
        self._loss.setToolTip(SCORE_TIP)
        self._score_kind = compact(QComboBox())
        for key, (label, _get) in SCORES.items():
            self._score_kind.addItem(label, key)
        self._score = LearningChart("")
        self._score.layout().replaceWidget(self._score.title, self._score_kind)
        self._score.title.hide()

    def _lay_out(self) -> None:
        """Three columns: what to train | the epoch on show, its probe neighbours | the charts. Narrower than
        :data:`NARROW` (a 1366-pixel screen's dock), the charts go under what to train, where the first
        column had only empty space, and the middle keeps the room it needs."""
        self._left = _column(_row(QLabel("Corpus"), self._corpus), self._about, self._form,
                             _row(self._train, self._compare, self._cancel), self._progress, self._status,
                             self._message)
        self._left.layout().addStretch(1)
        epoch = flow_layout()  # wraps: the buttons go under the slider in a narrow column
        epoch.addWidget(_column(_row(self._epoch_label, self._slider)))
        for w in (self._play, self._save, self._vs_glove):
            epoch.addWidget(w)
        middle = QWidget()
        lay = QVBoxLayout(middle)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(epoch)
        lay.addLayout(_row(QLabel("Probes"), self._probes))
        lay.addWidget(self._scores_text)
        lay.addWidget(self._table, 1)
        self._charts = _column(self._loss, self._score)
        self._charts.setMinimumWidth(140)
        for part, least in ((self._table, 80), (self._loss, 90), (self._score, 100)):
            policy = part.sizePolicy()  # their size hints are far too tall for a bottom dock
            policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
            part.setSizePolicy(policy)
            part.setMinimumHeight(least)
        area = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame, minimumWidth=150)
        area.setWidget(middle)  # it scrolls when the dock is narrow: the window never widens for it
        self._columns = QHBoxLayout(self)
        for w, stretch in ((self._left, 0), (area, 1), (self._charts, 0)):
            self._columns.addWidget(w, stretch)
        self._narrow = False
        self._charts.setMaximumWidth(CHARTS_WIDE)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(self.width() < NARROW)

    def _arrange(self, narrow: bool) -> None:
        """The charts in a third column (wide) or under the settings in the first (narrow)."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        left = self._left.layout()
        if narrow:
            self._columns.removeWidget(self._charts)
            left.takeAt(left.count() - 1)  # the stretch: the charts take the room
            left.addWidget(self._charts, 1)
            self._charts.setMaximumWidth(16777215)
        else:
            left.removeWidget(self._charts)
            left.addStretch(1)
            self._columns.addWidget(self._charts, 0)
            self._charts.setMaximumWidth(CHARTS_WIDE)

    def _connect_widgets(self) -> None:
        """Widgets -> the Session."""
        self._corpus.activated.connect(self._on_corpus_chosen)
        self._form.arch.activated.connect(lambda _i: self._edit(sg=self._form.arch.currentData()))
        for name, spin in self._form.spins.items():
            spin.valueChanged.connect(lambda v, n=name: self._edit(**{n: v}))
        self._train.clicked.connect(lambda: self.start(compare=False))
        self._compare.clicked.connect(lambda: self.start(compare=True))
        self._cancel.clicked.connect(lambda: setattr(self._model, "cancel", self._model.cancel + 1))
        self._save.clicked.connect(self._ask_save)
        self._vs_glove.clicked.connect(self.compare_with_glove)
        self._slider.valueChanged.connect(self._on_slider_moved)
        self._play.clicked.connect(self._toggle_play)
        self._timer.timeout.connect(self._next_epoch)
        self._probes.textEdited.connect(lambda _t: self._commit_probes())
        self._score_kind.currentIndexChanged.connect(lambda _i: self._on_run_changed())

    def _connect_session(self) -> None:
        """The Session -> widgets, each handler called once to sync."""
        ev = self._model.events
        bind(self, ev.corpus, self._on_corpus_changed)
        bind(self, ev.settings, self._on_settings_changed)
        bind(self, ev.probes, self._on_probes_changed)
        bind(self, ev.problem, self._on_problem_changed)
        bind(self, ev.activity, self._on_activity_changed)
        bind(self, ev.saved, self._on_saved_changed)
        for e in (ev.run, ev.other, ev.epoch):
            bind(self, e, self._on_run_changed)
        for handler in (self._on_corpus_changed, self._on_settings_changed, self._on_probes_changed,
                        self._on_problem_changed, self._on_run_changed):
            handler()

    # -- widgets -> session --------------------------------------------------------------
    def _on_corpus_chosen(self, _index: int) -> None:
        key = self._corpus.currentData()
        if key == FILE:
            start = self._file or str(Path.home())
            key, _ = QFileDialog.getOpenFileName(self, "A text corpus", start, "Text (*.txt *.cor *.md);;All files (*)")
            if not key:
                self._on_corpus_changed()  # back to what was chosen
                return
        if key != self._model.corpus:
            self._model.probes = ""  # another corpus has other words
        self._model.corpus = key

    def _edit(self, **changes) -> None:
        self._model.settings = dataclasses.replace(self._model.settings, **changes)

    @qdebounced(timeout=400)
    def _commit_probes(self) -> None:
        self._model.probes = self._probes.text().strip()

    def start(self, compare: bool = False) -> None:
        try:
            settings = self._model.settings.check()
        except ExplorerError as exc:
            self._message.show_message(str(exc), "error")
            return
        self._timer.stop()
        self._model.request = TrainingRequest(self._model.corpus, settings, parse_probes(self._model.probes), compare)

    def _on_slider_moved(self, value: int) -> None:
        run = self._model.run
        following = run is not None and value == len(run.epochs) - 1 and not run.finished
        self._model.epoch = -1 if following else value

    def _toggle_play(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
        else:
            if self._slider.value() >= self._slider.maximum():
                self._slider.setValue(0)
            self._timer.start()
        self._play.setText("■ Stop" if self._timer.isActive() else "▶ Replay")

    def _next_epoch(self) -> None:
        if self._slider.value() >= self._slider.maximum():
            self._toggle_play()
        else:
            self._slider.setValue(self._slider.value() + 1)

    def compare_with_glove(self) -> None:
        """The latest epoch against the bundled GloVe, in the Compare two sets panel (session.compare)."""
        cmp = self._session.compare
        cmp.a, cmp.b = "epoch:last", "glove"
        cmp.run += 1

    def _ask_save(self) -> None:
        run = self._model.run
        name = f"word2vec-{run.settings.architecture.lower()}-{Path(run.corpus.path).stem}.txt"
        path, chosen = QFileDialog.getSaveFileName(self, "Save the vectors", str(Path.home() / name),
                                                   f"{TEXT_FILTER};;{FOLDER_FILTER}")
        if path:
            self.save(path, "word2vec-text" if chosen == TEXT_FILTER else "folder")

    def save(self, path: str, fmt: str | None = None) -> None:
        """Save the epoch on show (word2vec text or the app's folder format; the TrainingController writes it)."""
        self._model.save = SaveRequest(str(path), fmt, self._slider.value())

    def _on_saved_changed(self) -> None:
        if self._model.saved:
            self._status.setText(self._model.saved)

    # -- session -> widgets -------------------------------------------------------------
    def _on_corpus_changed(self) -> None:
        key = self._model.corpus
        with signals_blocked(self._corpus):
            i = self._corpus.findData(key)
            if i < 0:  # a file
                self._file, i = key, self._corpus.count() - 1
                self._corpus.setItemText(i, f"Text file: {Path(key).name}")
            self._corpus.setCurrentIndex(i)
        self._about.setText(SHIPPED[key].summary if key in SHIPPED else key)
        self._about.setToolTip(SHIPPED[key].about if key in SHIPPED else key)
        self._on_probes_changed()

    def _on_settings_changed(self) -> None:
        self._form.show_settings(self._model.settings)
        other = "CBOW" if self._model.settings.sg else "skip-gram"
        self._compare.setToolTip(f"train {other} too, on the same corpus and seed, and show both")
        self._message.show_message(self._settings_problem() or self._model.problem, "error")
        self._sync_buttons()

    def _settings_problem(self) -> str:
        try:
            self._model.settings.check()
            return ""
        except ExplorerError as exc:
            return str(exc)

    def _on_probes_changed(self) -> None:
        if self._probes.text().strip() != self._model.probes:
            with signals_blocked(self._probes):
                self._probes.setText(self._model.probes)
        run, key = self._model.run, self._model.corpus
        shown = run.probes if run is not None else SHIPPED[key].probes[:5] if key in SHIPPED else ()
        self._probes.setPlaceholderText(", ".join(shown) if shown else "chosen from the corpus when it is read")

    def _on_problem_changed(self) -> None:
        self._message.show_message(self._model.problem or self._settings_problem(), "error")
        if self._model.problem:
            self._status.setText("Failed.")

    def _on_run_changed(self) -> None:
        model = self._model
        runs = [r for r in (model.run, model.other) if r is not None and r.epochs]
        last = len(runs[0].epochs) - 1 if runs else 0
        shown = model.epoch if 0 <= model.epoch <= last else last
        with signals_blocked(self._slider):
            self._slider.setRange(0, last)
            self._slider.setValue(shown)
        self._slider.setEnabled(bool(runs))
        self._play.setEnabled(bool(runs) and runs[0].finished)
        epochs = runs[0].settings.epochs if runs else 1
        self._epoch_label.setText(f"epoch {shown} / {epochs}" if runs else "epoch –")
        self._table.show_epoch(runs, shown)
        self._scores_text.setText(score_text(runs, shown) if runs else "Not trained yet.")
        self._loss.show_runs(runs, "loss", epochs, scale=1000.0)
        self._score.show_runs(runs, self._score_kind.currentData(), epochs)
        for chart in (self._loss, self._score):
            chart.set_marker(shown)
        self._on_probes_changed()
        self._sync_buttons()

    # -- the job ---------------------------------------------------------------------------
    def _on_activity_changed(self) -> None:
        """The training job's progress (``training.activity``); when it ends, how it ended."""
        act, was_busy = self._model.activity, self._busy
        self._busy = act is not None
        if act is not None:
            self._progress.setRange(0, 1000 if act.fraction >= 0 else 0)
            self._progress.setValue(int(max(act.fraction, 0) * 1000))
            self._status.setText(act.message)
        elif was_busy:
            self._on_job_ended()
        self._sync_buttons()

    def _on_job_ended(self) -> None:
        run = self._model.run
        if run is not None and run.finished:
            self._progress.setRange(0, 1000)
            self._progress.setValue(1000)
            self._status.setText(f"Done: {run.vocabulary:,} words kept of {run.distinct:,} "
                                 f"({run.tokens:,} words in {run.documents:,} documents).")
            self._status.setToolTip(run.corpus.describe())
        elif not self._model.problem:
            done = f" after epoch {run.epochs[-1].epoch}" if run and run.epochs else ""
            self._status.setText(f"Cancelled{done}.")

    def _sync_buttons(self) -> None:
        busy, valid = self._busy, not self._settings_problem()
        self._train.setEnabled(valid and not busy)
        self._compare.setEnabled(valid and not busy)
        self._cancel.setEnabled(busy)
        self._probes.setEnabled(not busy)
        self._save.setEnabled(self._model.run is not None and bool(self._model.run.epochs) and not busy)
        self._vs_glove.setEnabled(self._model.run is not None and bool(self._model.run.epochs) and not busy)

    # -- for tests ------------------------------------------------------------------------------
    @property
    def message(self) -> InlineMessage:
        return self._message
