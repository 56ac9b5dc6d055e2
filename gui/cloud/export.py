"""Exports of the cloud's point set: CSV (word, x, y, z, metadata) and Projector TSV (no Qt)."""
from __future__ import annotations

import numpy as np

from core.embedding_set import EmbeddingSet
from core.exporters import write_projector_tsv
from core.progress import Job
from core.projection_export import write_layout_csv
from gui.cloud.scene import CloudScene


def columns(scene: CloudScene, cluster_labels: np.ndarray | None) -> dict[str, list[str]]:
    """Extra columns: whether each point was placed, and its k-means cluster when computed."""
    cols = {"placed": ["yes" if p else "no" for p in scene.placed]}
    if cluster_labels is not None:
        pad = len(scene.rows) - len(cluster_labels)
        cols["cluster"] = [str(c) for c in cluster_labels] + [""] * pad
    return cols


def write_csv(es: EmbeddingSet, scene: CloudScene, cluster_labels: np.ndarray | None, path: str) -> None:
    write_layout_csv(es, scene.rows, scene.coords, path, extra_columns=columns(scene, cluster_labels))


def projector_tsv_job(es: EmbeddingSet, scene: CloudScene, cluster_labels: np.ndarray | None, path: str) -> Job:
    """vectors.tsv of the point set's full vectors, metadata.tsv with word, x, y, z and the extra columns."""
    rows = scene.rows.copy()
    cols = {n: [f"{v:.6g}" for v in scene.coords[:, i]] for i, n in enumerate("xyz")}
    cols.update(columns(scene, cluster_labels))
    return write_projector_tsv(es, path, rows=rows, extra_columns=cols)
