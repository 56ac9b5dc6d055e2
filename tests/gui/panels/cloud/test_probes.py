"""Probes in the cloud (session.cloud.probes): placed by the CloudController at once into linear
layouts, on the task runner (the neighbour mean) into others (session.cloud.placed_probes), drawn
highlighted with their label; a probe of the wrong width is left out."""
from __future__ import annotations

import numpy as np

from core.embeddings.embedding_set import EmbeddingSet
from core.projections.layout import Layout
from core.projections.placement import neighbour_mean
from core.state.session import Session
from gui.canvas.scene import CloudScene
from gui.controllers.cloud_controller import CloudController
from gui.panels.cloud.probes import with_probes


def test_probes_in_a_layout_without_a_linear_map(qtbot, runner):
    rng = np.random.default_rng(0)
    es = EmbeddingSet([f"w{i}" for i in range(200)], rng.normal(size=(200, 8)).astype(np.float32))
    s = Session()
    controller = CloudController(s, runner)
    s.set_embeddings(es)
    layout = Layout("tsne", (("normalize", True),), np.arange(200), rng.normal(size=(200, 3)).astype(np.float32))
    s.cloud.layout = layout
    calls = []
    s.cloud.events.placed_probes.connect(lambda placed: calls.append(placed))
    v = es.vectors[3] + 0.01
    s.cloud.probes = (("mine", v), ("too short", np.zeros(3, np.float32)))
    assert s.cloud.placed_probes == () and controller.jobs["cloud.probes"].running  # on the runner
    qtbot.waitUntil(lambda: bool(s.cloud.placed_probes), timeout=5000)
    (label, coords), = s.cloud.placed_probes
    assert label == "mine"
    np.testing.assert_allclose(coords, neighbour_mean(es, layout, v[None])[0][0], atol=1e-5)
    scene = CloudScene()
    scene.set_points(layout.rows, layout.coords)
    labels = []
    pos, col, size = with_probes(s.cloud.placed_probes, scene, np.zeros((0, 3), np.float32),
                                 np.zeros((0, 4), np.float32), np.zeros(0, np.float32), labels)
    assert pos.shape == (1, 3) and labels[0].text == "mine" and size[0] > 10
    s.cloud.probes = ()
    assert s.cloud.placed_probes == () and len(calls) == 2


def test_probes_in_a_linear_layout_are_placed_at_once(runner, glove_small):
    s = Session()
    controller = CloudController(s, runner)  # noqa: F841 (kept alive for the test)
    s.set_embeddings(glove_small)
    rows = np.arange(300)
    mean, comps = np.zeros(glove_small.dim, np.float32), np.eye(3, glove_small.dim, dtype=np.float32)
    unit = glove_small.vectors[rows] / np.linalg.norm(glove_small.vectors[rows], axis=1, keepdims=True)
    s.cloud.layout = Layout("pca", (), rows, (unit @ comps.T).astype(np.float32), linear=(mean, comps))
    s.cloud.probes = (("x", glove_small.vectors[5]),)
    (label, coords), = s.cloud.placed_probes  # no thread hop
    assert label == "x" and coords.shape == (3,)
