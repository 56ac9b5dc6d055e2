"""Arrows for word arithmetic in the cloud (numpy only): shafts plus line heads.

For ``a - b + c`` (king - man + woman) the arrows draw the parallelogram:
b -> a and b -> c are the two offsets (man -> king, man -> woman), then the same
offsets are repeated from the other corners to the target (king -> T, woman -> T,
thin grey), where T is the layout position of the target vector
(king - man + woman itself). A last arrow goes from T to the best result word.
For PCA and custom axes T = p(a) - p(b) + p(c) exactly, since those maps are
affine and the coefficients sum to one.

Any other expression is drawn tip to tail from the layout centre: each term
moves by ``coef * p(word)``, so the chain ends at sum(coef * p(word)) (T itself
for linear maps; a grey arrow joins it to T otherwise), then an arrow goes to
the result.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gui.canvas import colors

HEAD = 0.04  # longest head in display units (the cloud has radius ~1)


@dataclass
class Arrow:
    start: np.ndarray
    end: np.ndarray
    color: tuple[float, float, float, float]
    label: str = ""
    head: bool = True


def arithmetic_arrows(coefs: list[float], positions: list[np.ndarray], target: np.ndarray | None,
                      result: np.ndarray | None) -> list[Arrow]:
    """Arrows for sum(coef_i * word_i) -> target -> result, in display coordinates."""
    pos = [np.asarray(p, np.float32) for p in positions]
    out: list[Arrow] = []
    plus = [i for i, c in enumerate(coefs) if c > 0]
    minus = [i for i, c in enumerate(coefs) if c < 0]
    is_analogy = len(coefs) == 3 and len(plus) == 2 and len(minus) == 1 and all(abs(abs(c) - 1) < 1e-9 for c in coefs)
    if is_analogy:
        a, c = plus
        b = minus[0]
        end = target if target is not None else pos[a] - pos[b] + pos[c]
        out.append(Arrow(pos[b], pos[a], colors.ARROW, "offset 1"))
        out.append(Arrow(pos[b], pos[c], colors.ARROW, "offset 2"))
        out.append(Arrow(pos[a], np.asarray(end, np.float32), colors.ARROW_HELPER, head=False))
        out.append(Arrow(pos[c], np.asarray(end, np.float32), colors.ARROW_HELPER, head=False))
    else:
        here = np.zeros(3, np.float32)
        for c, p in zip(coefs, pos):
            nxt = here + np.float32(c) * p
            out.append(Arrow(here, nxt, colors.ARROW))
            here = nxt
        end = target if target is not None else here
        if target is not None and np.linalg.norm(here - target) > 1e-6:
            out.append(Arrow(here, np.asarray(target, np.float32), colors.ARROW_HELPER, head=False))
    if result is not None and np.linalg.norm(np.asarray(result) - np.asarray(end)) > 1e-6:
        out.append(Arrow(np.asarray(end, np.float32), np.asarray(result, np.float32), colors.ARROW_RESULT, "result"))
    return out


def segments(arrows: list[Arrow], head: float = HEAD) -> tuple[np.ndarray, np.ndarray]:
    """Line-pair vertices (2m, 3) and colours (2m, 4): each shaft and a four-pronged head
    (12% of the arrow, at most `head` long) unless the arrow has none."""
    pts: list[np.ndarray] = []
    cols: list[tuple] = []
    for a in arrows:
        s, e = np.asarray(a.start, np.float32), np.asarray(a.end, np.float32)
        d = e - s
        length = float(np.linalg.norm(d))
        if length < 1e-9:
            continue
        u = d / length
        h = min(head, 0.12 * length)
        helper = np.array([0, 0, 1], np.float32) if abs(u[2]) < 0.9 else np.array([1, 0, 0], np.float32)
        v = np.cross(u, helper)
        v /= np.linalg.norm(v)
        w = np.cross(u, v)
        base = e - u * h
        pts += [s, e]
        cols += [a.color] * 2
        if a.head:
            for side in (v, -v, w, -w):
                pts += [e, base + side * (0.35 * h)]
            cols += [a.color] * 8
    if not pts:
        return np.empty((0, 3), np.float32), np.empty((0, 4), np.float32)
    return np.asarray(pts, np.float32), np.asarray(cols, np.float32)
