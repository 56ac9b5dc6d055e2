"""Word-embedding benchmarks with gensim's conventions, so the numbers compare:
the Google analogy set (``evaluate_word_analogies``), WordSim-353 and SimLex-999
(``evaluate_word_pairs``).

Conventions followed: only the first ``restrict`` words are used; with
``case_insensitive`` every word is upper-cased and mapped to its most frequent
spelling; a question with an out-of-vocabulary word is skipped (counted, not
scored); the three question words are excluded from the answers; accuracy is
correct / (correct + incorrect). The data files are read from gensim's packaged
test data; gensim itself is never imported.
"""
from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import ExplorerError, FileFormatError
from ..paths import bundle_dir
from ..progress import Job, Progress
from .embedding_set import EmbeddingSet
from .search.base import SearchBackend

DATASETS = {
    "analogies": "questions-words.txt",
    "ws353": "wordsim353.tsv",
    "simlex": "simlex999.txt",
}


def data_file(name: str) -> Path:
    """Path of a gensim test-data file: the copy shipped inside the installed app (``data/gensim/``),
    else the file in the installed gensim package (found by its path; gensim is not imported)."""
    fname = DATASETS.get(name, name)
    bundle = bundle_dir()
    if bundle is not None and (bundle / "data" / "gensim" / fname).is_file():
        return bundle / "data" / "gensim" / fname
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise ExplorerError(f"the evaluation data ({fname}) comes with the gensim package: pip install gensim==4.4.0")
    p = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / fname
    if not p.exists():
        raise ExplorerError(f"{p} is missing from the installed gensim package")
    return p


@dataclass
class Section:
    name: str
    correct: int = 0
    incorrect: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Failure:
    section: str
    a: str
    b: str
    c: str
    expected: str
    predicted: str

    @property
    def expression(self) -> str:
        return f"{self.b} - {self.a} + {self.c}"


@dataclass
class AnalogyResult:
    sections: list[Section]
    failures: list[Failure] = field(default_factory=list)
    restrict: int = 0
    method: str = "add"
    answered_by: str = "exact"  # or the backend that proposed the answers (3CosAdd)

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {
            "accuracy": round(self.accuracy, 6), "correct": self.correct, "questions": self.total,
            "skipped_oov": self.skipped, "restrict": self.restrict, "method": self.method,
            "answered_by": self.answered_by,
            "sections": [{"name": s.name, "accuracy": round(s.accuracy, 6), "correct": s.correct,
                          "questions": s.total, "skipped_oov": s.skipped} for s in self.sections],
            "failures": len(self.failures),
        }


def _ok_vocab(es: EmbeddingSet, restrict: int, case_insensitive: bool) -> dict[str, int]:
    keys = es.words[:restrict]
    if case_insensitive:
        # reversed, so the most frequent spelling of each upper-cased word wins
        return {w.upper(): i for i, w in reversed(list(enumerate(keys)))}
    return {w: i for i, w in enumerate(keys)}


def read_analogies(path: str | Path) -> list[tuple[str, list[list[str]], list[int]]]:
    """-> [(section, [[a, b, c, d], ...], [line numbers])]"""
    sections: list[tuple[str, list[list[str]], list[int]]] = []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, start=1):
            if line.startswith(": "):
                sections.append((line[2:].strip(), [], []))
                continue
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 4 or not sections:
                raise FileFormatError(path, "bad analogy line", line=ln, expected="4 words (after a ': section' line)",
                                      found=line.strip())
            sections[-1][1].append(parts)
            sections[-1][2].append(ln)
    return sections


def evaluate_analogies(es: EmbeddingSet, path: str | Path | None = None, *, restrict: int = 300000,
                       case_insensitive: bool = True, method: str = "add", batch: int = 1024,
                       backend: SearchBackend | None = None) -> Job[AnalogyResult]:
    """Accuracy on a word2vec-style analogy file (b - a + c = d): batches of questions at once.
    With a backend that can answer (3CosAdd, cosine, this restriction), it proposes the answers."""
    path = path or data_file("analogies")
    data = read_analogies(path)
    restrict = min(restrict, len(es))
    ok = _ok_vocab(es, restrict, case_insensitive)
    U = np.asarray(es.vectors[:restrict], dtype=np.float32) * es.inv_norms[:restrict, None]
    upper = [w.upper() for w in es.words[:restrict]] if case_insensitive else es.words[:restrict]
    by_key: dict[str, list[int]] = {}
    for i, w in enumerate(upper):
        by_key.setdefault(w, []).append(i)
    result = AnalogyResult([], restrict=restrict, method=method)
    if backend is not None and (backend.name == "exact" or method != "add" or backend.remote
                                or backend.unsupported("cos", restrict if restrict < len(es) else None)):
        backend = None
    if backend is not None:
        result.answered_by = backend.label
    keep: list[tuple[int, list[str]]] = []  # (section number, upper-cased question)
    for k, (name, questions, _lines) in enumerate(data):
        sec = Section(name)
        result.sections.append(sec)
        for q in questions:
            qq = [w.upper() for w in q] if case_insensitive else q
            if all(w in ok for w in qq):
                keep.append((k, qq))
            else:
                sec.skipped += 1
    chunks = [keep[s : s + batch] for s in range(0, len(keep), batch)]
    workers = max(1, min(os.cpu_count() or 1, 8))
    done = 0
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for g in range(0, len(chunks), workers):  # a round of chunks side by side, then progress
            group = chunks[g : g + workers]
            preds = pool.map(lambda ch: _answer_chunk(U, ok, by_key, ch, method, backend, restrict, len(es)), group)
            for chunk, pred in zip(group, preds):
                for j, (k, q) in enumerate(chunk):
                    sec = result.sections[k]
                    if upper[pred[j]] == q[3]:
                        sec.correct += 1
                    else:
                        sec.incorrect += 1
                        result.failures.append(Failure(sec.name, *(es.words[ok[w]] for w in q[:3]),
                                                       es.words[ok[q[3]]], es.words[pred[j]]))
                done += len(chunk)
            yield Progress(done / max(len(keep), 1), f"{done:,} of {len(keep):,} questions")
    return result


def _answer_chunk(U: np.ndarray, ok: dict[str, int], by_key: dict[str, list[int]], chunk: list, method: str,
                  backend: SearchBackend | None = None, restrict: int = 0, n: int = 0):
    ids = np.array([[ok[w] for w in q[:3]] for _, q in chunk], dtype=np.int64)
    ex_r, ex_c = [], []
    for j, (_, q) in enumerate(chunk):
        for w in q[:3]:
            for i in by_key[w]:  # every spelling of an input word is excluded, as gensim does
                ex_r.append(j)
                ex_c.append(i)
    ex_r, ex_c = np.array(ex_r, dtype=np.int64), np.array(ex_c, dtype=np.int64)
    if backend is not None:
        return _backend_answers(U, ids, ex_r, ex_c, backend, restrict if restrict < n else None)
    return _best_answers(U, ids, ex_r, ex_c, method)


def _backend_answers(U: np.ndarray, ids: np.ndarray, ex_r: np.ndarray, ex_c: np.ndarray, backend: SearchBackend,
                     restrict: int | None) -> np.ndarray:
    """3CosAdd answers from a backend's candidates (the best-scoring one not excluded); a question whose
    candidates are all excluded is answered exactly."""
    target = U[ids[:, 1]] - U[ids[:, 0]] + U[ids[:, 2]]
    excluded: dict[int, set[int]] = {}
    for r, c in zip(ex_r.tolist(), ex_c.tolist()):
        excluded.setdefault(r, set()).add(c)
    extra = max((len(v) for v in excluded.values()), default=0)
    hits = backend.search(target, 1 + extra, metric="cos", restrict=restrict)
    out = np.zeros(len(ids), dtype=np.int64)
    for j, rows in enumerate(hits.rows):
        cand = np.array([r for r in rows.tolist() if 0 <= r < len(U) and r not in excluded.get(j, ())], np.int64)
        if len(cand):
            out[j] = cand[int(np.argmax(U[cand] @ target[j]))]
        else:
            sel = ex_r == j
            out[j] = _best_answers(U, ids[j : j + 1], ex_r[sel] * 0, ex_c[sel], "add")[0]
    return out


def _best_answers(U: np.ndarray, ids: np.ndarray, ex_r: np.ndarray, ex_c: np.ndarray, method: str,
                  tile: int = 1024) -> np.ndarray:
    """Row of the best answer to each question (a, b, c) = ids[j], excluded (row, column) pairs skipped.

    The score matrix is made one column tile at a time, so it stays in cache and the
    arg-max runs there instead of over a (questions x vocabulary) array in memory.
    """
    a, b, c = U[ids[:, 0]], U[ids[:, 1]], U[ids[:, 2]]
    m, n = len(ids), U.shape[0]
    rows = np.arange(m)
    best_val = np.full(m, -np.inf, dtype=np.float32)
    best_idx = np.zeros(m, dtype=np.int64)
    target = b - a + c  # 3CosAdd: cosine with the target ranks like gensim's normalised mean
    for lo in range(0, n, tile):
        hi = min(lo + tile, n)
        T = U[lo:hi].T
        if method == "add":
            S = target @ T
        elif method == "mul":  # 3CosMul with similarities shifted to [0, 1]
            S = ((1 + b @ T) / 2) * ((1 + c @ T) / 2) / ((1 + a @ T) / 2 + 1e-6)
        else:
            raise ValueError(f"unknown method {method!r}; expected 'add' or 'mul'")
        sel = (ex_c >= lo) & (ex_c < hi)
        S[ex_r[sel], ex_c[sel] - lo] = -np.inf
        idx = S.argmax(axis=1)
        val = S[rows, idx]
        better = val > best_val  # strict: the first of equal scores wins, as one arg-max would
        best_val[better] = val[better]
        best_idx[better] = idx[better] + lo
    return best_idx


@dataclass
class PairResult:
    name: str
    pearson: float
    spearman: float
    pairs: int
    oov: int
    oov_ratio: float
    rows: list[tuple[str, str, float, float]]  # word a, word b, human score, model cosine

    def to_json(self) -> dict:
        return {"dataset": self.name, "spearman": round(self.spearman, 6), "pearson": round(self.pearson, 6),
                "pairs": self.pairs, "oov": self.oov, "oov_ratio_percent": round(self.oov_ratio, 4)}


def evaluate_pairs(es: EmbeddingSet, dataset: str = "ws353", *, restrict: int = 300000,
                   case_insensitive: bool = True, path: str | Path | None = None) -> Job[PairResult]:
    """Pearson and Spearman correlation of cosine similarity with human judgements (gensim's method)."""
    path = Path(path) if path else data_file(dataset)
    restrict = min(restrict, len(es))
    ok = _ok_vocab(es, restrict, case_insensitive)
    human, model, rows = [], [], []
    oov = 0
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, start=1):
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise FileFormatError(path, "bad pair line", line=ln, expected="word<TAB>word<TAB>score", found=line)
            a, b, score = parts
            try:
                sim = float(score)
            except ValueError:
                raise FileFormatError(path, "bad score", line=ln, expected="a number", found=score) from None
            ka, kb = (a.upper(), b.upper()) if case_insensitive else (a, b)
            if ka not in ok or kb not in ok:
                oov += 1
                continue
            ia, ib = ok[ka], ok[kb]
            cos = float(es.unit_vector(ia) @ es.unit_vector(ib))
            human.append(sim)
            model.append(cos)
            rows.append((es.words[ia], es.words[ib], sim, cos))
    yield Progress(1.0, f"{dataset}: {len(rows)} pairs")
    h, m = np.array(human), np.array(model)
    n = len(rows)
    return PairResult(dataset, _pearson(h, m), _pearson(_rank(h), _rank(m)), n, oov,
                      100.0 * oov / (n + oov) if n + oov else 0.0, rows)


def _rank(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank), as scipy.stats.rankdata."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d else float("nan")
