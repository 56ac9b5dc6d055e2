"""A set's first map (core.projections.first_map): stored in the set's folder, found with the set,
the same when computed again, and never used when it is damaged or another set's."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.embeddings import store
from core.progress import run_sync
from core.projections import first_map
from core.projections.cache import write_layout
from core.projections.layout import resolve_params
from tests.conftest import MAPPED_LEVELS, MAPPED_POINTS


def test_the_first_map_is_found_with_its_set(mapped_set):
    first = first_map.find(mapped_set)
    assert first is not None
    lay = first.layout
    assert lay.method == "umap" and lay.params == resolve_params("umap")  # the cloud's own defaults
    np.testing.assert_array_equal(lay.rows, np.arange(MAPPED_POINTS))
    assert lay.coords.shape == (MAPPED_POINTS, 3) and lay.coords.dtype == np.float32
    assert lay.axis_labels == ("UMAP 1", "UMAP 2", "UMAP 3") and first.shows(lay)
    assert "1,500 most frequent of 3,000 words" in lay.info["note"]
    assert [c.k for c in first.levels] == list(MAPPED_LEVELS) and first.level(40) is first.levels[1]
    for c in first.levels:
        assert c.labels.shape == (MAPPED_POINTS,) and set(np.unique(c.labels)) == set(range(c.k))
        assert (np.diff(c.sizes()) <= 0).all()  # 0 = the largest cluster


def test_computing_it_again_gives_the_same_map(mapped_set):
    stored = first_map.find(mapped_set)
    again = run_sync(first_map.compute(mapped_set, MAPPED_POINTS, MAPPED_LEVELS))
    np.testing.assert_array_equal(again.layout.coords, stored.layout.coords)
    for a, b in zip(again.levels, stored.levels):
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.anchors, b.anchors)
        assert a.names == b.names


def _copy(mapped_set, tmp_path):
    """The stored set and its map copied to a folder of its own, opened from there."""
    folder = tmp_path / "copy"
    shutil.copytree(first_map.folder_of(mapped_set), folder)
    return store.open_set(folder), folder / first_map.FILE


def _rewrite(path, change):
    """The map file written again with `change(meta, arrays)` applied."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(str(z["meta"]))
    change(meta, arrays)
    with open(path, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta)), **arrays)


@pytest.mark.parametrize("damage", ["missing", "truncated", "not a zip", "another set", "labels out of range",
                                    "anchor outside the map", "coordinates not finite", "newer version"])
def test_a_damaged_missing_or_foreign_map_is_not_used(mapped_set, tmp_path, damage):
    es, path = _copy(mapped_set, tmp_path)
    assert first_map.find(es) is not None
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "not a zip":
        path.write_bytes(b"\x00" * 1000)
    elif damage == "another set":
        _rewrite(path, lambda meta, arrays: meta.update(fingerprint="0" * 20))
    elif damage == "labels out of range":
        _rewrite(path, lambda meta, arrays: arrays["labels_12"].__setitem__(0, 12))
    elif damage == "anchor outside the map":
        _rewrite(path, lambda meta, arrays: arrays["anchors_40"].__setitem__(3, 2999))
    elif damage == "coordinates not finite":
        _rewrite(path, lambda meta, arrays: arrays["coords"].__setitem__((7, 1), np.nan))
    else:
        _rewrite(path, lambda meta, arrays: meta.update(first_map=first_map.VERSION + 1))
    assert first_map.find(es) is None  # quietly: the cloud then projects as it would without one


def test_sets_without_a_folder_or_a_map_have_none(mapped_set, glove_small):
    assert first_map.find(glove_small) is None  # in memory
    assert first_map.find(mapped_set.subset(range(2000), name="part")) is None  # its folder holds another set's


def test_ensure_keeps_a_good_map_and_replaces_a_damaged_one(mapped_set, tmp_path):
    es, path = _copy(mapped_set, tmp_path)
    before = path.stat().st_mtime_ns
    kept = run_sync(first_map.ensure(es, path.parent, MAPPED_POINTS, MAPPED_LEVELS))
    assert path.stat().st_mtime_ns == before and kept.levels[0].names == first_map.find(mapped_set).levels[0].names
    write_layout(path, kept.layout)  # a layout without clusters: not a first map
    assert first_map.find(es) is None
    made = run_sync(first_map.ensure(es, path.parent, 300, (4,)))
    again = first_map.find(es)
    assert again is not None and len(again.layout.rows) == 300 and again.levels[0].names == made.levels[0].names
