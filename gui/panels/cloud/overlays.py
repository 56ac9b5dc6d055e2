"""Pure helpers of the panel (no Qt): point colours, the note under the controls, neighbour
links, arithmetic arrows and the camera frame for the highlights."""
from __future__ import annotations

import html

import numpy as np

from core.embeddings.arithmetic import ArithmeticResult
from core.embeddings.embedding_set import EmbeddingSet
from core.projections.layout import METHOD_LABELS, Layout
from gui.canvas import arrows, colors
from gui.canvas.scene import CloudScene, Label


def point_colors(es: EmbeddingSet | None, color_by: str, rows: np.ndarray,
                 cluster_labels: np.ndarray | None) -> np.ndarray:
    """Frequency, a metadata column ("meta:<column>") or k-means clusters (placed words grey)."""
    if color_by.startswith("meta:") and es is not None and color_by[5:] in es.metadata:
        col = es.metadata[color_by[5:]]
        return colors.numeric_or_categories([col[r] for r in rows])[0]
    if color_by == "clusters" and cluster_labels is not None:
        labels = np.full(len(rows), len(colors.PALETTE), int)
        labels[: len(cluster_labels)] = cluster_labels
        return colors.clusters(labels)
    return colors.frequency(rows, len(es) if es is not None else None)


def note_text(layout: Layout | None, n_placed: int, placement_method: str, isolated: bool = False,
              noun: str = "words") -> str:
    """What is shown and how: the point set, variance or KL, how many words were placed and how.
    ``isolated``: the layout is of the selection alone (Isolate), not of the most frequent words."""
    if layout is None:
        return ""
    text = layout.info.get("note", "")
    if isolated:
        text = (f"{METHOD_LABELS.get(layout.method, layout.method)} of the {len(layout.rows):,} isolated {noun} "
                f"(Back in the Selection panel shows all again)")
    if "explained_variance_ratio" in layout.info:
        text += " · explained variance " + " + ".join(
            f"{100 * r:.1f}%" for r in layout.info["explained_variance_ratio"]
        )
    if "kl_divergence" in layout.info:
        text += f" · KL {layout.info['kl_divergence']:.3f}"
    if n_placed:
        text += f" · {n_placed} placed ({placement_method})"
    return text


def link_pairs(
    roles: dict[str, list[int]], placed_links: list[tuple[int, int]], overlay: list[tuple[int, int]], show_true: bool
) -> list[tuple[int, int]]:
    """Lines: the query to its neighbours, a placed query to its own, the selection overlay."""
    query = roles.get("query", [])
    links = [(q, n) for q in query for n in roles.get("neighbour", [])] if show_true else []
    shown = set(query)
    return list(dict.fromkeys(links + [(a, b) for a, b in placed_links if a in shown] + overlay))


def arithmetic_arrows(a: ArithmeticResult | None, scene: CloudScene, target: np.ndarray | None) -> list[arrows.Arrow]:
    if a is None:
        return []
    pos = [scene.position(r) for r in a.input_ids]
    if any(p is None for p in pos):
        return []
    result = scene.position(a.results[0].index) if a.results and a.results[0].index >= 0 else None
    return arrows.arithmetic_arrows([t.coef for t in a.expression.terms], pos, target, result)


def move_arrows(moves: tuple, scene: CloudScene) -> tuple[list[arrows.Arrow], list[Label]]:
    """``session.compare.arrows`` (word, start, end in layout coordinates): arrows and their words' labels."""
    out, labels = [], []
    for word, start, end in moves:
        s, e = scene.frame.apply(start), scene.frame.apply(end)
        out.append(arrows.Arrow(s, e, colors.MOVE))
        labels.append(Label(s, word, colors.MOVE))
    return out, labels


def polylines(lines: tuple, scene: CloudScene) -> tuple[np.ndarray, np.ndarray, list[Label]]:
    """Segments (2m, 3), their colours (2m, 4) and the vertex labels of ``session.cloud.polylines``
    (rows without a position are skipped: the line joins the rows on screen)."""
    pts, cols, labels = [], [], []
    for rows, color, names in lines:
        at = [(scene.position(r), names[i] if i < len(names) else "") for i, r in enumerate(rows)]
        at = [(p, name) for p, name in at if p is not None]
        for (a, _), (b, _) in zip(at, at[1:]):
            pts += [a, b]
            cols += [color, color]
        labels += [Label(p, name, tuple(color)) for p, name in at if name]
    return (np.asarray(pts, np.float32).reshape(-1, 3), np.asarray(cols, np.float32).reshape(-1, 4), labels)


def focus(points: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Centre and radius framing the points (None when there are none)."""
    if not len(points):
        return None
    center = points.mean(axis=0)
    return center, float(np.linalg.norm(points - center, axis=1).max()) + 0.05


def tooltip_html(es: EmbeddingSet | None, row: int, placed: bool, placement_method: str) -> str:
    """The hover tooltip: word, frequency rank, up to four metadata columns, how it was placed."""
    if es is None:
        return ""
    lines = [f"<b>{html.escape(es.words[row])}</b> · rank {row + 1:,}"]
    lines += [f"{html.escape(k)}: {html.escape(str(v[row]))}" for k, v in es.metadata.items()][:4]
    if placed:
        lines.append(f"placed into the layout ({placement_method})")
    return "<br>".join(lines)
