"""Names of any layout at three granularities (core.projections.cluster_names.named_levels): words by their
central members, labelled sets (real MNIST digits) by the majority label."""
from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.inference.mnist import load_digits
from core.progress import run_sync
from core.projections.cluster_names import majority_names, name_column, named_levels
from core.projections.project import project


def test_majority_names_pure_and_mixed():
    values = ["3", "3", "3", "4", "9", "9", "9", "9"]
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2])
    assert majority_names(values, np.arange(8), labels, 4) == ["3", "9/4", "9", ""]


def test_name_column_prefers_the_colouring():
    meta = {"split": ["a"], "label": ["1"]}
    assert name_column(meta, "meta:split") == "split" and name_column(meta, "frequency") == "label"
    assert name_column({"x": ["1"]}) is None


def test_digits_are_named_by_their_label_at_each_level():
    d = load_digits()
    n = 1500
    es = EmbeddingSet([str(i) for i in range(n)], d.images[:n].reshape(n, -1).astype(np.float32),
                      metadata={"label": [str(v) for v in d.labels[:n].tolist()]})
    lay = run_sync(project(es, np.arange(n), "pca"))
    levels = run_sync(named_levels(es, lay, column="label"))
    assert [c.k for c in levels] == [12, 40, 120]
    for c in levels:
        assert len(c.labels) == n and len(c.names) == c.k and (c.anchors[c.sizes() > 0] >= 0).all()
        assert all(set(name.split("/")) <= set("0123456789") for name in c.names if name)
    # a pure cluster's name is the label most of its members have
    big = levels[1]
    i = int(np.argmax(big.sizes()))
    members = d.labels[:n][big.labels == i]
    assert big.names[i].split("/")[0] == str(np.bincount(members).argmax())


def test_words_are_named_by_central_members(glove_small):
    rows = np.arange(3000)
    lay = run_sync(project(glove_small, rows, "pca"))
    levels = run_sync(named_levels(glove_small, lay))
    assert [c.k for c in levels] == [12, 40, 120]
    names = [w for c in levels for name in c.names for w in name.split(", ")]
    assert names and all(w in glove_small.index for w in names)


def test_few_points_get_the_levels_that_fit(glove_small):
    lay = run_sync(project(glove_small, np.arange(100), "pca"))
    assert [c.k for c in run_sync(named_levels(glove_small, lay))] == [12]


def test_all_400000_words_are_named_from_a_sample_with_progress_and_cancel(glove):
    from core.projections.cluster_names import FIT_SAMPLE, NAME_POOL, is_name_word
    from core.projections.layout import unit_rows

    rows = np.arange(len(glove))
    lay = run_sync(project(glove, rows, "pca"))
    assert len(rows) > FIT_SAMPLE
    job = named_levels(glove, lay)
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        levels = stop.value
    assert [c.k for c in levels] == [12, 40, 120]
    assert sum("assigned" in p.message for p in steps) >= len(rows) // 40_000  # the rest assigned, in blocks
    assert len(steps) >= 50 and [p.fraction for p in steps] == sorted(p.fraction for p in steps)
    fine = levels[-1]
    assert len(fine.labels) == len(rows) and (fine.sizes() > 0).all()
    # every word sits in the cluster of its nearest centre (the centres: the members' mean unit vectors)
    X = unit_rows(glove, rows[:: 997])
    centres = np.stack([unit_rows(glove, rows[fine.labels == c][:: 7]).mean(axis=0) for c in range(fine.k)])
    nearest = np.argmax(X @ centres.T - 0.5 * (centres * centres).sum(axis=1), axis=1)
    assert np.mean(nearest == fine.labels[:: 997]) > 0.8  # (mini-batch centres are near, not at, the means)
    # names: the cluster's frequent words where it has them (not the rare names that crowd every centre)
    words = glove.words
    for c in levels:
        for i, name in enumerate(c.names):
            members = rows[c.labels == i]
            known = [w for w in (words[r] for r in members[members < NAME_POOL]) if is_name_word(w)]
            assert name
            if len(known) >= 2:
                assert all(w in known for w in name.split(", ")), (c.k, name)
    # the job stops when closed mid-way (Cancel)
    job = named_levels(glove, lay)
    for _ in range(5):
        next(job)
    job.close()
    with pytest.raises(StopIteration):
        next(job)
