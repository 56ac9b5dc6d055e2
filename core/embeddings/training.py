"""Train word2vec (CBOW or skip-gram, negative sampling) with gensim, one snapshot per epoch.

    settings = TrainingSettings(sg=True, dimensions=50, epochs=10, seed=1)
    run = run_sync(train(settings, open_corpus("lee")))      # a job: Progress per epoch
    run.epochs[0].embeddings      # the random initial vectors (epoch 0)
    run.final                     # an EmbeddingSet like any other (neighbours, cloud, export)
    [e.loss for e in run.epochs[1:]]

gensim's ``Word2Vec`` trains on a helper thread (its ``train`` blocks and starts its own
worker threads); its epoch callback copies the vectors and the loss into a queue, and this
job turns each copy into an :class:`EpochRecord` (an EmbeddingSet, probe neighbours and
scores) while gensim goes on with the next epoch, yielding ``Progress(payload=run so far)``.
Closing the job sets ``corpus.stop``: the current pass over the corpus ends at the next
document and the callback stops gensim at the end of that (short) epoch.

Loss: gensim tallies ``compute_loss`` in one float32 shared by its worker threads and only
resets it when ``train`` starts (``get_latest_training_loss`` is cumulative). The callback
reads it and sets it back to 0 after every epoch, so each figure is that epoch's own sum
and large totals do not lose precision (gensim issue 2735). With more than one worker thread,
workers overwrite each other's additions (gensim issue 2743): the figure is then too low
(about half with two threads) and is marked approximate. One thread gives the exact sum.

Reproducible: gensim seeds each word's initial vector with ``hashfxn(word + str(seed))``; its
default, Python's ``hash``, changes between processes unless PYTHONHASHSEED is set, so
:func:`stable_hash` (CRC-32) is passed instead. With one worker thread, the same settings and
corpus give identical vectors in every process (gensim's documented condition).
"""
from __future__ import annotations

import dataclasses
import queue
import re
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import ExplorerError, FileFormatError, InputError
from ..progress import Job, Progress, scaled
from . import store
from .corpus import Corpus, CorpusInfo, default_probes
from .embedding_set import MADE_IN_APP, EmbeddingSet
from .exporters import write_word2vec_text
from .probes import Neighbours, ProbeScores, ProbeSet, probe_neighbours

MIN_WORDS = 10  # a vocabulary smaller than this teaches nothing (and cannot be projected)
SNAPSHOT_BUDGET = 512 << 20  # bytes of per-epoch vectors kept for the replay
PROBE_K = 5
PROGRESS_S = 0.25  # between progress reports within an epoch (a cancel is seen at the next one)
LIMITS = {"dimensions": (1, 1000), "window": (1, 50), "negative": (1, 50), "min_count": (1, 100_000),
          "epochs": (1, 500), "seed": (0, 2**31 - 1), "workers": (1, 64)}
WHY = {"negative": " (negative sampling needs at least one noise word per example)"}


def stable_hash(text: str) -> int:
    """gensim's ``hashfxn``: the same number in every process (CRC-32 of the UTF-8 bytes)."""
    return zlib.crc32(text.encode("utf-8"))


@dataclass(frozen=True)
class TrainingSettings:
    sg: bool = True  # skip-gram (predict the context from the word); False: CBOW (the word from its context)
    dimensions: int = 50
    window: int = 5
    negative: int = 5
    min_count: int = 5
    epochs: int = 10
    seed: int = 1
    workers: int = 1

    @property
    def architecture(self) -> str:
        return "skip-gram" if self.sg else "CBOW"

    def check(self) -> TrainingSettings:
        """Raise InputError naming the first setting out of range."""
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
                label = name.replace("_", " ")
                raise InputError(f"{label} must be a whole number from {lo} to {hi}{WHY.get(name, '')}, got {value!r}")
        return self

    def gensim_kwargs(self) -> dict[str, Any]:
        """The Word2Vec arguments these settings mean (the rest are gensim's defaults)."""
        return {"vector_size": self.dimensions, "window": self.window, "negative": self.negative, "hs": 0,
                "sg": int(self.sg), "min_count": self.min_count, "epochs": self.epochs, "seed": self.seed,
                "workers": self.workers, "hashfxn": stable_hash}

    def to_json(self) -> dict:
        return {"architecture": self.architecture, **{k: v for k, v in dataclasses.asdict(self).items() if k != "sg"}}


@dataclass(frozen=True, eq=False)
class EpochRecord:
    epoch: int  # 0: the random vectors before training
    embeddings: EmbeddingSet
    loss: float | None  # gensim's loss summed over this epoch (None for epoch 0)
    seconds: float  # wall time of this epoch
    neighbours: Neighbours  # of the run's probe words
    scores: ProbeScores


@dataclass(frozen=True, eq=False)
class TrainingRun:
    settings: TrainingSettings
    corpus: CorpusInfo
    vocabulary: int  # words kept (at least min_count occurrences)
    distinct: int  # distinct words in the corpus
    tokens: int  # words in the corpus (one pass)
    documents: int
    probes: tuple[str, ...]
    epochs: tuple[EpochRecord, ...] = ()
    finished: bool = False

    @property
    def final(self) -> EmbeddingSet:
        return self.epochs[-1].embeddings

    @property
    def loss_exact(self) -> bool:
        return self.settings.workers == 1

    def with_epoch(self, record: EpochRecord) -> TrainingRun:
        return dataclasses.replace(self, epochs=self.epochs + (record,))

    def with_probes(self, probes: tuple[str, ...], neighbours: list[Neighbours]) -> TrainingRun:
        records = tuple(dataclasses.replace(r, neighbours=n) for r, n in zip(self.epochs, neighbours))
        return dataclasses.replace(self, probes=tuple(probes), epochs=records)

    def to_json(self) -> dict:
        first = self.epochs[0].scores if self.epochs else None
        return {
            "settings": self.settings.to_json(),
            "corpus": {"name": self.corpus.name, "path": self.corpus.path, "documents": self.documents,
                       "tokens": self.tokens, "distinct_words": self.distinct},
            "vocabulary": self.vocabulary, "probes": list(self.probes),
            "analogy_questions_in_vocabulary": first.analogy_total if first else 0,
            "ws353_pairs_in_vocabulary": first.ws353_pairs if first else 0,
            "loss_note": "gensim's loss summed per epoch" + ("" if self.loss_exact else
                                                             "; approximate with several threads (gensim #2743)"),
            "epochs": [{"epoch": r.epoch, "loss": None if r.loss is None else round(r.loss, 3),
                        "seconds": round(r.seconds, 4), **r.scores.to_json(),
                        "neighbours": {w: [[n, s] for n, s in ns] for w, ns in r.neighbours}} for r in self.epochs],
            "finished": self.finished,
        }


class _Stopped(Exception):
    """Raised in gensim's epoch callback to end training early (the job was closed)."""


class _Snapshots:
    """gensim's callback (duck-typed: gensim calls these four methods): vectors and loss per epoch."""

    def __init__(self, out: queue.SimpleQueue, stop: threading.Event) -> None:
        self.out, self.stop = out, stop
        self.epoch, self.started = 0, time.perf_counter()

    def on_train_begin(self, model) -> None:
        self.started = time.perf_counter()

    def on_epoch_begin(self, model) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, model) -> None:
        loss = float(model.get_latest_training_loss())
        model.running_training_loss = 0.0  # per-epoch tally (see the module's docstring)
        self.epoch += 1
        self.out.put(("epoch", self.epoch, model.wv.vectors.copy(), loss, time.perf_counter() - self.started))
        if self.stop.is_set():
            raise _Stopped()

    def on_train_end(self, model) -> None:
        pass


def _gensim_thread(settings: TrainingSettings, corpus: Corpus, out: queue.SimpleQueue) -> None:
    """Runs on a helper thread: vocabulary, epoch 0, then every epoch; ("end", error or None) last."""
    error: BaseException | None = None
    try:
        from gensim.models import Word2Vec  # imported here only: it takes a second

        model = Word2Vec(**settings.gensim_kwargs(), compute_loss=True)
        model.build_vocab(corpus_iterable=corpus, keep_raw_vocab=True)
        distinct = len(model.raw_vocab)
        model.raw_vocab = {}
        if corpus.stop.is_set():
            raise _Stopped()
        out.put(("vocabulary", list(model.wv.index_to_key), distinct, model.corpus_total_words, model.corpus_count))
        if corpus.tokens == 0 or len(model.wv) < MIN_WORDS:
            return  # the job says why
        out.put(("epoch", 0, model.wv.vectors.copy(), None, 0.0))
        model.train(corpus_iterable=corpus, total_examples=model.corpus_count, epochs=settings.epochs,
                    compute_loss=True, callbacks=[_Snapshots(out, corpus.stop)])
    except _Stopped:
        pass
    except BaseException as exc:  # noqa: BLE001 - re-raised on the job's thread
        error = exc
    finally:
        out.put(("end", error))


def _too_small(run: TrainingRun) -> ExplorerError:
    if run.tokens == 0:
        return FileFormatError(run.corpus.path, "no words (letters or digits) in this file", expected="a text corpus")
    return InputError(f"only {run.vocabulary} of the {run.distinct:,} distinct words of {run.corpus.name} occur at "
                      f"least {run.settings.min_count} times ({run.tokens:,} words in all); at least {MIN_WORDS} are "
                      f"needed: lower the minimum count or use a larger corpus")


def train(settings: TrainingSettings, corpus: Corpus, probes: list[str] | tuple[str, ...] = ()) -> Job[TrainingRun]:
    """Train on `corpus`; yields Progress, with ``payload`` = the TrainingRun so far after each epoch.

    `probes`: words whose neighbours are recorded per epoch (default: the corpus's own)."""
    settings.check()
    corpus.stop.clear()
    out: queue.SimpleQueue = queue.SimpleQueue()
    thread = threading.Thread(target=_gensim_thread, args=(settings, corpus, out), name="word2vec", daemon=True)
    label = f"{settings.architecture} on {corpus.info.name}"
    yield Progress(0.0, f"{label}: reading the vocabulary")
    thread.start()
    run: TrainingRun | None = None
    probe_set: ProbeSet | None = None
    vocab: dict[str, tuple[list[str], dict[str, int]]] = {}
    said = time.perf_counter()
    try:
        while True:
            thread.join(0.05)
            items = []
            while not out.empty():
                items.append(out.get())
            for item in items:
                if item[0] == "vocabulary":
                    _, words, distinct, tokens, documents = item
                    chosen = tuple(probes) or tuple(default_probes(corpus.info.key, words))
                    run = TrainingRun(settings, corpus.info, len(words), distinct, tokens, documents, chosen)
                    if run.tokens == 0 or run.vocabulary < MIN_WORDS:
                        raise _too_small(run)
                    probe_set = ProbeSet.build(words)
                    keep = _rows_kept(len(words), settings)
                    for part, these in (("all", words), ("head", words[:keep])):
                        if part == "all" or keep < len(words):  # one word list (and index) for all epochs
                            vocab[part] = (these, dict(zip(these, range(len(these)))))
                elif item[0] == "epoch":
                    run = run.with_epoch(_record(run, item, vocab, probe_set))
                    done = run.epochs[-1].epoch
                    yield Progress(done / settings.epochs, f"{label}: epoch {done} of {settings.epochs}"
                                   + _loss_text(run.epochs[-1].loss), payload=run)
                elif item[1] is not None:  # ("end", error)
                    raise item[1]
            if not items and time.perf_counter() - said > PROGRESS_S:  # each report repaints the window: few
                said = time.perf_counter()
                yield Progress(_fraction(run, corpus, settings), _phase(run, corpus, label, settings))
            elif items:
                said = time.perf_counter()
            if not thread.is_alive() and out.empty():
                break
    except BaseException:  # closed (cancelled) or failed: gensim stops at the end of this (now short) pass
        corpus.stop.set()
        raise
    finally:
        thread.join(30)
    if run is None or len(run.epochs) < settings.epochs + 1:
        raise InputError(f"{label}: training stopped early")
    return dataclasses.replace(run, finished=True)


def _rows_kept(n: int, settings: TrainingSettings) -> int:
    """Rows kept per epoch for the replay: all of them unless that exceeds SNAPSHOT_BUDGET."""
    per_row = settings.dimensions * 4 * (settings.epochs + 1)
    return n if n * per_row <= SNAPSHOT_BUDGET else max(min(n, 1000), SNAPSHOT_BUDGET // per_row)


def _record(run: TrainingRun, item: tuple, vocab: dict[str, tuple[list[str], dict[str, int]]],
            probe_set: ProbeSet) -> EpochRecord:
    """An epoch's snapshot (the vocabulary's "head" only when the replay cannot keep it all; the last
    epoch always whole) and its probe figures, measured on all the words."""
    _, epoch, vectors, loss, seconds = item
    name = f"word2vec {run.settings.architecture} · {run.corpus.name} · epoch {epoch}"
    words, index = vocab["all"]
    source = f"{MADE_IN_APP}word2vec trained on {run.corpus.path}"  # not a file a view could open again
    full = EmbeddingSet(words, vectors, name=name, source=source, word_index=index)
    with threadpool_limits(1, user_api="blas"):  # tiny products: threads would only fight gensim for the cores
        neighbours, scores = probe_neighbours(full, run.probes, PROBE_K), probe_set.scores(full)
    es = full
    if "head" in vocab and epoch < run.settings.epochs:  # see _rows_kept
        head, head_index = vocab["head"]
        es = EmbeddingSet(head, np.ascontiguousarray(vectors[: len(head)]), name=name, source=source,
                          word_index=head_index)
    return EpochRecord(epoch, es, loss, seconds, neighbours, scores)


def _loss_text(loss: float | None) -> str:
    return "" if loss is None else f", loss {loss:,.0f}"


def _fraction(run: TrainingRun | None, corpus: Corpus, settings: TrainingSettings) -> float:
    if run is None or not run.epochs:
        return -1.0
    return min((run.epochs[-1].epoch + corpus.fraction) / settings.epochs, 1.0)


def _phase(run: TrainingRun | None, corpus: Corpus, label: str, settings: TrainingSettings) -> str:
    if run is None:
        return f"{label}: reading the vocabulary ({100 * corpus.fraction:.0f}%)"
    if not run.epochs:
        return f"{label}: {run.vocabulary:,} words"
    return f"{label}: epoch {run.epochs[-1].epoch + 1} of {settings.epochs}"


def reprobe(run: TrainingRun, probes: list[str] | tuple[str, ...]) -> Job[TrainingRun]:
    """The same run with other probe words: their neighbours at every epoch."""
    out = []
    for i, record in enumerate(run.epochs):
        out.append(probe_neighbours(record.embeddings, probes, PROBE_K))
        yield Progress((i + 1) / len(run.epochs), f"neighbours of the probe words, epoch {record.epoch}")
    return run.with_probes(tuple(probes), out)


def compare(settings: TrainingSettings, corpus: Corpus,
            probes: list[str] | tuple[str, ...] = ()) -> Job[tuple[TrainingRun, TrainingRun]]:
    """Train the settings' architecture, then the other one on the same corpus and seed.
    Payloads are the run in progress (its ``settings.sg`` says which)."""
    first = yield from scaled(train(settings, corpus, probes), 0.0, 0.5)
    other = dataclasses.replace(settings, sg=not settings.sg)
    second = yield from scaled(train(other, corpus, first.probes), 0.5, 1.0)
    return first, second


def parse_probes(text: str) -> tuple[str, ...]:
    """'fire, police  war' -> ('fire', 'police', 'war'): lower-cased (the corpora are), without repeats."""
    return tuple(dict.fromkeys(w.lower() for w in re.split(r"[,\s]+", text) if w))


def save_vectors(es: EmbeddingSet, path: str | Path, fmt: str | None = None) -> Job[Path]:
    """Save a trained set as word2vec text ("word2vec-text"; the default for .txt and .vec) or as a folder
    in the app's own format ("folder": vectors.npy, norms.npy, words.txt, meta.json; File > Open its
    vectors.npy). An existing folder is replaced only if it is such a folder."""
    path = Path(path)
    fmt = fmt or ("word2vec-text" if path.suffix.lower() in (".txt", ".vec") else "folder")
    if fmt == "word2vec-text":
        return (yield from write_word2vec_text(es, path))
    if fmt != "folder":
        raise InputError(f"unknown format {fmt!r}; expected word2vec-text or folder")
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and store.read_meta(path) is None)):
        raise InputError(f"{path} exists and is not a saved set; choose a new name (it would be replaced)")
    yield Progress(-1, f"saving {len(es):,} words")
    store.save(list(es.words), np.asarray(es.vectors), path, name=es.name, source=es.source, norms=es.norms)
    return path
