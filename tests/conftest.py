"""Shared fixtures. Tests never touch the user's real config or cache folders:
both point at a temporary folder for the whole run. Built models are read from
the real data folder (the test command builds them when missing)."""
from __future__ import annotations

import os
import tempfile

_TMP = tempfile.mkdtemp(prefix="ee-tests-")
os.environ["EMBEDDING_EXPLORER_CONFIG"] = os.path.join(_TMP, "config")
os.environ.setdefault("EMBEDDING_EXPLORER_CACHE", os.path.join(_TMP, "cache"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["EMBEDDING_EXPLORER_TESTING"] = "1"

import pytest  # noqa: E402

from core.embeddings.default_set import load_default  # noqa: E402
from core.embeddings.embedding_set import EmbeddingSet  # noqa: E402
from core.progress import run_sync  # noqa: E402


@pytest.fixture(scope="session")
def glove() -> EmbeddingSet:
    """The bundled GloVe 6B 50d, 400,000 words (converted once into the test cache)."""
    return run_sync(load_default())


@pytest.fixture(scope="session")
def glove_small(glove) -> EmbeddingSet:
    """The 20,000 most frequent GloVe words, in memory (fast GUI tests)."""
    return glove.subset(range(20000), name="GloVe 20k")
