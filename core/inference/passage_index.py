"""Sentence vectors of a corpus (all-MiniLM-L6-v2), cached on disk by the file's sha256, and exact
cosine search over them.

    index = run_sync(index_job(open_source("")))        # encoded once; later opened from the cache
    hits = find(index, encoder, "bush fires threaten homes near Sydney", k=5)
    index.embedding_set()                               # the passages as points for the cloud

The corpus is streamed twice and never held whole: first its passages are written to
``passages.txt`` (one a line, with their byte offsets), then they are read back in chunks of
CHUNK, sorted by length inside a chunk (little padding), encoded in batches and written into a
memory-mapped ``vectors.npy``. The folder appears in the cache only when complete (cancel leaves
nothing). Memory stays bounded by the chunk, whatever the corpus's size.
"""
from __future__ import annotations

import hashlib
import json
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.passages import PassageSource, read_passages
from ..errors import FileFormatError, InputError
from ..io import atomic_folder, sha256_job
from ..paths import cache_dir
from ..progress import Job, Progress, scaled

FORMAT_VERSION = 1
CHUNK = 2048  # passages encoded per chunk (sorted by length inside it)
CLOUD_MAX = 50_000  # passages shown in the cloud (the first ones)
HASH_BLOCK = 8 << 20
SEARCH_BLOCK = 1 << 16  # rows scored at a time: the scores of a huge index never sit in memory at once


@dataclass(frozen=True, eq=False)
class PassageIndex:
    folder: Path
    source: PassageSource
    vectors: np.ndarray  # (n, width) float32 unit rows, memory-mapped
    offsets: np.ndarray  # (n + 1,) int64 byte offsets of each passage in passages.txt
    text_bytes: np.ndarray  # passages.txt, memory-mapped (uint8)
    model: str
    encode_seconds: float  # how long encoding took when the index was built
    from_cache: bool

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def text(self, i: int) -> str:
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return bytes(self.text_bytes[a: b - 1]).decode("utf-8")

    def label(self, i: int, words: int = 6) -> str:
        """The first words of a passage (what the cloud shows)."""
        parts = self.text(i).split()
        return " ".join(parts[:words]) + ("…" if len(parts) > words else "")

    def embedding_set(self, limit: int = CLOUD_MAX) -> EmbeddingSet:
        """The first ``limit`` passages as an embedding set: labels are their first words (made distinct),
        metadata holds the whole passage."""
        n = min(len(self), limit)
        words, seen, texts = [], set(), []
        for i in range(n):
            w = self.label(i)
            if w in seen:
                w = f"{w} #{i + 1}"
            seen.add(w)
            words.append(w)
            texts.append(self.text(i)[:300])
        return EmbeddingSet(words, self.vectors[:n], name=f"passages of {self.source.name}",
                            source=str(self.folder), metadata={"passage": texts}, norms=np.ones(n, np.float32))


@dataclass(frozen=True)
class Hit:
    row: int
    score: float  # cosine similarity
    text: str


@dataclass(frozen=True, eq=False)
class Hits:
    query: str
    hits: tuple[Hit, ...]
    seconds: float  # the search itself (not encoding the query)


def search(vectors: np.ndarray, query: np.ndarray, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine search of unit rows ``vectors`` (n, d) for a unit ``query`` (d,): the ``k`` best
    rows and their scores, best first (ties by row). A plain function: an approximate index can
    take its place."""
    n = len(vectors)
    k = max(0, min(int(k), n))
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    q = np.asarray(query, np.float32)
    best_rows, best_scores = [], []
    for lo in range(0, n, SEARCH_BLOCK):
        s = np.asarray(vectors[lo: lo + SEARCH_BLOCK]) @ q
        top = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
        best_rows.append(top + lo)
        best_scores.append(s[top])
    rows, scores = np.concatenate(best_rows), np.concatenate(best_scores)
    order = np.lexsort((rows, -scores))[:k]
    return rows[order], scores[order]


def find(index: PassageIndex, encoder, query: str, k: int = 5) -> Hits:
    """The ``k`` passages nearest to ``query`` by cosine (InputError for an empty query)."""
    if not query.strip():
        raise InputError("type a query to search the passages")
    q = encoder.embed([query])[0]
    t0 = time.perf_counter()
    rows, scores = search(index.vectors, q, k)
    seconds = time.perf_counter() - t0
    return Hits(query, tuple(Hit(int(r), float(s), index.text(int(r))) for r, s in zip(rows, scores)), seconds)


# -- building --------------------------------------------------------------------------------------
def cache_folder(source: PassageSource, sha: str, model_key: str) -> Path:
    key = hashlib.sha256(f"{sha}|{source.key}|{model_key}|{FORMAT_VERSION}".encode()).hexdigest()[:20]
    stem = "".join(c if c.isalnum() or c in "-." else "-" for c in Path(source.path).stem)[:40]
    return cache_dir() / "passages" / f"{stem}-{key}"


def open_index(folder: Path, source: PassageSource, *, from_cache: bool = True) -> PassageIndex | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            return None
        vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
        offsets = np.memmap(folder / "offsets.bin", np.int64, "r")
        text = np.memmap(folder / "passages.txt", np.uint8, "r")
    except (OSError, ValueError, KeyError):
        return None
    if len(offsets) != len(vectors) + 1 or offsets[-1] != len(text):
        return None
    return PassageIndex(folder, source, vectors, offsets, text, meta["model"], float(meta["encode_seconds"]),
                        from_cache)


def _write_passages(source: PassageSource, tmp: Path) -> Job[int]:
    """passages.txt (one a line) and offsets.bin; the number of passages."""
    n, at = 0, 0
    offsets = array("q", [0])
    with open(tmp / "passages.txt", "wb") as out, open(tmp / "offsets.bin", "wb") as off:
        for text, done in read_passages(source):
            data = text.encode("utf-8") + b"\n"
            out.write(data)
            at += len(data)
            offsets.append(at)
            n += 1
            if len(offsets) >= 65536:
                offsets.tofile(off)
                offsets = array("q")
                yield Progress(0.05 + 0.1 * done, f"splitting into passages: {n:,} so far")
        offsets.tofile(off)
    return n


def _encode(encoder, tmp: Path, vectors: np.ndarray, n: int, batch_size: int) -> Job[None]:
    t0, row = time.perf_counter(), 0
    with open(tmp / "passages.txt", "rb") as f:
        while row < n:
            texts = [f.readline().decode("utf-8").rstrip("\n") for _ in range(min(CHUNK, n - row))]
            ids = encoder.tokenizer.encode_batch_ids(texts)  # tokenizer.json cuts them at 256, [SEP] kept
            order = sorted(range(len(ids)), key=lambda j: len(ids[j]))
            for b in range(0, len(order), batch_size):
                sel = order[b: b + batch_size]
                out, _ = encoder.run_batch([ids[j] for j in sel], ("sentence_embedding",))
                vectors[row + np.asarray(sel)] = out["sentence_embedding"]
                done = row + min(b + batch_size, len(order))
                rate = done / max(time.perf_counter() - t0, 1e-9)
                yield Progress(0.15 + 0.85 * done / n, f"encoded {done:,} of {n:,} passages ({rate:.0f}/s)")
            row += len(texts)


def index_job(source: PassageSource, encoder=None, *, batch_size: int = 32) -> Job[PassageIndex]:
    """The passages of ``source`` encoded (or opened from the cache when the file is unchanged)."""
    from . import registry

    sha = yield from scaled(sha256_job(source.path, HASH_BLOCK), 0.0, 0.05)
    if encoder is None:
        yield Progress(0.05, "opening all-MiniLM-L6-v2")
        encoder = registry.open(registry.ENCODER)
    model_key = encoder.manifest.get("files", {}).get("model", {}).get("sha256", encoder.name)
    folder = cache_folder(source, sha, model_key)
    index = open_index(folder, source)
    if index is not None:
        return index
    with atomic_folder(folder) as tmp:
        n = yield from _write_passages(source, tmp)
        if n == 0:
            raise FileFormatError(source.path, "no passages in the file (only blank lines or empty cells)",
                                  expected="text: one passage per line, a CSV/TSV column, or prose")
        vectors = np.lib.format.open_memmap(tmp / "vectors.npy", "w+", np.float32, (n, encoder.width))
        t0 = time.perf_counter()
        yield from _encode(encoder, tmp, vectors, n, batch_size)
        vectors.flush()
        del vectors
        meta = {"format_version": FORMAT_VERSION, "count": n, "model": encoder.display_name, "source": source.path,
                "split": source.key, "sha256": sha, "encode_seconds": time.perf_counter() - t0}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    index = open_index(folder, source, from_cache=False)
    if index is None:
        raise FileFormatError(folder, "the encoded passages could not be read back")
    return index
