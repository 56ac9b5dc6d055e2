"""Export the open set into a Milvus collection: batched, with progress and cancel, resumable.

    result = run_sync(export(es, MilvusTarget(), "glove_6b_50d"))

The collection has one entity per word: ``id`` (INT64 primary key = the word's row, so its
frequency rank - 1), ``word``, ``vector`` (FLOAT_VECTOR), ``norm``, and one text column per
metadata column of the set; an HNSW index with the COSINE metric. Its properties say which
set it holds (``explorer.fingerprint``), whether the export finished and the recall@10 of
Milvus's index against exact search on 1,000 sampled words.

Resuming: primary keys are the rows, so an interrupted export (cancelled, crashed, a lost
connection) is completed by running it again: the keys already in the collection are read
back and only the missing rows are inserted. No row is ever sent twice, so there are no
duplicates, and a collection that holds another set is refused instead of mixed.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np

from ...progress import Job, Progress, scaled
from ..embedding_set import EmbeddingSet
from . import recall
from .index_store import index_folder
from .milvus_backend import FINGERPRINT, MilvusBackend, count, describe, index_metric
from .milvus_connect import MilvusError, MilvusTarget, connect, explain, milvus_exception, remember_export, waiting

BATCH = 5000
HNSW_PARAMS = {"M": 16, "efConstruction": 64}
MAX_WORD = 1024
_writers: dict[tuple[str, str], threading.Lock] = {}  # one writer per collection in this process
_writers_lock = threading.Lock()


def _writer(target: MilvusTarget, collection: str) -> threading.Lock:
    with _writers_lock:
        return _writers.setdefault((target.resolved, collection), threading.Lock())


def _locked(lock: threading.Lock, fn, *args):
    """Run a write while holding the collection's lock: a batch still in flight after a cancel
    finishes before a resumed export reads back which rows are there."""
    with lock:
        return fn(*args)


def collection_name(es: EmbeddingSet) -> str:
    """A valid Milvus collection name from the set's name (letters, digits, underscores; a letter first)."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", es.name).strip("_").lower()
    return (name if name[:1].isalpha() else f"set_{name}")[:200] or "embeddings"


@dataclass(frozen=True)
class ExportResult:
    target: MilvusTarget
    collection: str
    count: int
    inserted: int  # rows sent in this run (the rest were already there)
    seconds: float
    recall: float | None
    queries_per_second: float | None


def _schema(client: Any, es: EmbeddingSet, fingerprint: str):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False,
                                  description=f"{es.name}: {len(es):,} words x {es.dim} (Embedding Explorer)")
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("word", DataType.VARCHAR, max_length=MAX_WORD)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=es.dim)
    schema.add_field("norm", DataType.FLOAT)
    for col in _meta_columns(es):
        schema.add_field(col, DataType.VARCHAR, max_length=MAX_WORD)
    return schema


def _meta_columns(es: EmbeddingSet) -> dict[str, str]:
    """Field name -> metadata column (names made valid, never clashing with ours)."""
    out: dict[str, str] = {}
    for col in es.metadata:
        name = "meta_" + re.sub(r"[^A-Za-z0-9_]+", "_", col).strip("_").lower()
        if name not in out and name != "meta_":
            out[name] = col
    return out


def _prepare(client: Any, es: EmbeddingSet, collection: str, fingerprint: str) -> None:
    """Create the collection, or check that the existing one holds this set."""
    if client.has_collection(collection):
        fields, desc = describe(client, collection, "vector", "word")
        props = desc.get("properties", {}) or {}
        if props.get(FINGERPRINT) != fingerprint:
            held = props.get("explorer.set") or "something else"
            raise MilvusError(f"the collection {collection!r} already holds {held}; choose another name "
                              f"(or drop it in Milvus) to export {es.name!r}")
        if fields.dim != es.dim:
            raise MilvusError(f"the collection {collection!r} holds {fields.dim}-dimensional vectors; the open set "
                              f"has {es.dim}")
        return
    index = client.prepare_index_params()
    # {"params": {...}}: the form both Milvus servers and Milvus Lite read (Lite ignores flattened keys)
    index.add_index(field_name="vector", index_type="HNSW", metric_type="COSINE", params={"params": HNSW_PARAMS})
    client.create_collection(collection, schema=_schema(client, es, fingerprint), index_params=index)
    client.alter_collection_properties(collection, properties={
        FINGERPRINT: fingerprint, "explorer.set": es.name, "explorer.count": str(len(es)), "explorer.complete": "0"})


def _present(client: Any, collection: str, n: int) -> Job[np.ndarray]:
    """Which rows the collection holds already (read back by key, in batches)."""
    have = np.zeros(n, dtype=bool)
    total = count(client, collection)
    if total == 0:
        return have
    it = client.query_iterator(collection, batch_size=16384, output_fields=["id"], consistency_level="Strong")
    seen = 0
    try:
        while True:
            batch = yield from waiting(it.next, "checking what an earlier export wrote",
                                       fraction=min(seen / max(total, 1), 1.0))
            if not batch:
                break
            ids = np.fromiter((r["id"] for r in batch), dtype=np.int64, count=len(batch))
            have[ids[(ids >= 0) & (ids < n)]] = True
            seen += len(batch)
    finally:
        it.close()
    return have


def _rows(es: EmbeddingSet, rows: np.ndarray, meta: dict[str, str]) -> list[dict]:
    vecs = np.asarray(es.vectors[rows], dtype=np.float32)
    norms = np.asarray(es.norms[rows], dtype=np.float32)
    out = []
    for j, r in enumerate(rows.tolist()):
        entity = {"id": r, "word": es.words[r][:MAX_WORD], "vector": vecs[j], "norm": float(norms[j])}
        for name, col in meta.items():
            entity[name] = str(es.metadata[col][r])[:MAX_WORD]
        out.append(entity)
    return out


def export(es: EmbeddingSet, target: MilvusTarget, collection: str | None = None, *, fingerprint: str,
           batch: int = BATCH, measure: bool = True, queries: int = recall.QUERIES) -> Job[ExportResult]:
    """Write the set into the collection (creating it), completing an earlier interrupted export; then
    load it in Milvus (which builds its index), measure recall@10 against exact search and record it."""
    MilvusException = milvus_exception()

    collection = collection or collection_name(es)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", collection):
        raise MilvusError(f"{collection!r} is not a valid collection name (letters, digits and underscores, "
                          "starting with a letter or underscore)")
    t0 = time.perf_counter()
    client = yield from connect(target)
    n = len(es)
    lock = _writer(target, collection)
    try:
        yield from waiting(lambda: _locked(lock, _prepare, client, es, collection, fingerprint),
                           f"preparing {collection}")  # waits for a cancelled run's last batch
        have = yield from scaled(_present(client, collection, n), 0.0, 0.05)
        missing = np.flatnonzero(~have)
        meta = _meta_columns(es)
        for s in range(0, len(missing), batch):
            part = missing[s : s + batch]
            data = _rows(es, part, meta)
            yield from waiting(partial(_locked, lock, client.insert, collection, data), f"writing {collection}",
                               fraction=0.05 + 0.65 * s / max(len(missing), 1))
            yield Progress(0.05 + 0.65 * (s + len(part)) / max(len(missing), 1),
                           f"wrote {n - len(missing) + s + len(part):,} of {n:,} words")
        yield from waiting(lambda: client.flush(collection), "flushing", fraction=0.7)
        yield from waiting(lambda: client.load_collection(collection, timeout=None),
                           "Milvus builds its index (HNSW)", fraction=0.72)
        held = yield from waiting(lambda: count(client, collection), "counting", fraction=0.8)
        if held != n:
            raise MilvusError(f"the collection {collection!r} holds {held:,} entities after the export, not "
                              f"{n:,}; run the export again to repair it")
        fields, _ = describe(client, collection, "vector", "word")
        backend = MilvusBackend(client, target, collection, fields, metric=index_metric(client, collection, "vector"),
                                count=n)
        found_recall = qps = None
        old = (client.describe_collection(collection).get("properties", {}) or {}).get("explorer.recall")
        if old:
            found_recall = float(old)  # measured by an earlier run on the same set
        if measure:
            truth = yield from scaled(recall.exact_truth(es, recall.sample_rows(n, queries)), 0.82, 0.88,
                                      "recall: ")
            m = yield from scaled(recall.measure(backend, truth, batch=True), 0.88, 0.99, "recall: ")
            found_recall, qps = round(m.recall, 4), round(m.qps, 1)
        props = {"explorer.complete": "1"}
        if found_recall is not None:
            props["explorer.recall"] = str(found_recall)
        client.alter_collection_properties(collection, properties=props)
    except MilvusException as e:
        raise explain(e, target) from None
    finally:
        client.close()
    remember_export({"uri": target.resolved, "collection": collection, "fingerprint": fingerprint, "set": es.name,
                     "set_key": index_folder(es).name,
                     "count": n, "dim": es.dim, "recall": found_recall, "complete": True,
                     "exported": datetime.now(UTC).isoformat(timespec="seconds")})
    yield Progress(1.0, f"exported {n:,} words to {collection}")
    return ExportResult(target, collection, n, int(len(missing)), time.perf_counter() - t0, found_recall, qps)
