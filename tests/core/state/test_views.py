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
    with pytest.raises(FileFormatError, match="version 7; this version reads version 1"):
        read_view(p)
    p.write_text(json.dumps({"hello": 1}))
    with pytest.raises(FileFormatError, match="not a saved view"):
        read_view(p)
