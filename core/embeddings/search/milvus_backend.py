"""Searching a Milvus collection.

Two ways to use one:

* **as a backend of the open set** (:func:`attach`): the collection was exported from this set
  (its ``explorer.fingerprint`` property matches), so its primary keys are the set's rows;
  queries go to Milvus and the rows it proposes are scored here exactly;
* **as a set of its own** (:func:`open_collection`): any collection with a float vector field
  and a text field for the words. The vectors stay in Milvus; a sample is fetched for the 3D
  cloud (and says how many of how many); neighbour queries run in Milvus, and a word outside
  the sample is looked up there.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...progress import Job, Progress
from ..embedding_set import EmbeddingSet
from .base import METRIC_LABELS, Hits, SearchBackend
from .milvus_connect import MilvusError, MilvusTarget, connect, explain, milvus_exception, waiting

METRIC_OF = {"COSINE": "cos", "IP": "dot", "L2": "euclid"}
FINGERPRINT = "explorer.fingerprint"
SAMPLE = 10000
_FETCH = 2000


@dataclass(frozen=True)
class Fields:
    """Which fields of a collection hold what."""

    primary: str
    vector: str
    label: str
    dim: int
    primary_is_int: bool


def describe(client: Any, collection: str, vector_field: str = "", label_field: str = "") -> tuple[Fields, dict]:
    """The collection's fields, checked: MilvusError names what is missing and what there is."""
    if not client.has_collection(collection):
        names = ", ".join(sorted(client.list_collections())) or "none"
        raise MilvusError(f"there is no collection {collection!r} (collections there: {names})")
    desc = client.describe_collection(collection)
    fields = desc.get("fields", [])
    kinds = {f["name"]: getattr(f["type"], "name", str(f["type"])) for f in fields}
    vectors = [n for n, t in kinds.items() if t == "FLOAT_VECTOR"]
    texts = [n for n, t in kinds.items() if t == "VARCHAR"]
    primary = next((f["name"] for f in fields if f.get("is_primary")), "")
    vector_field = vector_field or (vectors[0] if len(vectors) == 1 else "")
    if vector_field not in kinds:
        raise MilvusError(f"collection {collection!r} has no vector field {vector_field!r}; "
                          f"its float vector fields: {', '.join(vectors) or 'none'}")
    if kinds[vector_field] != "FLOAT_VECTOR":
        raise MilvusError(f"field {vector_field!r} of collection {collection!r} is {kinds[vector_field]}, "
                          f"not a float vector; its float vector fields: {', '.join(vectors) or 'none'}")
    label_field = label_field or ("word" if "word" in texts else (texts[0] if texts else ""))
    if kinds.get(label_field) != "VARCHAR":
        raise MilvusError(f"collection {collection!r} has no text field {label_field!r} for the words; "
                          f"its text fields: {', '.join(texts) or 'none'}")
    dim = int(next(f for f in fields if f["name"] == vector_field)["params"]["dim"])
    return Fields(primary, vector_field, label_field, dim, kinds.get(primary) == "INT64"), desc


class MilvusBackend(SearchBackend):
    """Neighbour queries answered by a Milvus collection."""

    name = "milvus"

    def __init__(self, client: Any, target: MilvusTarget, collection: str, fields: Fields, *, metric: str,
                 count: int, recall: float | None = None, row_of: dict[int, int] | None = None) -> None:
        self.client, self.target, self.collection, self.fields = client, target, collection, fields
        self.metric = metric  # the metric of the collection's index: cos | dot | euclid
        self.count = count
        self.recall = recall
        self.row_of = row_of  # None: primary keys are the open set's rows; else primary key -> sample row
        self.remote = row_of is not None

    @property
    def label(self) -> str:  # type: ignore[override]
        where = "Milvus Lite" if self.target.is_lite else f"Milvus {self.target.resolved}"
        return f"{where}: {self.collection}"

    def unsupported(self, metric: str, restrict: int | None) -> str | None:
        if metric != self.metric:
            return f"the collection {self.collection!r} is indexed for {METRIC_LABELS[self.metric]} only"
        if restrict is not None and restrict < self.count and not (self.fields.primary_is_int and not self.remote):
            return "a restricted search needs the open set's rows as the collection's keys"
        return None

    def search(self, queries: np.ndarray, k: int, *, metric: str = "cos", restrict: int | None = None) -> Hits:
        MilvusException = milvus_exception()

        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if q.shape[1] != self.fields.dim:
            raise MilvusError(f"the collection {self.collection!r} holds {self.fields.dim}-dimensional vectors; "
                              f"the query has {q.shape[1]}")
        flt = f"{self.fields.primary} < {int(restrict)}" if restrict is not None and restrict < self.count else ""
        try:
            res = self.client.search(self.collection, data=q.tolist(), limit=int(min(k, 16384)), filter=flt,
                                     anns_field=self.fields.vector,
                                     output_fields=[self.fields.label] if self.remote else None)
        except MilvusException as e:
            raise explain(e, self.target) from None
        rows, scores, labels = [], [], []
        for hits in res:
            ids = [h["id"] for h in hits]
            dist = np.array([h["distance"] for h in hits], dtype=np.float32)
            if self.metric == "euclid":
                dist = np.sqrt(np.maximum(dist, 0.0))  # Milvus reports squared L2
            if self.row_of is None:
                rows.append(np.asarray(ids, dtype=np.int64))
            else:
                rows.append(np.array([self.row_of.get(i, -1) for i in ids], dtype=np.int64))
                labels.append([str(h["entity"].get(self.fields.label, "")) for h in hits])
            scores.append(dist)
        return Hits(rows, scores, labels if self.remote else None)

    def find(self, word: str) -> tuple[str, np.ndarray] | None:
        """A word of the collection (exact spelling, else lower case) and its vector."""
        MilvusException = milvus_exception()

        for w in dict.fromkeys((word, word.lower())):
            try:
                found = self.client.query(self.collection, filter=f"{self.fields.label} == {json.dumps(w)}",
                                          output_fields=[self.fields.label, self.fields.vector], limit=1)
            except MilvusException as e:
                raise explain(e, self.target) from None
            if found:
                return str(found[0][self.fields.label]), np.asarray(found[0][self.fields.vector], dtype=np.float32)
        return None

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a dead connection is fine
            pass


def index_metric(client: Any, collection: str, vector_field: str) -> str:
    """Our metric for the collection's vector index; MilvusError when it has none."""
    try:
        info = client.describe_index(collection, vector_field)
    except Exception:  # noqa: BLE001 - no index is an error of its own below
        info = None
    metric = METRIC_OF.get(str((info or {}).get("metric_type", "")).upper())
    if metric is None:
        raise MilvusError(f"the vector field {vector_field!r} of {collection!r} has no index with a COSINE, IP or L2 "
                          "metric; Milvus needs one to search")
    return metric


def count(client: Any, collection: str) -> int:
    res = client.query(collection, filter="", output_fields=["count(*)"], consistency_level="Strong")
    return int(res[0]["count(*)"]) if res else 0


def attach(es: EmbeddingSet, target: MilvusTarget, collection: str, fingerprint: str) -> Job[MilvusBackend]:
    """The collection this set was exported to, as a search backend for it."""
    MilvusException = milvus_exception()

    client = yield from connect(target)
    try:
        fields, desc = yield from waiting(lambda: describe(client, collection), f"reading {collection}")
        props = desc.get("properties", {}) or {}
        if props.get(FINGERPRINT) != fingerprint:
            held = props.get("explorer.set", "another set")
            raise MilvusError(f"the collection {collection!r} holds {held}, not the open set {es.name!r}; "
                              "export this set to it first (File ▸ Export to Milvus…)")
        if fields.dim != es.dim:
            raise MilvusError(f"the collection {collection!r} holds {fields.dim}-dimensional vectors; "
                              f"the open set has {es.dim}")
        if props.get("explorer.complete") != "1":
            raise MilvusError(f"the export of {es.name!r} into {collection!r} did not finish; run it again to "
                              "complete it (it resumes where it stopped)")
        yield from waiting(lambda: client.load_collection(collection), f"loading {collection} in Milvus")
        metric = index_metric(client, collection, fields.vector)
        recall = float(props["explorer.recall"]) if props.get("explorer.recall") else None
    except MilvusException as e:
        raise explain(e, target) from None
    return MilvusBackend(client, target, collection, fields, metric=metric, count=len(es), recall=recall)


@dataclass
class OpenedCollection:
    sample: EmbeddingSet
    backend: MilvusBackend
    total: int


def open_collection(target: MilvusTarget, collection: str, vector_field: str = "", label_field: str = "",
                    sample: int = SAMPLE) -> Job[OpenedCollection]:
    """A collection as a set of its own: fields checked, loaded in Milvus, a sample of it fetched."""
    MilvusException = milvus_exception()

    client = yield from connect(target)
    try:
        fields, desc = yield from waiting(lambda: describe(client, collection, vector_field, label_field),
                                          f"reading {collection}")
        yield from waiting(lambda: client.load_collection(collection), f"loading {collection} in Milvus")
        metric = index_metric(client, collection, fields.vector)
        total = yield from waiting(lambda: count(client, collection), f"counting {collection}")
        want = min(sample, total)
        it = client.query_iterator(collection, batch_size=_FETCH, limit=want,
                                   output_fields=[fields.primary, fields.label, fields.vector])
        keys: list = []
        words: list[str] = []
        vectors = np.empty((want, fields.dim), dtype=np.float32)
        try:
            while len(keys) < want:
                batch = yield from waiting(it.next, f"fetching a sample of {collection}",
                                           fraction=len(keys) / max(want, 1))
                if not batch:
                    break
                for row in batch[: want - len(keys)]:
                    vectors[len(keys)] = row[fields.vector]
                    keys.append(row[fields.primary])
                    words.append(str(row[fields.label]))
        finally:
            it.close()
    except MilvusException as e:
        raise explain(e, target) from None
    order = sorted(range(len(keys)), key=lambda i: keys[i])  # exported sets: key order is frequency order
    keys, words = [keys[i] for i in order], [words[i] for i in order]
    es = EmbeddingSet(
        words,
        vectors[np.asarray(order, dtype=np.int64)] if order else vectors[:0],
        name=f"{collection} (Milvus: {len(keys):,} of {total:,})",
        source=f"{target.shown} / {collection}",
        sample_of=total,
    )
    props = desc.get("properties", {}) or {}
    recall = float(props["explorer.recall"]) if props.get("explorer.recall") else None
    backend = MilvusBackend(
        client,
        target,
        collection,
        fields,
        metric=metric,
        count=total,
        recall=recall,
        row_of={k: i for i, k in enumerate(keys)},
    )
    yield Progress(1.0, f"opened {collection}: a sample of {len(keys):,} of {total:,}")
    return OpenedCollection(es, backend, total)
