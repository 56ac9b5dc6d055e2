"""What the contextual panel draws from a result: the trajectories as an embedding set with one polyline
per sentence for the cloud (``session.cloud.polylines``), the cosine matrix's cells, and the lines of
the within/across-sense chart."""
from __future__ import annotations

import html

import numpy as np

from core.inference.contextual import Contextual, sentence_label, trajectory_set
from core.state.session import Session
from gui.canvas.colors import PALETTE

WITHIN, ACROSS = (250, 170, 40), (90, 160, 240)
SOURCE = "contextual:"  # the source of a trajectory set (core.inference.contextual.trajectory_set)
OWNER = "contextual"  # who borrows the active set (session.borrow)


def color_of(i: int) -> tuple[float, float, float, float]:
    """Sentence i's colour: the cloud colours the set's "sentence" column with the palette in row order."""
    r, g, b = PALETTE[i % len(PALETTE)]
    return float(r), float(g), float(b), 0.95


def show_trajectories(session: Session, result: Contextual, key: str) -> None:
    """Make one model's trajectories the active set (borrowed: the set shown before is kept to go back
    to), coloured by sentence, with their polylines (layer numbers every few layers)."""
    es, rows = trajectory_set(result, key)
    layers = len(rows[0]) if rows else 0
    every = 6 if layers > 10 else 1
    lines = tuple((tuple(r), color_of(i), tuple(f"L{n}" if n % every == 0 and n < layers - 1 else ""
                                                 for n in range(layers)))
                  for i, r in enumerate(rows))
    session.borrow(OWNER, es)
    session.cloud.color_by = "meta:sentence"
    session.cloud.polylines = lines
    traj = result.model(key)
    session.status = (f"“{result.word}” in {len(rows)} sentences through {traj.model}'s {layers} layers "
                      "(unit vectors; one line per sentence)")


def is_trajectory_set(session: Session) -> bool:
    es = session.embeddings
    return es is not None and es.source.startswith(SOURCE)


def matrix_cells(result: Contextual, key: str, layer: int):
    """(colour values, texts, names, tips) of the sentence-by-sentence cosine matrix at ``layer``;
    colours span the matrix's own range so small differences show."""
    traj = result.model(key)
    c = traj.cosines(layer)
    lo = float(c.min())
    values = (c - lo) / max(1.0 - lo, 1e-6)
    names = [sentence_label(i, s) for i, s in enumerate(result.sentences)]
    texts = [[f"{v:.2f}" for v in row] for row in c]
    tips = [[f"<b>{html.escape(names[i])} ~ {html.escape(names[j])}</b> at L{layer}: cosine {c[i, j]:.3f}<br>"
             f"{i + 1}. {html.escape(result.sentences[i].text)}<br>{j + 1}. {html.escape(result.sentences[j].text)}"
             for j in range(len(names))] for i in range(len(names))]
    return values, texts, names, tips


def gap_lines(result: Contextual, key: str) -> tuple[dict, tuple[float, float]]:
    """The chart's lines (within, across sense) of one model and a y range; empty with one sense."""
    traj = result.model(key)
    if len(set(result.senses)) < 2:
        return {}, (0.0, 1.0)
    within, across = traj.sense_gap(result.senses)
    x = np.arange(traj.layers)
    finite = np.concatenate([within[np.isfinite(within)], across[np.isfinite(across)]])
    lo = float(finite.min()) if len(finite) else 0.0
    return ({"within": (x, within, WITHIN, False), "across": (x, across, ACROSS, True)},
            (max(min(lo - 0.02, 0.98), -1.0), 1.0))
