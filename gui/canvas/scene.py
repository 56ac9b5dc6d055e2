"""What the cloud shows, as plain arrays (no Qt): points, colours, sizes, highlights, labels, lines.

The panel fills a :class:`CloudScene` from the Session and the current layout;
both views (3D and 2D) draw its arrays. Coordinates are put in a display frame:
centred on the layout's median and scaled so 99% of points lie within radius 1 (or the share
a layout asks for in ``info["framed"]``: a first map with far islands frames its bulk),
so the camera and arrow heads need no tuning per method.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from core.projections.cluster_names import is_name_word
from core.projections.layout import positions_in
from gui.canvas import colors

LABEL_LIMIT = 60
HIGHLIGHT_SIZE = 10.0


@dataclass
class Frame:
    center: np.ndarray
    scale: float

    @classmethod
    def fit(cls, coords: np.ndarray, sample: int = 50_000, framed: float = 0.99) -> Frame:
        """Median centre and the radius of the `framed` share of points (99th percentile), from an evenly
        spaced sample of at most `sample` points."""
        coords = coords[:: max(1, len(coords) // sample)]
        c = np.median(coords, axis=0).astype(np.float32)
        r = np.linalg.norm(coords - c, axis=1)
        s = float(np.percentile(r, 100 * framed)) if len(r) else 1.0
        return cls(c, s if s > 0 else 1.0)

    def apply(self, coords: np.ndarray) -> np.ndarray:
        return ((np.asarray(coords, dtype=np.float32) - self.center) / self.scale).astype(np.float32)


@dataclass
class Label:
    pos: np.ndarray
    text: str
    color: tuple[float, float, float, float]
    bold: bool = False
    kind: str = "word"  # "word": beside its point; "cluster": a cluster's name, larger, centred on its point


@dataclass
class CloudScene:
    """Inputs (set by the panel) -> outputs (read by the views) via :meth:`build`."""

    words: list[str] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # displayed rows
    coords: np.ndarray = field(default_factory=lambda: np.empty((0, 3), np.float32))  # raw layout coords of rows
    placed: np.ndarray = field(default_factory=lambda: np.empty(0, bool))  # True where placed, not projected
    frame: Frame = field(default_factory=lambda: Frame(np.zeros(3, np.float32), 1.0))
    base_colors: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    top_labels: int = 20
    framed: float = 0.99  # the share of points within radius 1 after a refit

    def set_points(self, rows: np.ndarray, coords: np.ndarray, placed: np.ndarray | None = None,
                   refit: bool = True) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)
        self.coords = np.asarray(coords, dtype=np.float32)
        self.placed = np.zeros(len(rows), bool) if placed is None else np.asarray(placed, bool)
        if refit:
            some = self.placed.any()
            projected = self.coords[~self.placed] if some and (~self.placed).any() else self.coords
            self.frame = (Frame.fit(projected, framed=self.framed) if len(projected)
                          else Frame(np.zeros(3, np.float32), 1.0))
        self._index: dict[int, int] | None = None  # built on first use
        self._by_frequency: np.ndarray | None = None  # the projected rows, most frequent first (labels)

    def set_layout(self, rows: np.ndarray, coords: np.ndarray, placed: dict[int, np.ndarray],
                   refit: bool = False) -> None:
        """A layout's points plus the words placed into it (flagged as placed)."""
        inside = set(rows.tolist()) if placed else set()
        extra = [r for r in placed if r not in inside]
        if not extra:  # no copies of 400,000 rows and coordinates
            self.set_points(rows, coords, None, refit=refit)
            return
        self.set_points(np.concatenate([rows, np.asarray(extra, np.int64)]),
                        np.vstack([coords, np.asarray([placed[r] for r in extra], np.float32).reshape(-1, 3)]),
                        np.r_[np.zeros(len(rows), bool), np.ones(len(extra), bool)], refit=refit)

    def index_of(self, row: int) -> int:
        """Position of a row in `rows`: a binary search in the (sorted) projected rows, then the placed ones."""
        if getattr(self, "_index", None) is None:
            head = int(np.argmax(self.placed)) if self.placed.any() else len(self.rows)
            sorted_head = head < 2 or bool(np.all(np.diff(self.rows[:head]) > 0))
            if not sorted_head:
                head = 0
            self._index = (self.rows[:head], {int(r): head + i for i, r in enumerate(self.rows[head:].tolist())})
        sorted_rows, extra = self._index
        i = int(positions_in(sorted_rows, [row])[0])
        return i if i >= 0 else extra.get(int(row), -1)

    def display(self) -> np.ndarray:
        return self.frame.apply(self.coords)

    def position(self, row: int) -> np.ndarray | None:
        i = self.index_of(row)
        return None if i < 0 else self.frame.apply(self.coords[i])

    # -- sizes of the whole cloud ------------------------------------------------
    def point_size(self) -> float:
        n = len(self.rows)
        return 4.0 if n <= 20_000 else 3.0 if n <= 120_000 else 2.0

    def colors(self) -> np.ndarray:
        if len(self.base_colors) != len(self.rows):
            return colors.frequency(self.rows)
        return self.base_colors

    # -- highlights ----------------------------------------------------------------
    def highlights(self, roles: dict[str, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Positions, colours and sizes of highlighted points (one per row, the strongest role wins)."""
        chosen: dict[int, str] = {}
        for role in colors.ROLE_ORDER:  # later roles override earlier ones
            for r in roles.get(role, []):
                if self.index_of(r) >= 0:
                    chosen[int(r)] = role
        for i in np.flatnonzero(self.placed):
            chosen.setdefault(int(self.rows[i]), "placed")
        rows = list(chosen)
        if not rows:
            return np.empty((0, 3), np.float32), np.empty((0, 4), np.float32), np.empty(0, np.float32), []
        idx = np.array([self.index_of(r) for r in rows])
        pos = self.frame.apply(self.coords[idx])
        col = np.array([colors.ROLE_COLORS[chosen[r]] for r in rows], np.float32)
        size = np.array([HIGHLIGHT_SIZE * colors.ROLE_SIZE.get(chosen[r], 1.0) for r in rows], np.float32)
        return pos, col, size, rows

    def labels(self, roles: dict[str, list[int]], names: list[Label] = ()) -> list[Label]:
        """Labels for highlighted words first (strongest role first), then `names` (cluster names),
        then the `top_labels` most frequent words.

        The order is a priority: the views skip a label that would overlap one drawn before it.
        """
        out: list[Label] = []
        seen: set[int] = set()
        for role in reversed(colors.ROLE_ORDER):
            for r in ([] if role in colors.UNLABELLED else roles.get(role, [])):
                if r in seen or self.index_of(r) < 0 or len(out) >= LABEL_LIMIT:
                    continue
                seen.add(r)
                out.append(Label(self.position(r), self.words[r], colors.ROLE_COLORS[role],
                                 bold=role in ("query", "result", "hover")))
        out += names
        # the most frequent words; beside cluster names only words that could name something (no "the", ",")
        if getattr(self, "_by_frequency", None) is None:
            projected = self.rows[~self.placed]
            ordered = len(projected) < 2 or bool(np.all(projected[1:] > projected[:-1]))  # a layout's rows are
            self._by_frequency = projected if ordered else np.sort(projected)
        ranked = (r for s in range(0, len(self._by_frequency), 256) for r in self._by_frequency[s: s + 256].tolist())
        top = (r for r in ranked if not names or is_name_word(self.words[r]))
        for r in itertools.islice(top, self.top_labels):
            if r not in seen and len(out) < LABEL_LIMIT + len(names):
                seen.add(r)
                out.append(Label(self.position(r), self.words[r], colors.TOP_LABEL))
        return out

    def link_segments(self, links: list[tuple[int, int]]) -> np.ndarray:
        """(2m, 3) line endpoints for (row, row) pairs that both have positions."""
        pts = []
        for a, b in links:
            pa, pb = self.position(a), self.position(b)
            if pa is not None and pb is not None:
                pts += [pa, pb]
        return np.asarray(pts, np.float32).reshape(-1, 3)
