"""Exports of the cloud: PNG of the view, CSV (word, x, y, z, metadata), Projector TSV of the point set.

The file writing is Qt-free (core.projection_export, core.exporters); ExportActions
adds the panel's export methods and the save dialog.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFileDialog

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.exporters import write_projector_tsv
from core.errors import ExplorerError
from core.io import atomic_path
from core.progress import Job
from core.projections.export import write_layout_csv
from gui.canvas.scene import CloudScene


def columns(scene: CloudScene, cluster_labels: np.ndarray | None) -> dict[str, list[str]]:
    """Extra columns: whether each point was placed, and its k-means cluster when computed."""
    cols = {"placed": ["yes" if p else "no" for p in scene.placed]}
    if cluster_labels is not None:
        pad = len(scene.rows) - len(cluster_labels)
        cols["cluster"] = [str(c) for c in cluster_labels] + [""] * pad
    return cols


def write_csv(es: EmbeddingSet, scene: CloudScene, cluster_labels: np.ndarray | None, path: str) -> None:
    write_layout_csv(es, scene.rows, scene.coords, path, extra_columns=columns(scene, cluster_labels))


def projector_tsv_job(es: EmbeddingSet, rows: np.ndarray, coords: np.ndarray, extra: dict[str, list[str]],
                      path: str) -> Job:
    """vectors.tsv of the point set's full vectors, metadata.tsv with word, x, y, z and the extra columns.

    A generator from the start: the formatting runs on the worker thread too."""
    cols = {n: [f"{v:.6g}" for v in coords[:, i]] for i, n in enumerate("xyz")}
    cols.update(extra)
    return (yield from write_projector_tsv(es, path, rows=rows, extra_columns=cols))


class ExportActions:
    """Export methods of PointCloudPanel (uses its view, session, scene, runner and cluster labels)."""

    def _ask_export(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "csv": "CSV (*.csv)", "tsv": "Projector vectors (*.tsv)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export the point cloud", f"cloud.{kind}", filters[kind])
        if path:
            {"png": self.export_png, "csv": self.export_csv, "tsv": self.export_tsv}[kind](path)

    def export_png(self, path: str) -> bool:
        """The view as a PNG, written atomically (a failed write leaves any older file whole)."""
        try:
            with atomic_path(path, suffix=".png") as tmp:
                if not self.view.grab_image().save(str(tmp), "PNG"):
                    raise OSError(f"could not write {path}")
        except OSError:
            return False
        return True

    def _points_ready(self) -> bool:
        """Whether the points on screen are the current set's: after a new set arrives they are the old
        set's rows until its first projection lands (exporting them would mix the two sets)."""
        if self.layout_ is None:
            self._on_error(ExplorerError("nothing to export yet: the new set's projection is still running"))
        return self.layout_ is not None

    def export_csv(self, path: str) -> None:
        if not self._points_ready():
            return
        try:
            write_csv(self._session.embeddings, self.scene, self.cluster_labels, path)
        except OSError as exc:  # a full or read-only disk, a folder where the file goes: said in the note
            self._on_error(ExplorerError(f"could not export: {exc.strerror or exc}"))

    def export_tsv(self, path: str) -> None:
        """vectors.tsv and metadata.tsv in the background (large point sets take seconds)."""
        if not self._points_ready():
            return
        es, rows, coords = self._session.embeddings, self.scene.rows.copy(), self.scene.coords.copy()
        extra = columns(self.scene, self.cluster_labels)
        self._runner.run("cloud.export", lambda: projector_tsv_job(es, rows, coords, extra, path),
                         label="exporting Projector TSV", on_error=self._on_error)
