"""Shared fixtures. Tests never touch the user's real config or cache folders:
both point at a temporary folder for the whole run. Built models are read from
the real data folder (the test command builds them when missing)."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# The run's config and cache (GloVe converted into it: about 330 MB) go when the run ends: left behind,
# every run of the suite kept its copy, and the shared disk filled up.
_TMP = tempfile.mkdtemp(prefix="ee-tests-")
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
os.environ["EMBEDDING_EXPLORER_CONFIG"] = os.path.join(_TMP, "config")
os.environ.setdefault("EMBEDDING_EXPLORER_CACHE", os.path.join(_TMP, "cache"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["EMBEDDING_EXPLORER_TESTING"] = "1"

import pytest

from core.embeddings.default_set import load_default
from core.embeddings.embedding_set import EmbeddingSet
from core.progress import run_sync


@pytest.fixture(scope="session")
def glove() -> EmbeddingSet:
    """The bundled GloVe 6B 50d, 400,000 words (converted once into the test cache)."""
    return run_sync(load_default())


@pytest.fixture(scope="session")
def glove_small(glove) -> EmbeddingSet:
    """The 20,000 most frequent GloVe words, in memory (fast GUI tests)."""
    return glove.subset(range(20000), name="GloVe 20k")


MAPPED_POINTS, MAPPED_LEVELS = 1500, (12, 40, 120)  # the granularities of the bundled set's map


@pytest.fixture(scope="session")
def mapped_set(glove, tmp_path_factory) -> EmbeddingSet:
    """The 3,000 most frequent GloVe words stored as the app stores a set (a memory map), with a
    first map of its 1,500 most frequent words at 12, 40 and 120 clusters in its folder (computed
    once: one small UMAP). Tests that damage a map work on a copy of the folder."""
    import numpy as np

    from core.embeddings import store
    from core.projections import first_map

    folder = tmp_path_factory.mktemp("mapped") / "glove-3k"
    store.save(glove.words[:3000], np.asarray(glove.vectors[:3000]), folder, name="GloVe 3k", source="tests")
    es = store.open_set(folder)
    first_map.save(run_sync(first_map.compute(es, MAPPED_POINTS, MAPPED_LEVELS)), es, folder)
    return es


_TINY_BUILT: dict[tuple, str] = {}


@pytest.fixture(scope="session")
def tiny_decoder():
    """``tiny_decoder(layout="past", positions=64, logits_name="logits")``: the folder of a tiny GPT-2-style
    decoder with random weights in Optimum's ONNX layout (models/build_tiny_decoder.py; needs torch).
    Built once per content of the build script, in the temp folder, and reused across runs."""
    import hashlib
    import shutil
    from pathlib import Path

    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from models import build_tiny_decoder

    script = hashlib.sha256(Path(build_tiny_decoder.__file__).read_bytes()).hexdigest()[:12]

    def make(layout: str = "past", positions: int = 64, logits_name: str = "logits") -> str:
        key = (layout, positions, logits_name)
        if key not in _TINY_BUILT:
            folder = Path(tempfile.gettempdir()) / "ee-tiny-decoders" / f"{script}-{layout}-{positions}-{logits_name}"
            if not (folder / "reference.npz").is_file():
                stage = Path(tempfile.mkdtemp(prefix="tiny-", dir=folder.parent if folder.parent.exists() else None))
                build_tiny_decoder.build(stage, layout=layout, positions=positions, logits_name=logits_name)
                folder.parent.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(folder, ignore_errors=True)
                shutil.move(str(stage), str(folder))
            _TINY_BUILT[key] = str(folder)
        return _TINY_BUILT[key]

    return make
