"""Saved views: a round trip, the set they need (missing, changed), damaged and other-version files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.errors import FileFormatError, InputError
from core.state.session import Session
from core.state.views import apply, capture, check_set, needed_file, read_view, write_view


@pytest.fixture
def session(glove_small):
    s = Session()
    s.set_embeddings(glove_small)
    return s


def test_round_trip_restores_the_view(session, tmp_path):
    s = session
    s.cloud.method, s.cloud.params, s.cloud.point_count = "umap", (("n_neighbors", 30),), 2000
    s.cloud.color_by = "clusters"
    s.neighbours.query, s.arithmetic.expression = "king", "king - man + woman"
    s.selection = (3, 5, 8)
    s.cloud.isolated = (3, 5, 8, 13)
    s.cloud.density, s.cloud.sprites, s.cloud.names, s.cloud.true_neighbours, s.cloud.top_labels = \
        True, False, False, False, 50
    view = capture(s, camera={"distance": np.float32(2.5), "center": (0.1, 0.2, 0.0)}, workspace="words",
                   set_path="/data/glove.txt")
    write_view(view, tmp_path / "v.json")
    back = read_view(tmp_path / "v.json")
    assert back == view
    fresh = Session()
    fresh.set_embeddings(s.embeddings)
    check_set(back, fresh.embeddings)
    apply(back, fresh)
    assert (fresh.cloud.method, fresh.cloud.params, fresh.cloud.point_count) == ("umap", (("n_neighbors", 30),), 2000)
    assert fresh.selection == (3, 5, 8) and fresh.cloud.isolated == (3, 5, 8, 13)
    assert fresh.neighbours.query == "king" and fresh.cloud.color_by == "clusters"
    assert back.camera["distance"] == pytest.approx(2.5)
    c = fresh.cloud
    assert (c.density, c.sprites, c.names, c.true_neighbours, c.top_labels) == (True, False, False, False, 50)
    saved = json.loads((tmp_path / "v.json").read_text())
    assert saved["version"] == 2 and saved["density"] is True and saved["sprites"] is False


# What version 1 wrote (before the cloud's switches were kept): read with their defaults.
VERSION_1 = {
    "kind": "embedding-explorer view", "version": 1, "set_path": "default", "fingerprint": "",
    "set_name": "GloVe 20k", "method": "pca", "params": [["normalize", True]], "point_count": 3000,
    "isolated": [], "camera": {"distance": 3.0}, "query": "tower", "expression": "", "selection": [1, 2],
    "color_by": "clusters", "clusters_k": 40, "workspace": "words",
}


def test_a_version_1_view_reads_with_the_switches_at_their_defaults(session, tmp_path):
    p = tmp_path / "v1.view.json"
    p.write_text(json.dumps({**VERSION_1, "fingerprint": session.embeddings.fingerprint()}, indent=1))
    view = read_view(p)
    assert (view.point_count, view.clusters_k, view.query, view.selection) == (3000, 40, "tower", (1, 2))
    s = session
    s.cloud.density, s.cloud.sprites, s.cloud.names, s.cloud.top_labels = True, False, False, 5
    apply(view, s)
    fresh = Session().cloud
    assert (s.cloud.density, s.cloud.sprites, s.cloud.names, s.cloud.true_neighbours, s.cloud.top_labels) == \
        (fresh.density, fresh.sprites, fresh.names, fresh.true_neighbours, fresh.top_labels)
    assert s.cloud.color_by == "clusters" and s.selection == (1, 2)


def test_a_switch_of_the_wrong_type_is_named(session, tmp_path):
    p = tmp_path / "v.json"
    write_view(capture(session, set_path="default"), p)
    p.write_text(json.dumps({**json.loads(p.read_text()), "density": "yes"}))
    with pytest.raises(FileFormatError, match="'density' is 'yes', expected bool"):
        read_view(p)


def test_a_changed_or_missing_set_says_which_file_it_needs(session, tmp_path):
    view = capture(session, set_path=str(tmp_path / "gone.txt"))
    other = EmbeddingSet(["a", "b"], np.eye(2, dtype=np.float32), name="other")
    with pytest.raises(InputError, match="gone.txt.*open .*gone.txt"):
        check_set(view, other)
    with pytest.raises(InputError, match=r"needs .*gone\.txt .*which is missing"):
        needed_file(view)


def test_damaged_and_other_version_files(session, tmp_path):
    p = tmp_path / "v.json"
    write_view(capture(session, set_path="default"), p)
    good = json.loads(p.read_text())
    p.write_text(p.read_text()[:-20])
    with pytest.raises(FileFormatError, match="damaged") as e:
        read_view(p)
    assert e.value.line is not None
    p.write_text(json.dumps({**good, "version": 7}))
    with pytest.raises(FileFormatError, match="version 7; this version reads versions 1, 2"):
        read_view(p)
    p.write_text(json.dumps({"hello": 1}))
    with pytest.raises(FileFormatError, match="not a saved view"):
        read_view(p)


def test_a_set_made_in_the_app_is_refused_with_what_to_do(session):
    from core.embeddings.embedding_set import MADE_IN_APP

    rng = np.random.default_rng(0)
    session.embeddings = EmbeddingSet([f"w{i}" for i in range(20)], rng.standard_normal((20, 8)).astype(np.float32),
                                      name="word2vec skip-gram · Lee · epoch 3",
                                      source=f"{MADE_IN_APP}word2vec trained on /data/lee_background.cor")
    with pytest.raises(InputError, match=r"word2vec trained on /data/lee_background.cor, not read from a file: "
                                         r"save it first \(Train ▸ Save…\)"):
        capture(session)
