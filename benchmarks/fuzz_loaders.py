"""Fuzz every embedding loader with seeded malformed files (not a test; the tests run 500 of them).

    .venv/bin/python benchmarks/fuzz_loaders.py [--files 10000] [--seed 15] [--workers 2] [--keep DIR]

Cases come from benchmarks/fuzz_corpus.py (every format, plain, gzip, bzip2, xz and .zip, content
and container damage). Each file is opened by ``core.embeddings.loaders.load`` in a worker process
with limits: address space (RLIMIT_AS: what it had after start-up + 1 GiB), per-file peak RSS
(VmHWM, reset before each file through /proc/self/clear_refs), and a wall-clock limit per file (the
worker is killed and replaced). Every outcome must be a load (whose set is sound) or a typed
FileFormatError/ExplorerError naming the file with a position (line, or a byte/entry/row in the
message). Anything else is counted as a failure: a traceback, a hang, a dead worker, an allocation
beyond the limits, or a pickle that ran. Prints files tried by outcome and the failures.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PEAK_LIMIT_MB = 256  # per-file growth of the resident set beyond the worker's baseline


# -- the worker --------------------------------------------------------------------------------
def _rss_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def worker() -> int:
    """Read one case a line (JSON) on stdin, answer one outcome a line on stdout."""
    import resource

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from core.embeddings import loaders
    from core.embeddings.loaders import ArchiveMemberError
    from core.errors import ExplorerError, FileFormatError
    from core.progress import run_sync

    base_vm = _rss_kb("VmSize") * 1024
    if base_vm:
        resource.setrlimit(resource.RLIMIT_AS, (base_vm + (1 << 30), resource.RLIM_INFINITY))
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        case = json.loads(line)
        folder = Path(case["folder"])
        path = folder / case["open"]
        can_reset = _reset_peak()
        before = _rss_kb("VmRSS")
        t0 = time.perf_counter()
        result = {"id": case["id"]}
        try:
            opts = loaders.LoadOptions(**case["opts"])
            es = run_sync(loaders.load(path, case["fmt"], opts, member=case["member"], use_cache=case["cache"]))
            if case["cache"]:
                loaders.wait_for_cache_writes()
                es = run_sync(loaders.load(path, case["fmt"], opts, member=case["member"]))
            problem = _unsound(es)
            result.update(outcome="loaded" if problem is None else "crash", detail=problem or f"{len(es)} words")
        except ArchiveMemberError as exc:  # which file of an archive: the members are the "where"
            result.update(outcome="error: archive members", detail=exc.one_line()[:300])
        except FileFormatError as exc:
            named = str(folder) in exc.path  # the file, or its companion (metadata.tsv, a vocabulary)
            kind = "error+line" if exc.line is not None else "error+byte" if exc.offset is not None else \
                "error, no position"
            result.update(outcome=kind if named else "error without the file", detail=exc.one_line()[:300])
        except MemoryError:
            result.update(outcome="unbounded", detail="MemoryError")
        except ExplorerError as exc:
            result.update(outcome="user error", detail=exc.one_line()[:300])
        except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
            import traceback

            result.update(outcome="crash", detail="".join(traceback.format_exception(exc))[-1500:])
        if "not enough memory" in result.get("detail", ""):
            result["outcome"] = "unbounded"
        peak = (_rss_kb("VmHWM") - before) / 1024 if can_reset else 0.0
        if peak > PEAK_LIMIT_MB:
            result.update(outcome="unbounded", detail=f"peak RSS +{peak:.0f} MB; " + result.get("detail", ""))
        if (folder / "FUZZ_PICKLE_RAN").exists() or Path("FUZZ_PICKLE_RAN").exists():
            result.update(outcome="unpickled", detail="a pickle in the file ran")
        result.update(seconds=round(time.perf_counter() - t0, 4), peak_mb=round(peak, 1))
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


def _unsound(es) -> str | None:
    import numpy as np

    if not es.words or len(es.words) != es.vectors.shape[0] or es.vectors.ndim != 2 or es.vectors.shape[1] < 1:
        return f"shape {es.vectors.shape} for {len(es.words)} words"
    if len(set(es.words)) != len(es.words):
        return "repeated words in a loaded set"
    if not np.isfinite(np.asarray(es.vectors, dtype=np.float32)).all():
        return "NaN or inf in a loaded set"
    if any("\n" in w for w in es.words):
        return "a word with a line break"
    return None


# -- the parent -------------------------------------------------------------------------------
class Pool:
    def __init__(self, n: int, timeout: float, cwd: Path) -> None:
        self.n, self.timeout, self.cwd = n, timeout, cwd
        self.procs: list[subprocess.Popen | None] = [None] * n

    def _start(self, i: int) -> subprocess.Popen:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONWARNINGS="error",
                   EMBEDDING_EXPLORER_CACHE=str(self.cwd / "cache"))
        p = subprocess.Popen([sys.executable, __file__, "--worker"], cwd=self.cwd, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.procs[i] = p
        p.stdout.readline()  # "ready": imports done; the time limit counts from here
        return p

    def run(self, jobs):
        """jobs: iterable of (case dict, Case); yields (Case, result dict)."""
        jobs = iter(jobs)
        busy: dict[int, tuple[dict, object, float]] = {}
        for i in range(self.n):
            self._feed(i, jobs, busy)
        while busy:
            fds = {self.procs[i].stdout.fileno(): i for i in busy}
            ready, _, _ = select.select(list(fds), [], [], 0.2)
            now = time.perf_counter()
            for fd in ready:
                i = fds[fd]
                line = self.procs[i].stdout.readline()
                msg, case, _t = busy.pop(i)
                if line:
                    yield case, json.loads(line)
                else:
                    code = self._stop(i)
                    yield case, {"id": msg["id"], "outcome": "died", "detail": f"worker exit {code}"}
                self._feed(i, jobs, busy)
            for i, (msg, case, t) in list(busy.items()):
                if now - t > self.timeout:
                    self._stop(i)
                    busy.pop(i)
                    yield case, {"id": msg["id"], "outcome": "hang", "detail": f"over {self.timeout:.0f} s"}
                    self._feed(i, jobs, busy)

    def _stop(self, i: int) -> int:
        p = self.procs[i]
        p.kill()
        code = p.wait()
        for pipe in (p.stdin, p.stdout):
            try:
                pipe.close()
            except BrokenPipeError:
                pass
        self.procs[i] = None
        return code

    def _feed(self, i, jobs, busy) -> None:
        try:
            msg, case = next(jobs)
        except StopIteration:
            return
        p = self.procs[i] if self.procs[i] is not None and self.procs[i].poll() is None else self._start(i)
        p.stdin.write(json.dumps(msg) + "\n")
        p.stdin.flush()
        busy[i] = (msg, case, time.perf_counter())

    def close(self) -> None:
        for p in self.procs:
            if p is not None:
                p.stdin.close()
                p.wait(timeout=30)
                p.stdout.close()


FAILURES = ("crash", "hang", "died", "unbounded", "unpickled", "error without the file", "error, no position")


def fuzz(words, vectors, n: int, seed: int, workers: int = 2, timeout: float = 20.0, keep: Path | None = None,
         start: int = 0):
    """Run n cases; returns (Counter of outcomes, list of failures (label, outcome, detail, folder))."""
    from fuzz_corpus import make_cases  # beside this file

    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="fuzz-"))
    root.mkdir(parents=True, exist_ok=True)
    counts: collections.Counter = collections.Counter()
    by_kind: collections.Counter = collections.Counter()
    failures = []

    def jobs():
        for case in make_cases(words, vectors, n, seed, start):
            folder = root / f"{case.id:06d}"
            folder.mkdir()
            for name, data in case.files.items():
                (folder / name).write_bytes(data)
            msg = {"id": case.id, "folder": str(folder), "open": case.open_name, "member": case.member,
                   "fmt": case.fmt, "opts": case.opts, "cache": case.id % 10 == 0}
            yield msg, case

    pool = Pool(workers, timeout, root)
    try:
        for case, res in pool.run(jobs()):
            outcome = res["outcome"]
            counts[outcome] += 1
            by_kind[(case.mutation, outcome)] += 1
            folder = root / f"{case.id:06d}"
            if outcome in FAILURES:
                failures.append((case.label, outcome, res.get("detail", ""), str(folder)))
            elif not keep:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        pool.close()
        if not keep and not failures:
            shutil.rmtree(root, ignore_errors=True)
    return counts, failures, by_kind


def seed_vectors():
    """The first 5,000 words of the bundled GloVe (real words and numbers to start from)."""
    import numpy as np

    from core.embeddings.default_set import load_default
    from core.progress import run_sync

    es = run_sync(load_default())
    return es.words[:5000], np.asarray(es.vectors[:5000, :12], dtype=np.float32)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per file before it counts as a hang")
    ap.add_argument("--keep", type=Path, help="keep every case's files here")
    args = ap.parse_args()
    if args.worker:
        return worker()
    words, vectors = seed_vectors()
    t0 = time.perf_counter()
    counts, failures, by_kind = fuzz(words, vectors, args.files, args.seed, args.workers, args.timeout, args.keep)
    took = time.perf_counter() - t0
    total = sum(counts.values())
    print(f"fuzzed {total:,} files (seed {args.seed}, {args.workers} workers) in {took:.0f} s; load "
          f"{os.getloadavg()[0]:.1f}")
    for outcome, k in counts.most_common():
        print(f"  {outcome:<24} {k:6,}")
    bad = sum(counts[f] for f in FAILURES)
    print(f"failures: {bad} (crashes {counts['crash']}, hangs {counts['hang']}, dead workers {counts['died']}, "
          f"unbounded allocations {counts['unbounded']}, pickles run {counts['unpickled']})")
    mutations = sorted({m for m, _o in by_kind})
    print("by mutation: " + "; ".join(
        f"{m} " + "/".join(f"{o} {k}" for (mm, o), k in sorted(by_kind.items()) if mm == m) for m in mutations))
    for label, outcome, detail, folder in failures[:20]:
        print(f"\n{outcome}: {label} ({folder})\n{detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
