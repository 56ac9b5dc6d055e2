"""A set's first map: a UMAP layout of its most frequent words with named clusters, computed once
when the set is prepared and stored in the set's own folder, so the cloud opens on it at once (Qt-free).

    first = run_sync(prepare_default())     # run.sh and the desktop build: GloVe's first map, made once
    first = find(es)                        # at start: the stored map of this set, or None
    first.layout                            # a UMAP Layout of the 10,000 most frequent words
    first.levels[1].names                   # the names of its 40 clusters

The file (``first_map.npz`` beside ``vectors.npy``) is the projection cache's format
(core.projections.cache.write_layout) with, per granularity, each point's cluster, the names
and the anchors (core.projections.cluster_names). It carries the set's fingerprint: a file of
another set, of another version or damaged in any way is not used (``find`` returns None and
the cloud projects as it would without one). Everything is seeded, so preparing again gives
the same map. The fitted UMAP model is not stored: words outside the map are placed by the mean
of their neighbours (core.projections.placement).
"""
from __future__ import annotations

import importlib.util
import json
import logging
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embeddings import default_set
from ..embeddings.embedding_set import EmbeddingSet
from ..progress import Job, Progress, run_sync, scaled
from . import cache as projection_cache
from .cluster_names import Clusters, name_clusters
from .clustering import kmeans
from .layout import Layout, point_rows, resolve_params
from .project import project

FILE = "first_map.npz"
VERSION = 1
POINTS = 10_000
LEVELS = (12, 40, 120)  # clusters at each granularity, broadest first
log = logging.getLogger(__name__)


@dataclass(eq=False)
class FirstMap:
    layout: Layout
    levels: tuple[Clusters, ...]  # broadest first

    def shows(self, layout: Layout | None) -> bool:
        """Whether `layout` is this map (or this map aligned onto another set's layout)."""
        return layout is not None and bool(layout.info.get("first_map")) and \
            np.array_equal(layout.rows, self.layout.rows)

    def level(self, k: int) -> Clusters | None:
        return next((c for c in self.levels if c.k == k), None)


def compute(es: EmbeddingSet, points: int = POINTS, levels: tuple[int, ...] = LEVELS) -> Job[FirstMap]:
    """UMAP (the cloud's own, default parameters) of the `points` most frequent words, and k-means
    of them in the full space at each of `levels`, named."""
    rows = point_rows(es, points)
    layout = yield from scaled(project(es, rows, "umap", cache=False), 0.0, 0.9, "first map: ")
    layout.model = None  # lives in the worker process; not part of the stored map
    # framed: the view frames the bulk of the map (90% of the words), not its far islands (names, years)
    layout.info.update(first_map=True, framed=0.9,
                       note=f"UMAP of the {len(rows):,} most frequent of {len(es):,} words, prepared with the set; "
                       "others are placed")
    named = []
    for i, k in enumerate(levels):
        start = 0.9 + 0.1 * i / len(levels)
        labels = yield from scaled(kmeans(es, rows, k), start, start + 0.1 / len(levels), "first map: ")
        named.append(name_clusters(es, layout, labels, k))
    yield Progress(1.0, "first map ready")
    return FirstMap(layout, tuple(named))


def save(first: FirstMap, es: EmbeddingSet, folder: str | Path) -> Path:
    path = Path(folder) / FILE
    lay = first.layout
    meta = {"first_map": VERSION, "fingerprint": projection_cache.fingerprint(es), "method": lay.method,
            "params": [list(p) for p in lay.params], "levels": [{"k": c.k, "names": c.names} for c in first.levels]}
    arrays = {}
    for c in first.levels:
        arrays[f"labels_{c.k}"] = c.labels.astype(np.int16)
        arrays[f"anchors_{c.k}"] = c.anchors.astype(np.int64)
    projection_cache.write_layout(path, lay, meta, **arrays)
    return path


def load(folder: str | Path, es: EmbeddingSet) -> FirstMap | None:
    """The first map stored in `folder` for `es`; None when there is none or it is not usable."""
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:  # f: closed even if not a zip
            meta = json.loads(str(z["meta"]))
            if meta.get("first_map") != VERSION or meta.get("fingerprint") != projection_cache.fingerprint(es):
                log.info("%s is not this set's first map; not used", path)
                return None
            params = resolve_params(meta["method"], [tuple(p) for p in meta["params"]])
            layout = projection_cache.layout_from(z, meta["method"], params)[0]
            levels = tuple(Clusters(int(lv["k"]), z[f"labels_{lv['k']}"].astype(np.int32),
                                    [str(n) for n in lv["names"]], z[f"anchors_{lv['k']}"].astype(np.int64))
                           for lv in meta["levels"])
        first = FirstMap(layout, levels)
        _check(first, len(es))
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile) as exc:
        log.info("the first map in %s is damaged (%s); not used", path, exc)
        return None
    return first


def _check(first: FirstMap, vocab: int) -> None:
    lay = first.layout
    n = len(lay.rows)
    if n < 4 or lay.coords.shape != (n, 3) or not np.isfinite(lay.coords).all():
        raise ValueError("coordinates do not match the rows")
    if lay.rows[0] < 0 or lay.rows[-1] >= vocab or np.any(np.diff(lay.rows) <= 0):
        raise ValueError("rows outside the set or not sorted")
    if not lay.info.get("first_map"):
        raise ValueError("not marked as a first map")
    for c in first.levels:
        if c.labels.shape != (n,) or c.labels.min() < 0 or c.labels.max() >= c.k or len(c.names) != c.k:
            raise ValueError(f"the {c.k} clusters do not match the points")
        if c.anchors.shape != (c.k,) or np.any(lay.positions(c.anchors[c.anchors >= 0]) < 0):
            raise ValueError(f"the {c.k} clusters' anchors are not points of the map")


def folder_of(es: EmbeddingSet) -> Path | None:
    """The folder a stored set was opened from (its vectors are a memory map of vectors.npy there)."""
    name = getattr(es.vectors, "filename", None)
    return Path(name).parent if name else None


def find(es: EmbeddingSet) -> FirstMap | None:
    """The first map stored with `es`, or None (a few milliseconds: one small file)."""
    folder = folder_of(es)
    return load(folder, es) if folder is not None else None


def ensure(es: EmbeddingSet, folder: str | Path, points: int = POINTS,
           levels: tuple[int, ...] = LEVELS) -> Job[FirstMap]:
    """The first map in `folder`, computed and stored there if it is missing or not usable."""
    first = load(folder, es)
    if first is not None:
        yield Progress(1.0, "the first map is ready")
        return first
    first = yield from compute(es, points, levels)
    save(first, es, folder)
    return first


def prepare_default() -> Job[FirstMap | None]:
    """The bundled set converted into the cache if needed, and its first map (None without umap-learn)."""
    es = yield from scaled(default_set.load_default(), 0.0, 0.05)
    if importlib.util.find_spec("umap") is None:
        return None
    return (yield from scaled(ensure(es, default_set.default_folder()), 0.05, 1.0))


def main() -> int:
    """``python -m core.projections.first_map`` (run.sh): prepare the bundled set and its first map;
    silent when both are ready, one line per phase while the map is made."""
    said: set[str] = set()

    def report(p: Progress) -> None:
        phase = re.sub(r"\d[\d,.]*", "#", p.message)  # one line per phase, not per epoch or second
        if p.message.startswith("first map: ") and phase not in said:
            if not said:
                print(f"preparing the first map of {default_set.NAME} (once; about a minute)", file=sys.stderr)
            said.add(phase)
            print(f"  {p.message}", file=sys.stderr, flush=True)

    first = run_sync(prepare_default(), report)
    if first is None:
        print("umap-learn is not installed: the cloud will open on PCA", file=sys.stderr)
    elif said:
        print(f"  first map: {len(first.layout.rows):,} words, clusters "
              + ", ".join(str(c.k) for c in first.levels), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
