"""UMAP to 3D with umap-learn, cancellable while it runs.

umap-learn's ``fit`` is one call with no callback, so it runs on a helper
thread while this job yields Progress every 0.1 s. umap reports its epochs
through tqdm; a small file object given as tqdm's output parses "n/total" into
the progress fraction and raises :class:`~core.errors.Cancelled` on its next
write once the job is closed, so a cancelled fit stops within an epoch (the
nearest-neighbour phase before the epochs cannot be interrupted; its result is
dropped). umap-learn exposes no intermediate layouts.

With a fixed ``random_state`` umap runs single-threaded (its own rule); we pass
``n_jobs=1`` so it does not warn about overriding it. The first fit in a
process also compiles umap's numba functions (about 25 s here).
"""
from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import numpy as np

from .embedding_set import EmbeddingSet
from .errors import Cancelled, ExplorerError
from .progress import Job, Progress


class _EpochHook:
    """tqdm's output stream: records "n/total" and stops the fit when cancelled."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.epoch = 0
        self.total = 0

    def write(self, text: str) -> int:
        if self.cancelled.is_set():
            raise Cancelled()
        part = text.strip().split("/")
        if len(part) == 2 and part[0].isdigit() and part[1].isdigit():
            self.epoch, self.total = int(part[0]), int(part[1])
        return len(text)

    def flush(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled()


def umap(es: EmbeddingSet, rows: np.ndarray, p: dict[str, Any]) -> Job:
    from .projection import Layout, unit_rows

    t0 = time.perf_counter()
    yield Progress(0.0, "UMAP: loading umap-learn")
    try:
        with warnings.catch_warnings():  # umap-learn warns on import when TensorFlow is absent
            warnings.filterwarnings("ignore", message="Tensorflow not installed", category=ImportWarning)
            import umap as umap_learn
    except ImportError as exc:  # optional dependency
        raise ExplorerError("UMAP needs umap-learn: pip install umap-learn==0.5.12") from exc
    X = unit_rows(es, rows, p["normalize"])
    n_neighbors = min(int(p["n_neighbors"]), len(X) - 1)
    hook = _EpochHook()
    model = umap_learn.UMAP(n_components=3, n_neighbors=n_neighbors, min_dist=float(p["min_dist"]),
                            metric="euclidean", random_state=int(p["seed"]), n_jobs=1, low_memory=True,
                            tqdm_kwds={"disable": False, "file": hook, "mininterval": 0.1,
                                       "bar_format": "{n}/{total}", "ascii": True})
    box: dict[str, Any] = {}

    def fit() -> None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                box["coords"] = np.asarray(model.fit_transform(X), dtype=np.float32)
            box["warnings"] = sorted({str(w.message) for w in caught})
        except BaseException as exc:  # handed to the job's thread below
            box["error"] = exc

    thread = threading.Thread(target=fit, name="umap-fit", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
            if hook.total:
                frac = 0.3 + 0.7 * hook.epoch / hook.total
                msg = f"UMAP: epoch {hook.epoch} of {hook.total}"
            else:
                frac, msg = 0.05, f"UMAP: neighbour graph of {len(X):,} points ({time.perf_counter() - t0:.0f} s)"
            yield Progress(frac, msg)
    finally:
        hook.cancelled.set()  # stops a fit that is still running if we were closed
    if "error" in box:
        raise box["error"]
    info = {"seconds": time.perf_counter() - t0, "n_neighbors": n_neighbors, "warnings": box.get("warnings", [])}
    model.tqdm_kwds = {"disable": True}  # transform() later must not write to the closed hook
    return Layout("umap", (), rows, box["coords"], ("UMAP 1", "UMAP 2", "UMAP 3"), info, model=model)
