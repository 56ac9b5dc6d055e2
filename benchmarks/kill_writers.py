"""kill -9 at random points while the app writes, then start again (not a test; the tests run a few dozen).

    .venv/bin/python benchmarks/kill_writers.py [--kills 100] [--seed 15] [--words 50000]

Four writers run in a child process, each in a loop, exactly as the app writes:

* cache     the converted copy of a large GloVe text file (core.embeddings.store.save, a folder)
* settings  settings.json (core.state.settings.save, with a 200 KB window layout)
* projection a projection's .npz in the cache (core.projections.cache.store)
* model     a model folder (core.io.atomic_folder, as models/build.py) plus a 4-bit file written
            into it (core.io.atomic_path, as models/quantize_lm.py); an older model beside it

The parent waits for the child's "go", sleeps a seeded random time across its write cycle, and
sends SIGKILL. Then it starts as the app does (core.state.startup.prepare_folders) and reads
everything back: a start is *corrupt* when it reads a half-written file, finds an unfinished
temporary file left behind, or has lost anything but the interrupted work (the older model, an
earlier settings file, a finished cache). Also two writers at once on one cache folder.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIOS = ("cache", "settings", "projection", "model")
LAYOUT_BYTES = 200_000


def _env(root: Path) -> dict:
    return dict(
        os.environ,
        EMBEDDING_EXPLORER_CACHE=str(root / "cache"),
        EMBEDDING_EXPLORER_CONFIG=str(root / "config"),
        EMBEDDING_EXPLORER_DATA=str(root / "data"),
        OPENBLAS_NUM_THREADS="1",
        PYTHONWARNINGS="ignore",
    )


# -- the child: one writer in a loop until killed ------------------------------------------------
def child(scenario: str, root: Path, text: Path) -> int:
    import numpy as np

    from core.progress import run_sync

    out = sys.stdout
    if scenario in ("cache", "cache2"):
        from core.embeddings import loaders, store

        raw = run_sync(loaders.read_raw(text))
        folder = Path(os.environ["EMBEDDING_EXPLORER_CACHE"]) / "sets" / "glove-cache"
        out.write("go\n")
        out.flush()
        while True:
            store.save(raw.words, raw.vectors, folder, name=text.name, source=str(text))
    if scenario == "unsafe":  # settings.json written in place, as a careless writer would: caught below
        n = 0
        path = Path(os.environ["EMBEDDING_EXPLORER_CONFIG"]) / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        out.write("go\n")
        out.flush()
        while True:
            n += 1
            text = json.dumps(
                {"schema_version": 2, "recent_files": [f"/data/{n}.txt"], "window_state": "A" * LAYOUT_BYTES + str(n)}
            )
            with open(path, "w", encoding="utf-8") as f:
                for i in range(0, len(text), 4096):
                    f.write(text[i : i + 4096])
                    f.flush()
    if scenario == "settings":
        from core.state import settings

        n = 0
        out.write("go\n")
        out.flush()
        while True:
            n += 1
            s = settings.Settings(recent_files=[f"/data/{n}.txt"], window_state="A" * LAYOUT_BYTES + str(n))
            settings.save(s)
    if scenario == "projection":
        from core.projections import cache
        from core.projections.layout import Layout

        es = _projection_set(np)
        rows = np.arange(len(es))
        out.write("go\n")
        out.flush()
        while True:
            cache.store(es, rows, "pca", (("normalize", True),), _layout(np, Layout, len(es)))
    if scenario == "model":
        from core.io import atomic_folder, atomic_path, atomic_write_json

        models = Path(os.environ["EMBEDDING_EXPLORER_DATA"]) / "models"
        rng = np.random.default_rng(0)
        blob = rng.integers(0, 256, 4 << 20, dtype=np.uint8).tobytes()
        out.write("go\n")
        out.flush()
        while True:
            with atomic_folder(models / "digits") as stage:
                (stage / "model.onnx").write_bytes(blob)
                atomic_write_json(stage / "manifest.json", _manifest("digits", blob))
            with atomic_path(models / "digits" / "model_q4.onnx", suffix=".onnx") as tmp:
                tmp.write_bytes(blob[: 1 << 20])
    raise SystemExit(f"unknown scenario {scenario}")


def _projection_set(np):
    from core.embeddings.embedding_set import EmbeddingSet

    rng = np.random.default_rng(1)
    return EmbeddingSet([f"w{i}" for i in range(50000)], rng.normal(size=(50000, 8)).astype(np.float32), name="p")


def _layout(np, Layout, n):
    coords = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return Layout("pca", (("normalize", True),), np.arange(n), coords, ("a", "b", "c"), {"note": "kill test"})


def _manifest(name: str, blob: bytes) -> dict:
    return {"name": name, "files": {"model": {"file": "model.onnx", "sha256": hashlib.sha256(blob).hexdigest()}}}


# -- the parent: kill, then start again and check --------------------------------------------------
def prepare(root: Path, words: int) -> Path:
    """A GloVe text file of `words` words (the large file whose cache is written) and an older model."""
    from core.embeddings import exporters
    from core.embeddings.default_set import load_default
    from core.io import atomic_folder, atomic_write_json
    from core.progress import run_sync

    root.mkdir(parents=True, exist_ok=True)
    text = root / "glove.large.txt"
    if not text.exists():
        run_sync(exporters.write_word2vec_text(run_sync(load_default()), text, header=False, rows=range(words)))
    old = root / "data" / "models" / "encoder"
    if not old.exists():
        with atomic_folder(old) as stage:
            (stage / "model.onnx").write_bytes(b"older model " * 1000)
            atomic_write_json(stage / "manifest.json", _manifest("encoder", b"older model " * 1000))
    return text


def kill_once(scenario: str, root: Path, text: Path, delay: float, two: bool = False) -> None:
    cmd = [sys.executable, __file__, "--child", scenario, str(root), str(text)]
    procs = [subprocess.Popen(cmd, env=_env(root), stdout=subprocess.PIPE, text=True) for _ in range(1 + two)]
    for p in procs:
        p.stdout.readline()  # "go": about to write
    time.sleep(delay)
    for p in procs:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        p.stdout.close()


def check_start(scenario: str, root: Path, text: Path, expected_words: list[str] | None) -> tuple[list[str], list[str]]:
    """Start as the app does and read what the writer wrote: (the problems found (none: a clean start),
    the start's notices)."""
    import numpy as np

    from core.io import TEMP_NAME
    from core.state.startup import prepare_folders

    problems, notices = [], []
    old_env = {
        k: os.environ.get(k)
        for k in ("EMBEDDING_EXPLORER_CACHE", "EMBEDDING_EXPLORER_CONFIG", "EMBEDDING_EXPLORER_DATA")
    }
    os.environ.update({k: v for k, v in _env(root).items() if k in old_env})
    try:
        notices = prepare_folders()
        left = [str(p) for p in root.rglob("*") if TEMP_NAME.match(p.name)]
        if left:
            problems.append(f"left after the start: {left[:3]}")
        if any("removed" not in n and "put back" not in n and "stopped while writing" not in n for n in notices):
            problems.append(f"unexpected notice: {notices}")
        problems += _read_back(scenario, root, text, expected_words, np)
    except Exception as exc:  # noqa: BLE001 - a start that fails is what this looks for
        problems.append(f"the start failed: {type(exc).__name__}: {exc}")
    finally:
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return problems, notices


def _read_back(scenario, root, text, expected_words, np) -> list[str]:
    problems = []
    if scenario.startswith("cache"):
        from core.embeddings import store

        folder = root / "cache" / "sets" / "glove-cache"
        if folder.exists():
            meta = store.read_meta(folder)
            if meta is None:
                return [f"{folder} exists without a readable meta.json"]
            es = store.open_set(folder)
            if es.words != expected_words or es.vectors.shape != (len(expected_words), 50):
                problems.append("the cached set differs from the file")
    elif scenario in ("settings", "unsafe"):
        from core.state import settings

        path = root / "config" / "settings.json"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))  # raises on a half-written file
            s = settings.Settings.from_json(data)
            n = s.recent_files[0].split("/")[-1].split(".")[0]
            if s.window_state != "A" * LAYOUT_BYTES + n:
                problems.append("settings.json mixes two saves")
    elif scenario == "projection":
        from core.projections import cache

        files = list((root / "cache" / "projections").glob("*.npz"))
        for f in files:
            layout = cache._read(f, "pca", (("normalize", True),))
            if layout is None or layout.coords.shape != (50000, 3) or layout.coords[-1, 2] != 150000 - 1:
                problems.append(f"{f.name} is not a whole layout")
    elif scenario == "model":
        from core.errors import ModelError
        from core.inference.runtime import verify_model

        for name in ("encoder", "digits"):
            folder = root / "data" / "models" / name
            if name == "digits" and not folder.exists():
                continue
            try:
                verify_model(folder)
            except ModelError as exc:
                problems.append(f"model {name}: {exc}")
        q4 = root / "data" / "models" / "digits" / "model_q4.onnx"
        if q4.exists() and q4.stat().st_size != 1 << 20:
            problems.append("model_q4.onnx is half-written")
    return problems


def run(kills: int, seed: int, root: Path, text: Path, scenarios=SCENARIOS, max_delay: float = 1.5):
    """Kill each scenario `kills` times at seeded random points;
    returns {scenario: (kills, corrupt starts, starts that tidied a leftover, examples of problems)}."""
    from core.embeddings import loaders
    from core.progress import run_sync

    words = run_sync(loaders.read_raw(text)).words
    rng = random.Random(seed)
    results = {}
    for scenario in scenarios:
        corrupt, tidied, examples = 0, 0, []
        for _ in range(kills):
            two = scenario == "cache2"
            kill_once(scenario, root, text, rng.uniform(0, max_delay), two=two)
            problems, notices = check_start(scenario, root, text, words)
            tidied += bool(notices)
            if problems:
                corrupt += 1
                examples.append(problems)
        results[scenario] = (kills, corrupt, tidied, examples[:3])
    return results


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3, metavar=("SCENARIO", "ROOT", "TEXT"), help=argparse.SUPPRESS)
    ap.add_argument("--kills", type=int, default=100, help="kill points per scenario")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--words", type=int, default=50000, help="size of the GloVe text file whose cache is written")
    ap.add_argument("--root", type=Path, default=None)
    args = ap.parse_args()
    if args.child:
        return child(args.child[0], Path(args.child[1]), Path(args.child[2]))
    import tempfile

    root = args.root or Path(tempfile.mkdtemp(prefix="kill-"))
    text = prepare(root, args.words)
    t0 = time.perf_counter()
    results = run(args.kills, args.seed, root, text, SCENARIOS + ("cache2",))
    total = sum(r[0] for r in results.values())
    bad = sum(r[1] for r in results.values())
    print(
        f"kill -9 at {total:,} random points ({args.kills} per writer, seed {args.seed}, {args.words:,}-word "
        f"GloVe file) in {time.perf_counter() - t0:.0f} s; load {os.getloadavg()[0]:.1f}"
    )
    for scenario, (k, c, t, examples) in results.items():
        label = "cache, two writers" if scenario == "cache2" else scenario
        print(f"  {label:<20} kill points {k:4}   corrupt starts {c}   starts that tidied an unfinished write {t}")
        for e in examples:
            print(f"      {e}")
    print(f"corrupt starts: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
