"""Background jobs of the cloud, composed from core jobs (no Qt): placement with the arithmetic
target, the neighbour overlay, and the roles (query, neighbours, ...) read from the Session."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.progress import Job, Progress
from core.projections.align import align_layout
from core.projections.layout import Layout
from core.projections.placement import Placement, place, place_vectors
from core.projections.project import project
from core.projections.quality import true_neighbours
from core.state.session import Session

KINDS = ("cloud.projection", "cloud.placement", "cloud.clusters", "cloud.trust", "cloud.overlay", "cloud.export",
         "cloud.probes")
OVERLAY_SELECTION = 25  # neighbour lines for at most this many selected points


@dataclass
class Placed:
    placement: Placement
    target: np.ndarray | None = None  # layout coords of the arithmetic target vector
    target_key: str = ""


@dataclass
class Roles:
    """Rows of the embedding set by highlight role (see colors.ROLE_ORDER)."""

    rows: dict[str, list[int]] = field(default_factory=dict)

    def linked_rows(self) -> list[int]:
        """Words a placed point is linked to its true neighbours for: the query."""
        return self.rows.get("query", [])

    def all_rows(self) -> list[int]:
        return list(dict.fromkeys(r for rs in self.rows.values() for r in rs))


def roles_of(session: Session) -> Roles:
    es = session.embeddings
    if es is None:
        return Roles()
    found = session.neighbours.lookup
    q = found.resolved if found is not None and found.query == session.neighbours.query else None
    out: dict[str, list[int]] = {
        "marked": [int(r) for r in session.cloud.marked if 0 <= int(r) < len(es)],
        "selection": [int(r) for r in session.selection if 0 <= int(r) < len(es)],
        # a Milvus collection's words outside its fetched sample have row -1: not in the cloud
        "neighbour": [n.index for n in found.neighbours if n.index >= 0] if q is not None else [],
        "query": [q.index] if q is not None and q.index >= 0 else [],
        "hover": [session.hover] if 0 <= session.hover < len(es) else [],
    }
    a = session.arithmetic.result
    if a is not None:
        out["expression"] = list(a.input_ids)
        out["result"] = [a.results[0].index] if a.results and a.results[0].index >= 0 else []
    return Roles(out)


def arithmetic_key(session: Session) -> str:
    a = session.arithmetic.result
    return "" if a is None else f"{a.expression.text}|{a.method}"


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
