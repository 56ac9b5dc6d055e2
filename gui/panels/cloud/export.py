"""Exports of the cloud: PNG of the view, CSV (word, x, y, z, metadata), Projector TSV of the point set.

The file writing is Qt-free (core.projections.export, core.projections.cloud_jobs) and run by the
CloudController (``session.cloud.export``); ExportActions adds the panel's export methods and the save dialog.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from core.io import atomic_path
from core.projections.cloud_jobs import ExportRequest
from gui.canvas.scene import CloudScene


def columns(scene: CloudScene, cluster_labels: np.ndarray | None) -> dict[str, list[str]]:
    """Extra columns: whether each point was placed, and its k-means cluster when computed."""
    cols = {"placed": ["yes" if p else "no" for p in scene.placed]}
    if cluster_labels is not None:
        pad = len(scene.rows) - len(cluster_labels)
        cols["cluster"] = [str(c) for c in cluster_labels] + [""] * pad
    return cols


class ExportActions:
    """Export methods of PointCloudPanel (uses its view, session and scene)."""

    def _ask_export(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "csv": "CSV (*.csv)", "tsv": "Projector vectors (*.tsv)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export the point cloud", str(Path.home() / f"cloud.{kind}"),
                                              filters[kind])
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

    def export_csv(self, path: str) -> None:
        self._export("csv", path)

    def export_tsv(self, path: str) -> None:
        """vectors.tsv and metadata.tsv (in the background: large point sets take seconds)."""
        self._export("tsv", path)

    def _export(self, kind: str, path: str) -> None:
        """Ask the CloudController to write the points on screen (it refuses while they are the previous
        set's, right after a new set arrived: exporting them would mix the two sets)."""
        c = self._session.cloud
        extra = columns(self.scene, c.clusters.labels if c.clusters is not None else None)
        c.export = ExportRequest(kind, path, self.scene.rows.copy(), self.scene.coords.copy(), extra)
