"""Named clusters of a layout's words: k-means in the full space, each cluster named by its most
central words and anchored where it lies on the map (Qt-free).

    clusters = run_sync(named_clusters(es, layout, 40))
    clusters.names[0]       # "company, companies": the largest cluster's two most central words
    clusters.anchors[0]     # the row of the set whose point the name is drawn at

* Clusters are core.projections.clustering.kmeans (unit vectors, fixed seed, 0 = the largest),
  so a cloud coloured by k clusters shows the same clusters the names describe.
* A name is the ``per_name`` members nearest the cluster's centroid (the mean of its unit
  vectors) by cosine, skipping stop words ("the", "of"), punctuation and numbers; a cluster with
  fewer such words (years, prices) is named by its most central tokens with a letter or digit too.
  Members are disjoint, so the names of one clustering are distinct. In a layout of more than
  NAME_POOL words (all 400,000 of GloVe), the name is chosen among the cluster's members that are
  among the layout's NAME_POOL most frequent (rows are in frequency order) when it has enough of them,
  so a cluster is named by words a reader knows, not by the rare names that crowd its centre.
* The anchor is where the cluster is most itself on the map: the densest, purest part of it
  (see :func:`anchors_of`), not its mean, which for a cluster the layout spread out or split
  falls among other clusters. It is one of the cluster's own points, so a rotated or aligned
  layout carries its names along.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..progress import Job, Progress, scaled
from .clustering import kmeans
from .layout import Layout, unit_rows

NAME_POOL = 20_000  # a large layout's clusters are named by members among its this many most frequent words
FIT_SAMPLE = 50_000  # named_levels fits k-means on at most this many points and assigns the others (clustering.py)
GRID = 24  # cubes along the map's longest side, for finding where each cluster lies
# English function words and the reporting verbs of news text: central to many clusters, naming none.
STOP_WORDS = frozenset("""
a about above after again against ago all almost along already also although always am among an and another
any anyone anything are around as at away back be became because become been before being below between both
but by can cannot could did do does doing done down during each either else even ever every few for from
further get gets got had has have having he her here hers herself him himself his how however i if in into is
it its itself just least less like made make many may me might more most mostly much must my myself near
neither never next no nor not now of off often on once one only onto or other others otherwise our ours
ourselves out over own per perhaps put quite rather really said same say says see seem seemed several shall
she should since so some something still such than that the their theirs them themselves then there
therefore these they thing things this those though through thus to together too toward towards under
unless until up upon us very via was we well were what whatever when where whether which while who whom
whose why will with within without would yet you your yours yourself yourselves mr mrs ms dr st jr
""".split())
_WORD = re.compile(r"^[^\W\d_]+(?:[-'.][^\W\d_]+)*\.?$")  # letters, inner hyphens/apostrophes, "u.s."
_TOKEN = re.compile(r"\w")


@dataclass(eq=False)
class Clusters:
    """One clustering of a layout's points, named."""

    k: int
    labels: np.ndarray  # (n,) int32: the cluster of each layout row (0 = the largest cluster)
    names: list[str]  # k names, by cluster
    anchors: np.ndarray  # (k,) int64 rows of the set the names are drawn at (-1: an empty cluster)

    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.k)


def is_name_word(word: str) -> bool:
    """A word that can name a cluster: letters (inner - ' .), not a stop word, three letters or more
    ("tv" too, but not "j.", "i.e." or "n't")."""
    letters = sum(ch.isalpha() for ch in word)
    return (letters >= 3 or letters == len(word) == 2) and word.lower() not in STOP_WORDS \
        and _WORD.match(word) is not None


def names_of(es: EmbeddingSet, rows: np.ndarray, labels: np.ndarray, k: int, per_name: int = 2,
             pool: int = NAME_POOL) -> list[str]:
    """Each cluster's `per_name` most central name words (see the module's docstring), joined by ", "; the
    candidates are the members among the `pool` first (most frequent) rows when `per_name` of them can name."""
    rows = np.asarray(rows, np.int64)
    X = unit_rows(es, rows)
    by_cluster = np.argsort(labels, kind="stable")  # members of each cluster, in row (frequency) order
    bounds = np.searchsorted(labels[by_cluster], np.arange(k + 1))
    names = []
    for c in range(k):
        members = by_cluster[bounds[c]: bounds[c + 1]]
        if not len(members):
            names.append("")
            continue
        centre = X[members].mean(axis=0)
        known = members[members < pool]
        if len(known) < len(members) and sum(is_name_word(es.words[r]) for r in rows[known].tolist()) >= per_name:
            members = known
        order = members[np.argsort(-(X[members] @ centre), kind="stable")]
        words = [es.words[r] for r in rows[order].tolist()]
        chosen = [w for w in words if is_name_word(w)][:per_name]
        if len(chosen) < per_name:  # few or no words (years, prices): the most central other tokens too
            chosen += [w for w in words if _TOKEN.search(w) and w not in chosen][: per_name - len(chosen)]
        names.append(", ".join(chosen or words[:per_name]))
    return names


def anchors_of(layout: Layout, labels: np.ndarray, k: int, *, cells: int = GRID) -> np.ndarray:
    """Where each cluster is most itself on the map, as a row of the set (-1 for an empty cluster).

    The map is cut into a grid of cubes (`cells` along its longest side, over the middle 98% of the
    points); each cube's counts are summed with its 26 neighbours. A cluster's place is the cube
    where count * purity (its share of the points there) is highest, and its anchor the member
    nearest its members' mean around that cube."""
    coords = np.asarray(layout.coords, np.float64)
    labels = np.asarray(labels, np.int64)
    lo, hi = np.percentile(coords, 1, axis=0), np.percentile(coords, 99, axis=0)
    side = max(float((hi - lo).max()) / cells, 1e-12)
    shape = np.maximum(np.ceil((hi - lo) / side).astype(int), 1)
    cell = np.clip(((coords - lo) / side).astype(int), 0, shape - 1)
    flat = np.ravel_multi_index(cell.T, shape)
    counts = np.zeros((k, int(np.prod(shape))), np.float64)
    np.add.at(counts, (labels, flat), 1.0)
    padded = np.pad(counts.reshape(k, *shape), ((0, 0), (1, 1), (1, 1), (1, 1)))
    near = sum(padded[:, 1 + dx: 1 + dx + shape[0], 1 + dy: 1 + dy + shape[1], 1 + dz: 1 + dz + shape[2]]
               for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)).reshape(k, -1)
    score = near ** 2 / np.maximum(near.sum(axis=0), 1.0)
    out = np.full(k, -1, np.int64)
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if not len(members):
            continue
        best = np.array(np.unravel_index(int(np.argmax(score[c])), shape))
        around = members[np.abs(cell[members] - best).max(axis=1) <= 1]
        around = around if len(around) else members
        centre = coords[around].mean(axis=0)
        out[c] = layout.rows[around[int(np.argmin(((coords[around] - centre) ** 2).sum(axis=1)))]]
    return out


def name_clusters(es: EmbeddingSet, layout: Layout, labels: np.ndarray, k: int) -> Clusters:
    labels = np.asarray(labels, np.int32)
    return Clusters(k, labels, names_of(es, layout.rows, labels, k), anchors_of(layout, labels, k))


def named_clusters(es: EmbeddingSet, layout: Layout, k: int) -> Job[Clusters]:
    """k-means of the layout's rows (full space), named and anchored."""
    labels = yield from scaled(kmeans(es, layout.rows, k), 0.0, 0.8)
    yield Progress(0.85, f"naming {k} clusters")
    clusters = name_clusters(es, layout, labels, k)
    yield Progress(1.0, f"{k} clusters named")
    return clusters


LEVELS = (12, 40, 120)  # the granularities a layout is named at, broadest first (as a first map's)
PURE = 0.9  # a cluster whose majority value holds this share is named by it alone


def majority_names(values: list[str], rows: np.ndarray, labels: np.ndarray, k: int) -> list[str]:
    """Each cluster named by its members' most common metadata value ("3"), or the two most common
    when the first holds less than PURE of it ("4/9")."""
    vals = np.asarray([values[r] for r in np.asarray(rows, np.int64).tolist()], dtype=object)
    names = []
    for c in range(k):
        members = vals[labels == c]
        if not len(members):
            names.append("")
            continue
        kinds, counts = np.unique(members.astype(str), return_counts=True)
        order = np.argsort(-counts, kind="stable")
        top = kinds[order[0]]
        share = counts[order[0]] / len(members)
        names.append(str(top) if share >= PURE or len(order) == 1 else f"{top}/{kinds[order[1]]}")
    return names


def name_column(metadata: dict[str, list[str]], color_by: str = "") -> str | None:
    """The metadata column clusters are named by: the one the cloud is coloured by, else a label column
    (label, class, category), else None (named by their central members)."""
    if color_by.startswith("meta:") and color_by[5:] in metadata:
        return color_by[5:]
    return next((c for c in metadata if c.lower() in ("label", "class", "category")), None)


def _coarser(X: np.ndarray, fine: np.ndarray, k_fine: int, k: int, seed: int = 0) -> np.ndarray:
    """Labels of `k` clusters made by grouping the `k_fine` clusters (k-means of their centroids, weighted
    by their sizes): nested in the finer clustering, 0 = the largest."""
    from sklearn.cluster import KMeans

    sizes = np.bincount(fine, minlength=k_fine).astype(np.float64)
    cent = np.stack([np.bincount(fine, weights=X[:, j], minlength=k_fine) for j in range(X.shape[1])], axis=1)
    cent /= np.maximum(sizes, 1.0)[:, None]
    used = sizes > 0
    group = np.zeros(k_fine, np.int64)
    group[used] = KMeans(k, n_init=3, random_state=seed).fit_predict(cent[used], sample_weight=sizes[used])
    labels = group[fine]
    rank = np.empty(k, np.int32)
    rank[np.argsort(-np.bincount(labels, minlength=k), kind="stable")] = np.arange(k, dtype=np.int32)
    return rank[labels]


def named_levels(es: EmbeddingSet, layout: Layout, levels: tuple[int, ...] = LEVELS,
                 column: str | None = None) -> Job[tuple[Clusters, ...]]:
    """The layout's rows clustered in the full space at each of `levels` (those below a fifth of the
    points), named by their central members or, with `column`, by its majority value; broadest first.
    One k-means at the finest level (fitted on FIT_SAMPLE points of a larger layout, the others assigned to
    their nearest centre); the broader levels group its clusters, so names nest. Yields all along (cancel)."""
    from threadpoolctl import threadpool_limits

    rows = layout.rows
    ks = [k for k in levels if k <= max(len(rows) // 5, 2)] or [min(levels[0], max(len(rows), 2))]
    yield Progress(0.0, f"k-means of {len(rows):,} points at {ks[-1]} clusters")
    with threadpool_limits(1):  # small products: threads only wait for each other on a busy machine
        fine = yield from scaled(kmeans(es, rows, ks[-1], sample=FIT_SAMPLE), 0.0, 0.7)
        fine = np.asarray(fine, np.int32)
        yield Progress(0.72, f"grouping {ks[-1]} clusters into {', '.join(map(str, ks[:-1]))}")
        X = unit_rows(es, rows) if len(ks) > 1 else None
        labels_at = [_coarser(X, fine, ks[-1], k) for k in ks[:-1]] + [fine]
        del X
    out = []
    for i, (k, labels) in enumerate(zip(ks, labels_at)):
        yield Progress(0.8 + 0.2 * i / len(ks), f"naming {k} clusters")
        names = majority_names(es.metadata[column], rows, labels, k) if column else names_of(es, rows, labels, k)
        out.append(Clusters(k, labels, names, anchors_of(layout, labels, k)))
    yield Progress(1.0, f"named at {', '.join(map(str, ks))} clusters")
    return tuple(out)
