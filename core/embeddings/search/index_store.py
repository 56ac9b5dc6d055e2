"""Stored HNSW indexes: built once per set, kept in the cache folder, reused on the next open.

    opened = run_sync(open_index(es))        # Opened(index or None, notice)
    index = run_sync(build_index(es))        # build, tune ef, measure recall, store

Layout: ``cache_dir()/indexes/<set name>-<id>/`` beside the converted sets in ``cache_dir()/sets``,
with ``hnsw.faiss`` and ``manifest.json``. The folder is named after the set's name and
source (which set); the manifest holds the fingerprint of its contents (which version of it),
the build settings, the measured recall and the file's size and sha256. An index is used only
when all of them match: a set that changed, an index copied from another set, a damaged or
truncated file are each reported in a notice and the caller rebuilds.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ...io import atomic_folder, sha256_file
from ...paths import cache_dir
from ...progress import Job, Progress, scaled
from ..embedding_set import EmbeddingSet
from . import hnsw, recall

FORMAT = 1
FILE = "hnsw.faiss"
MANIFEST = "manifest.json"
MMAP_BYTES = 1 << 30  # larger index files are mapped, not read: their vectors stay on disk until used
TUNING_QUERIES = 500
TUNING_MARGIN = 0.01  # ef is chosen for target + margin on the tuning words, so the reported words reach target


def set_fingerprint(es: EmbeddingSet) -> str:
    """What the set holds (:meth:`EmbeddingSet.fingerprint`): the manifest's check of which version of the set."""
    return es.fingerprint()


def index_folder(es: EmbeddingSet) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", es.name).strip("-").lower()[:40] or "set"
    ident = hashlib.sha1(f"{es.name}|{es.source}".encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return cache_dir() / "indexes" / f"{slug}-{ident}"


@dataclass(frozen=True)
class IndexInfo:
    fingerprint: str
    count: int
    dim: int
    m: int
    ef_construction: int
    ef: int
    recall: float  # recall@10 against exact search, measured at `ef`
    recall_queries: int
    query_ms: float  # mean time of one query while recall was measured
    build_seconds: float
    size: int
    sha256: str
    faiss_version: str
    metric: str = "cos"
    format: int = FORMAT

    @classmethod
    def from_json(cls, data: dict) -> IndexInfo:
        names = {f.name for f in fields(cls)}
        missing = names - set(data) - {"metric", "format"}
        if missing:
            raise ValueError(f"the manifest lacks {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Opened:
    """What :func:`open_index` found: a usable index, nothing, or an index that must be rebuilt (notice)."""

    index: hnsw.HnswIndex | None
    info: IndexInfo | None = None
    notice: str = ""

    @property
    def needs_rebuild(self) -> bool:
        return self.index is None and bool(self.notice)


def read_info(folder: Path) -> IndexInfo | None:
    try:
        return IndexInfo.from_json(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def open_index(es: EmbeddingSet) -> Job[Opened]:
    """The set's stored index, checked against the set and its manifest, its vectors mapped from the file."""
    folder = index_folder(es)
    path = folder / FILE
    if not (folder / MANIFEST).exists() and not path.exists():
        return Opened(None)
    where = f"the HNSW index in {folder}"
    info = read_info(folder)
    if info is None or info.format != FORMAT:
        return Opened(None, None, f"{where} has no readable manifest; it will be rebuilt")
    yield Progress(0.05, "checking the stored HNSW index")
    if info.fingerprint != set_fingerprint(es) or info.count != len(es) or info.dim != es.dim:
        return Opened(None, info, f"{where} was built for another set (or before this one changed); "
                                  "it will be rebuilt")
    if not path.exists() or path.stat().st_size != info.size:
        return Opened(None, info, f"{where} is damaged (missing or truncated file); it will be rebuilt")
    if sha256_file(path) != info.sha256:
        return Opened(None, info, f"{where} is damaged (its checksum does not match); it will be rebuilt")
    yield Progress(0.7, "opening the stored HNSW index")
    try:
        index = _read(path)
    except RuntimeError as e:
        return Opened(None, info, f"{where} cannot be read ({str(e).splitlines()[0][:120]}); it will be rebuilt")
    if index.ntotal != len(es) or index.d != es.dim:
        return Opened(None, info, f"{where} holds {index.ntotal:,} x {index.d} vectors, not this set's "
                                  f"{len(es):,} x {es.dim}; it will be rebuilt")
    yield Progress(1.0, "HNSW index ready")
    return Opened(hnsw.HnswIndex(index, count=len(es), ef=info.ef, recall=info.recall, m=info.m, info=info), info)


def _read(path: Path):
    """Read an index file into memory; one over MMAP_BYTES is mapped from the file instead (bounded
    memory for large sets; a mapped file must not be changed in place while it is used)."""
    faiss = hnsw.faiss_module()
    big = path.stat().st_size > MMAP_BYTES
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if big else 0)


def tune_ef(index: hnsw.HnswIndex, truth: recall.Truth, target: float) -> Job[int]:
    """The smallest search breadth that reaches the target recall@10 on the tuning words."""
    for i, ef in enumerate(hnsw.EF_CHOICES):
        index.ef = ef
        found = index.search(truth.queries, recall.K + 1).rows
        yield Progress((i + 1) / len(hnsw.EF_CHOICES), f"choosing the search breadth (ef {ef})")
        if recall.recall_of(found, truth) >= target:
            return ef
    return hnsw.EF_CHOICES[-1]


def build_index(es: EmbeddingSet, *, m: int = hnsw.M, ef_construction: int = hnsw.EF_CONSTRUCTION,
                target: float = hnsw.TARGET_RECALL, queries: int = recall.QUERIES) -> Job[hnsw.HnswIndex]:
    """Build the set's HNSW index, choose ef for the target recall, measure recall@10 against exact
    search on ``queries`` sampled words, and store it (replacing any older one)."""
    t0 = time.perf_counter()
    faiss = hnsw.faiss_module()
    raw = yield from scaled(hnsw.build(es, m=m, ef_construction=ef_construction), 0.0, 0.7, "building: ")
    built = time.perf_counter() - t0
    index = hnsw.HnswIndex(raw, count=len(es), ef=hnsw.EF_CHOICES[0], m=m)
    tuning = yield from scaled(recall.exact_truth(es, recall.sample_rows(len(es), TUNING_QUERIES, seed=1)),
                               0.7, 0.76, "tuning: ")
    index.ef = yield from scaled(tune_ef(index, tuning, min(target + TUNING_MARGIN, 1.0)), 0.76, 0.82)
    truth = yield from scaled(recall.exact_truth(es, recall.sample_rows(len(es), queries, seed=0)), 0.82, 0.9,
                              "recall: ")
    measured = yield from scaled(recall.measure(index, truth), 0.9, 0.96, "recall: ")
    index.recall = measured.recall
    yield Progress(0.97, "saving the HNSW index")
    folder = index_folder(es)
    with atomic_folder(folder) as tmp:
        faiss.write_index(raw, str(tmp / FILE))
        size, digest = (tmp / FILE).stat().st_size, sha256_file(tmp / FILE)
        info = IndexInfo(set_fingerprint(es), len(es), es.dim, m, ef_construction, index.ef, round(measured.recall, 4),
                         measured.queries, round(1000 * measured.seconds / max(measured.queries, 1), 4),
                         round(built, 2), size, digest, faiss.__version__)
        (tmp / MANIFEST).write_text(json.dumps(asdict(info), indent=1), encoding="utf-8")
    del raw, index  # the stored copy is used from here on: its vectors mapped from the file, not held twice
    stored = _read(folder / FILE)
    yield Progress(1.0, f"HNSW index ready: recall@10 {measured.recall:.3f}")
    return hnsw.HnswIndex(stored, count=len(es), ef=info.ef, recall=info.recall, m=m, info=info)
