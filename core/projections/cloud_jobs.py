"""The cloud's background jobs (no Qt), run by the CloudController: a projection (turned onto the
previous set's layout), placement of words outside it (with the arithmetic target), the true-neighbour
overlay of a selection, probes (vectors that are no row of the set) and the Projector TSV export."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.exporters import write_projector_tsv
from core.progress import Job, Progress
from core.projections.align import align_layout
from core.projections.layout import Layout
from core.projections.placement import Placement, place, place_vectors
from core.projections.project import project
from core.projections.quality import true_neighbours

KINDS = ("cloud.projection", "cloud.placement", "cloud.clusters", "cloud.trust", "cloud.overlay", "cloud.export",
         "cloud.probes", "cloud.names")
OVERLAY_SELECTION = 25  # neighbour lines for at most this many selected points


@dataclass
class Placed:
    placement: Placement
    target: np.ndarray | None = None  # layout coords of the arithmetic target vector
    target_key: str = ""


@dataclass(frozen=True, eq=False)
class LiveProjection:
    """A projection while it runs: its method, its rows, and its latest intermediate coordinates (t-SNE
    streams them; None until the first arrives)."""

    method: str
    rows: np.ndarray
    coords: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class ExportRequest:
    """Export the points on screen: ``kind`` csv | tsv, to ``path``, with extra metadata columns."""

    kind: str
    path: str
    rows: np.ndarray
    coords: np.ndarray
    extra: dict[str, list[str]]


def projection_job(es: EmbeddingSet, rows: np.ndarray, method: str, params,
                   reference: tuple[list[str], Layout] | None = None) -> Job[Layout]:
    """Project; with a `reference` (the previous set's words and layout), keep its orientation."""
    layout = yield from project(es, rows, method, params)
    return align_layout(layout, es.words, reference[1], reference[0]) if reference is not None else layout


def placement_job(es: EmbeddingSet, layout: Layout, rows: list[int], link_rows: list[int],
                  target: np.ndarray | None, target_key: str) -> Job[Placed]:
    """Place `rows`; the placed ones in `link_rows` (the query) also get lines to their true neighbours."""
    pl = yield from place(es, layout, rows, neighbours=10, link_rows=link_rows)
    t = None
    if target is not None:
        yield Progress(0.9, "placing the arithmetic target")
        t = place_vectors(es, layout, np.asarray(target, np.float32)[None, :], combination=True)[0]
    return Placed(pl, t, target_key)


def overlay_job(es: EmbeddingSet, rows: list[int], candidates: np.ndarray, k: int = 8) -> Job[list[tuple[int, int]]]:
    yield Progress(-1, "true neighbours of the selection")
    found = true_neighbours(es, rows[:OVERLAY_SELECTION], candidates, k)
    return [(r, n) for r, ns in found.items() for n in ns]


def probe_job(es: EmbeddingSet, layout: Layout, probes: tuple) -> Job[list[tuple[str, np.ndarray]]]:
    """Probes ((label, vector), ...) placed into `layout`; a probe of another width is left out."""
    yield Progress(-1, "placing probes")
    fit = [(label, np.asarray(v, np.float32)) for label, v in probes if np.shape(v) == (es.dim,)]
    if not fit:
        return []
    coords = place_vectors(es, layout, np.stack([v for _, v in fit]))
    return [(label, c) for (label, _), c in zip(fit, coords)]


def projector_tsv_job(es: EmbeddingSet, rows: np.ndarray, coords: np.ndarray, extra: dict[str, list[str]],
                      path: str) -> Job:
    """vectors.tsv of the point set's full vectors, metadata.tsv with word, x, y, z and the extra columns.

    A generator from the start: the formatting runs on the worker thread too."""
    cols = {n: [f"{v:.6g}" for v in coords[:, i]] for i, n in enumerate("xyz")}
    cols.update(extra)
    return (yield from write_projector_tsv(es, path, rows=rows, extra_columns=cols))
