"""The window's file actions: open a set (File > Open, drag and drop, recent files, the bundled set), open an
ONNX model, a corpus or a language model, export the active set, and the search backends' dialogs (HNSW,
Milvus). A mixin of gui.main_window.MainWindow, which supplies session, runner, settings, controllers,
message_bar, raise_panel and _rebuild_recent_menu.

    window.open_file("glove.txt")          # in the background, with progress and Cancel
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog

from core.embeddings.default_set import NAME as DEFAULT_NAME
from core.embeddings.default_set import load_default
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.exporters import write_projector_tsv, write_word2vec_text
from core.embeddings.loaders import ArchiveMemberError, LoadOptions, cache_write, load
from core.embeddings.search import compressed
from core.errors import ExplorerError
from core.progress import Job
from gui.open_dialog import OpenDialog


def warm_up_job(es: EmbeddingSet) -> Job[None]:
    """Build the set's completion and case-folding indexes, and the compressed copy that makes a single
    exact query faster (core.embeddings.search.compressed), off the GUI thread."""
    yield from es.build_indexes()
    yield from compressed.build(es)


class FileActions:
    # -- opening -------------------------------------------------------------
    def show_open_dialog(self, path: str | Path | None = None) -> None:
        dialog = OpenDialog(self.settings, self)
        if path is not None:
            dialog.path.setText(str(path))
        try:
            if dialog.exec() != OpenDialog.DialogCode.Accepted:
                return
            path, fmt, opts = dialog.choice()
            member = dialog.member()
        finally:
            dialog.deleteLater()
        self.open_file(path, fmt, opts, member=member)

    def open_file(self, path: str | Path, fmt: str | None = None, opts: LoadOptions | None = None, *,
                  member: str | None = None) -> None:
        """Load in the background; on failure the current set stays (at start: the bundled set
        opens instead) and the precise message stays in the message bar until dismissed."""
        path = str(path)
        name = Path(path).name + (f" ({member})" if member else "")
        self.session.status = f"opening {name}…"
        self.runner.run("load", lambda: load(path, fmt, opts, member=member), lambda es: self._on_loaded(es, path),
                        label=f"opening {name}", on_error=lambda e: self._on_load_failed(name, e, path))

    def show_open_onnx_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an ONNX model", self.settings.last_dir or "",
                                              "ONNX models (*.onnx);;All files (*)")
        if path:
            self.open_onnx_model(path)

    def open_onnx_model(self, path: str | Path) -> None:
        """List and draw the layers of any ONNX model (the ONNX layers panel)."""
        onnx = self.session.activations.onnx
        onnx.path = ""  # the same file again is read again (it may have been fixed)
        onnx.path = str(path)
        self.raise_panel("onnx_layers")

    def show_open_corpus_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a corpus for semantic search", self.settings.last_dir or "",
                                              "Text (*.txt *.cor *.md);;Tables (*.csv *.tsv);;All files (*)")
        if path:
            self.open_corpus(path)

    def open_corpus(self, path: str | Path) -> None:
        """Encode a text file's passages for semantic search (the Semantic search panel)."""
        search = self.session.language.search
        search.split = "auto"
        search.corpus = str(path)
        self.raise_panel("search")

    def load_default(self) -> None:
        self.session.status = f"opening {DEFAULT_NAME}…"
        self.runner.run("load", load_default, lambda es: self._on_loaded(es, None), label=f"opening {DEFAULT_NAME}",
                        on_error=lambda e: self._on_load_failed(DEFAULT_NAME, e))

    def show_notices(self, notices: list[str]) -> None:
        """Things the user should know that no panel shows (start-up checks, what a load skipped)."""
        for text in notices:
            self.message_bar.show_message(text, "info")

    def _on_loaded(self, es: EmbeddingSet, path: str | None) -> None:
        self.session.set_embeddings(es)
        if path is not None:
            self.settings.add_recent(path)
            self._rebuild_recent_menu()
        self.session.status = f"opened {es.name}: {len(es):,} words, {es.dim} dimensions"
        self.show_notices([f"{es.name}: {note}" for note in es.notes])
        # the word index is Python work: started after the panels' reactions, so it does not hold the GIL
        # while they paint
        self.runner.when_quiet(lambda: self.session.embeddings is es and self.runner.run(
            "index", lambda: warm_up_job(es), label="indexing words"))
        # the converted copy (tens of MB written) waits too: at the load's end it competed with the panels
        self.runner.when_quiet(lambda: self.session.embeddings is es and self.runner.run(
            "cache", lambda: cache_write(es), self._on_cache_written, label="keeping a converted copy"))

    def _on_cache_written(self, problem: str | None) -> None:
        if problem:
            self.show_notices([problem[0].upper() + problem[1:] + "."])

    def _on_load_failed(self, name: str, exc: BaseException, path: str | None = None) -> None:
        """A file that cannot be read (an expected problem): the set that was open stays, or at start
        the bundled set opens; the precise message stays in the message bar until dismissed. A .zip
        holding several embedding files asks which one (the Open dialog lists them)."""
        es = self.session.embeddings
        if isinstance(exc, ArchiveMemberError) and exc.members and path is not None and es is not None \
                and self.asks:
            self.show_open_dialog(path)
            return
        start = es is None and name != DEFAULT_NAME
        keeps = f"; showing {DEFAULT_NAME} instead" if start else f"; still showing {es.name}" if es is not None else ""
        self.session.status = f"could not open {name}" + keeps
        self.message_bar.show_message(f"Could not open {name}: {exc}" + keeps, "error")
        if start:
            self.load_default()

    def show_open_language_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self,
            "Open a decoder folder (ONNX in Optimum's layout + tokenizer.json)",
            self.settings.last_dir or str(Path.home()),
        )
        if folder:
            self.open_language_model(folder)

    def open_language_model(self, folder: str) -> None:
        """Use the decoder in ``folder`` ("" = the built one) in the Next word panel; problems show there."""
        self.session.language.model_path = str(folder)
        self.session.language.active = True  # asked for: open it now, drawn or not
        self.raise_panel("next_word")

    def open_token_embeddings(self) -> None:
        """The language model's input embedding matrix as the active embedding set (converted once)."""
        from core.inference.token_embeddings import token_embeddings

        path = self.session.language.model_path
        name = f"{Path(path).name if path else 'SmolLM2-135M'} token embeddings"
        self.session.status = f"opening {name}…"
        self.runner.run(
            "load",
            lambda: token_embeddings(path),
            lambda es: self._on_loaded(es, None),
            label=f"opening {name}",
            on_error=lambda e: self._on_load_failed(name, e),
        )

    def _export(self, title: str, default_name: str, job_factory) -> None:
        es = self.session.embeddings
        if es is None:
            return
        start = str(Path(self.settings.last_dir or Path.home()) / default_name)
        path, _ = QFileDialog.getSaveFileName(self, title, start)
        if path:
            self.export(job_factory, path)

    def export(self, job_factory, path: str | Path) -> None:
        es = self.session.embeddings
        name = Path(path).name
        self.runner.run(
            "export",
            lambda: _writing(job_factory(es, path), path),
            label=f"exporting {name}",
            on_result=lambda _r: setattr(self.session, "status", f"exported {len(es):,} words to {path}"),
            on_error=lambda e: self.message_bar.show_message(f"Could not export: {e}", "error"),
        )

    def export_projector_tsv(self) -> None:
        self._export("Export as Projector TSV", "vectors.tsv", write_projector_tsv)

    def export_word2vec_text(self) -> None:
        self._export("Export as word2vec text", "vectors.txt", write_word2vec_text)

    # -- search backends (gui/search_dialogs.py, gui/controllers/backend_controller.py) -----------
    def show_index_dialog(self, milvus: bool = False) -> None:
        es = self.session.embeddings
        if es is None or (self.session.neighbours.engines and self.session.neighbours.engines.remote):
            return
        from gui.search_dialogs import IndexDialog

        dialog = IndexDialog(self.settings, es, self, milvus=milvus)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            kind, target, collection = dialog.choice()
        finally:
            dialog.deleteLater()
        if kind == "hnsw":
            self.controllers.backends.build_hnsw()
        else:
            self.controllers.backends.export_milvus(target, collection)
        self.raise_panel("neighbours")

    def show_collection_dialog(self) -> None:
        from gui.search_dialogs import CollectionDialog

        dialog = CollectionDialog(self.settings, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            target, collection, vector, label, sample = dialog.choice()
        finally:
            dialog.deleteLater()
        self.controllers.backends.open_collection(
            target, collection, vector, label, sample, on_error=lambda e: self._on_load_failed(collection, e)
        )

    # -- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_file(path)


def _writing(job: Job, path: str | Path) -> Job:
    """A writing job whose disk problems (full, read-only, no permission) are expected problems."""
    try:
        return (yield from job)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExplorerError(reason if reason.startswith("cannot write") else f"cannot write {path}: {reason}") from None


def _dropped_file(event) -> str | None:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_file():
            return url.toLocalFile()
    return None
