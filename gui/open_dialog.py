"""File > Open embeddings…: the file (plain, .gz, .bz2, .xz, or a .zip: which file inside when it
holds several), its format (or guess) and the LoadOptions."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.embeddings.loaders import FILE_FORMATS, FORMATS, LoadOptions, archive_members, open_filter
from core.state.settings import Settings

# What the file dialog offers, and the second file each format may come with: both from the format table.
FILTERS = open_filter()
COMPANION = {f.name: f.companion for f in FILE_FORMATS if f.companion}


class OpenDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open embeddings")
        self._settings = settings
        self.path = QLineEdit(placeholderText="/path/to/glove.6B.100d.txt")
        browse = QPushButton("Browse…")
        self.members = QComboBox(toolTip="the archive holds several embedding files: which one to open")
        self.format = QComboBox()
        self.format.addItem("guess from the file", "")
        for key, text in FORMATS.items():
            self.format.addItem(text, key)
        self.companion = QLineEdit()
        self.sprite = QLineEdit(objectName="open_sprite", toolTip="A Projector sprite sheet: one picture per point, "
                                "drawn as the points (found beside vectors.tsv when left empty)")
        self.limit = QSpinBox(minimum=0, maximum=100_000_000, singleStep=50000, specialValueText="every word",
                              toolTip="keep only the N first (most frequent) words")
        self.lowercase = QCheckBox("fold words to lower case (keep the first spelling)")
        self.dtype = QComboBox()
        self.dtype.addItem("float32", "float32")
        self.dtype.addItem("float16 (half the memory)", "float16")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)

        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("File", row)
        form.addRow("File inside", self.members)
        self._form = form
        form.setRowVisible(self.members, False)
        form.addRow("Format", self.format)
        form.addRow("Companion file", self.companion)
        form.addRow("Sprite sheet", self.sprite)
        form.addRow("Words", self.limit)
        form.addRow("", self.lowercase)
        form.addRow("Numbers", self.dtype)
        form.addRow(buttons)

        browse.clicked.connect(self._browse)
        self.format.currentIndexChanged.connect(self._on_format_chosen)
        self.path.textChanged.connect(lambda _t: self._on_path_changed())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Open)

        self.format.setCurrentIndex(max(self.format.findData(settings.open_format), 0))
        self.limit.setValue(settings.open_limit)
        self.lowercase.setChecked(settings.open_lowercase)
        self.dtype.setCurrentIndex(max(self.dtype.findData(settings.open_dtype), 0))
        self._on_format_chosen()
        self._update_ok()
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        start = self.path.text() or self._settings.last_dir
        path, _ = QFileDialog.getOpenFileName(self, "Open embeddings", start, FILTERS)
        if path:
            self.path.setText(path)

    def _on_format_chosen(self, *_args) -> None:
        hint = COMPANION.get(self.format.currentData())
        self.companion.setEnabled(hint is not None)
        self.companion.setPlaceholderText(hint or "not needed for this format")
        tsv = self.format.currentData() in ("", "projector-tsv")
        self.sprite.setEnabled(tsv)
        self.sprite.setPlaceholderText("sprite.png or projector_config.json (optional)" if tsv else
                                       "only for a Projector TSV")

    def _on_path_changed(self) -> None:
        path = Path(self.path.text().strip())
        names = archive_members(path) if path.is_file() else []
        self.members.clear()
        self.members.addItems(names)
        self._form.setRowVisible(self.members, len(names) > 1)
        self._update_ok()

    def _update_ok(self) -> None:
        self._ok.setEnabled(bool(self.path.text().strip()))

    def member(self) -> str | None:
        """The file chosen inside a .zip that holds several (None otherwise)."""
        return (self.members.currentText() or None) if self.members.count() > 1 else None

    def choice(self) -> tuple[str, str | None, LoadOptions]:
        """(path, format or None to guess, options) — also remembered in the settings."""
        fmt = self.format.currentData() or None
        extra = self.companion.text().strip() or None
        opts = LoadOptions(limit=self.limit.value() or None, lowercase=self.lowercase.isChecked(),
                           dtype=self.dtype.currentData(),
                           vocab_path=extra if fmt == "numpy" else None,
                           metadata_path=extra if fmt == "projector-tsv" else None,
                           sprite_path=(self.sprite.text().strip() or None) if self.sprite.isEnabled() else None)
        s = self._settings
        s.open_format, s.open_limit, s.open_lowercase, s.open_dtype = fmt or "", self.limit.value(), \
            self.lowercase.isChecked(), self.dtype.currentData()
        path = self.path.text().strip()
        s.last_dir = str(Path(path).parent)
        return path, fmt, opts
