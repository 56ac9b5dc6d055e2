"""Probes in the cloud (session.cloud.probes): placed at once into linear layouts, on the task
runner (the neighbour mean) into others, drawn highlighted with their label; a probe of the wrong
width is left out."""
from __future__ import annotations

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.projections.layout import Layout
from core.projections.placement import neighbour_mean
from core.state.session import Session
from gui.canvas.scene import CloudScene
from gui.panels.cloud.probes import Probes


def test_probes_in_a_layout_without_a_linear_map(qtbot, runner):
    rng = np.random.default_rng(0)
    es = EmbeddingSet([f"w{i}" for i in range(200)], rng.normal(size=(200, 8)).astype(np.float32))
    s = Session()
    s.set_embeddings(es)
    layout = Layout("tsne", (("normalize", True),), np.arange(200), rng.normal(size=(200, 3)).astype(np.float32))
    calls = []
    probes = Probes(s, runner, lambda: calls.append(1))
    v = es.vectors[3] + 0.01
    s.cloud.probes = (("mine", v), ("too short", np.zeros(3, np.float32)))
    probes.request(layout)
    assert probes.placed == []  # on the runner
    qtbot.waitUntil(lambda: bool(probes.placed), timeout=5000)
    (label, coords), = probes.placed
    assert label == "mine"
    np.testing.assert_allclose(coords, neighbour_mean(es, layout, v[None])[0][0], atol=1e-5)
    scene = CloudScene()
    scene.set_points(layout.rows, layout.coords)
    labels = []
    pos, col, size = probes.add_to(scene, np.zeros((0, 3), np.float32), np.zeros((0, 4), np.float32),
                                   np.zeros(0, np.float32), labels)
    assert pos.shape == (1, 3) and labels[0].text == "mine" and size[0] > 10
    s.cloud.probes = ()
    probes.request(layout)
    assert probes.placed == [] and calls
