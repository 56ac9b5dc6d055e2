"""Named clusters (core.projections.cluster_names): names are distinct words central to their
cluster (tokens such as numbers only for a cluster without words); anchors are points of their own
cluster; the colour mode's clusters are k-means's."""

from __future__ import annotations

import numpy as np

from core.progress import run_sync
from core.projections import first_map
from core.projections.cluster_names import STOP_WORDS, is_name_word, named_clusters
from core.projections.clustering import kmeans
from core.projections.layout import point_rows
from core.projections.project import project


def test_what_can_name_a_cluster():
    assert all(is_name_word(w) for w in ("music", "tv", "well-known", "o'neill", "Paris"))
    assert not any(is_name_word(w) for w in ("the", "said", ",", "--", "1998", "3.5", "j.", "i.e.", "n't", "a"))
    assert {"the", "of", "and", "said"} <= STOP_WORDS


def test_names_are_distinct_central_words_of_their_clusters(mapped_set):
    first = first_map.find(mapped_set)
    words = mapped_set.words
    for c in first.levels:
        assert len(c.names) == c.k and len(set(c.names)) == c.k  # distinct within a granularity
        for i, name in enumerate(c.names):
            parts = name.split(", ")
            members = [words[r] for r in first.layout.rows[c.labels == i]]
            assert len(parts) == min(2, len(members)), name  # two words (one for a cluster of one)
            for w in parts:  # tokens of the set, in the cluster they name
                assert w in mapped_set and c.labels[words.index(w)] == i, (name, w)
            good = [w for w in parts if is_name_word(w)]  # words first; numbers only where it has no more words
            assert parts[: len(good)] == good and len(good) == min(2, sum(map(is_name_word, members))), name
        own = c.labels[first.layout.positions(c.anchors)]
        np.testing.assert_array_equal(own, np.arange(c.k))  # each name sits on a point of its cluster
    # the finest names say what their cluster holds: the weekdays' cluster is named by weekdays
    week = first.levels[-1]
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    named = week.names[week.labels[words.index("monday")]]
    assert all(w in days for w in named.split(", ")), named


def test_clusters_of_any_layout_are_kmeans_named(glove_small):
    rows = point_rows(glove_small, 2000)
    layout = run_sync(project(glove_small, rows, "pca", cache=False))
    clusters = run_sync(named_clusters(glove_small, layout, 8))
    np.testing.assert_array_equal(clusters.labels, run_sync(kmeans(glove_small, rows, 8)))  # the colours' clusters
    assert len(set(clusters.names)) == 8 and all(clusters.names)
    assert (clusters.anchors >= 0).all() and (layout.positions(clusters.anchors) >= 0).all()
