"""Crash safety: kill -9 at random points while the cache of a large file, the settings, a projection
and a model are written, then start again (prepare_folders, then read); a careless writer is caught by
the same check; leftovers of dead writers are tidied, a live writer's are not; two processes on one
cache folder; a full disk and unwritable folders give a clear message and the app goes on."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from benchmarks import kill_writers
from core.embeddings import exporters
from core.io import TEMP_NAME, atomic_folder, atomic_path, clean_stale
from core.progress import run_sync
from core.state.startup import prepare_folders

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def text_file(tmp_path_factory, glove_small):
    """A 20,000-word GloVe text file (the large file whose cache is written) and an older model."""
    root = tmp_path_factory.mktemp("kill")
    run_sync(exporters.write_word2vec_text(glove_small, root / "glove.large.txt", header=False))
    return kill_writers.prepare(root, 20000)


def test_kill_9_while_writing_never_leaves_a_half_written_file(text_file):
    results = kill_writers.run(3, seed=15, root=text_file.parent, text=text_file, max_delay=0.8,
                               scenarios=kill_writers.SCENARIOS + ("cache2",))
    assert {s: r[1] for s, r in results.items()} == dict.fromkeys(kill_writers.SCENARIOS + ("cache2",), 0), results
    assert sum(r[2] for r in results.values()) >= 1  # some kills did land mid-write, and were tidied


def test_the_same_check_catches_a_careless_writer(tmp_path, text_file):
    """settings.json written in place (no temporary file): a kill leaves half a file, and the check says so.
    Whether a kill lands mid-write is chance (4 kills all missed once, on a loaded machine): it kills
    again, up to 20 times, until one does."""
    seen = []
    for seed in range(20):
        results = kill_writers.run(1, seed=seed, root=tmp_path, text=text_file, scenarios=("unsafe",), max_delay=0.4)
        seen.append(results["unsafe"])
        if results["unsafe"][1]:
            break
    _kills, corrupt, _tidied, examples = seen[-1]
    assert corrupt == 1, seen
    assert "the start failed" in examples[0][0]


def test_leftovers_of_dead_writers_go_a_live_writers_stay(tmp_path):
    target = tmp_path / "settings.json"
    dead = tmp_path / "settings.json.k2j4h5g6.partial"
    dead.write_text("{half")
    moved = tmp_path / "set.abcdefgh.old"
    (moved / "x").mkdir(parents=True)
    (moved / "x" / "vectors.npy").write_bytes(b"the old set")
    entered, leave = threading.Event(), threading.Event()
    seen = {}

    def live_writer():
        with atomic_path(target) as tmp:
            tmp.write_text('{"k": 1}')
            seen["tmp"] = tmp
            entered.set()
            leave.wait(10)

    t = threading.Thread(target=live_writer)
    t.start()
    entered.wait(10)
    done = clean_stale(tmp_path)
    assert seen["tmp"].exists()  # being written: kept
    assert not dead.exists() and not moved.exists()
    assert (tmp_path / "set" / "vectors.npy").read_bytes() == b"the old set"  # the publish that never finished
    assert len(done) == 2 and "put back" in done[0] + done[1] and "only that work was lost" in done[0] + done[1]
    leave.set()
    t.join()
    assert json.loads(target.read_text()) == {"k": 1}
    assert [p.name for p in tmp_path.iterdir() if TEMP_NAME.match(p.name)] == []


def test_a_folder_written_inside_a_folder_being_written(tmp_path):
    """A model build writes files atomically inside its own temporary folder (no deadlock on its lock)."""
    with atomic_folder(tmp_path / "model") as stage:
        with atomic_path(stage / "manifest.json") as tmp:
            tmp.write_text("{}")
        with atomic_folder(stage / "sub") as inner:
            (inner / "a").write_text("1")
    assert (tmp_path / "model" / "manifest.json").read_text() == "{}"
    assert (tmp_path / "model" / "sub" / "a").read_text() == "1"


CHILD = """
import json, os, sys
sys.path.insert(0, {root!r})
from core.embeddings import loaders
from core.progress import run_sync
es = run_sync(loaders.load({text!r}))
loaders.wait_for_cache_writes()
again = run_sync(loaders.load({text!r}))
print(json.dumps({{"words": len(es), "first": es.words[:3], "mapped": type(again.vectors).__name__,
                  "same": again.words == es.words}}))
"""


def test_two_processes_at_once_on_one_cache_folder(tmp_path, text_file):
    env = dict(os.environ, EMBEDDING_EXPLORER_CACHE=str(tmp_path / "cache"), PYTHONWARNINGS="error")
    code = CHILD.format(root=str(ROOT), text=str(text_file))
    for _ in range(2):
        procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1][-1500:] for o in outs]
        for out, _err in outs:
            r = json.loads(out)
            assert r == {"words": 20000, "first": ["the", ",", "."], "mapped": "memmap", "same": True}
    sets = list((tmp_path / "cache" / "sets").iterdir())
    assert len(sets) == 1 and [p for p in tmp_path.rglob("*") if TEMP_NAME.match(p.name)] == []


FULL = """
import json, resource, sys
sys.path.insert(0, {root!r})
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))  # a disk that is full
from core.embeddings import loaders
from core.progress import run_sync
from core.state import settings
es = run_sync(loaders.load({text!r}))
problem = run_sync(loaders.cache_write(es))
try:
    settings.save(settings.Settings(window_state="A" * 100000))
    saved = "saved"
except OSError as exc:
    saved = str(exc)
print(json.dumps({{"words": len(es), "problem": problem, "settings": saved}}))
"""


def test_a_full_disk_costs_only_the_copy_and_says_so(tmp_path, text_file):
    env = dict(os.environ, EMBEDDING_EXPLORER_CACHE=str(tmp_path / "cache"),
               EMBEDDING_EXPLORER_CONFIG=str(tmp_path / "config"))
    r = subprocess.run([sys.executable, "-c", FULL.format(root=str(ROOT), text=str(text_file))], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["words"] == 20000
    assert out["problem"] == ("the converted copy could not be kept (a write stopped short: 1000000 requested and "
                              "16352 written; is the disk full?); the next open reads the file again")
    target = tmp_path / "config" / "settings.json"
    assert out["settings"].startswith(f"[Errno 27] cannot write {target}: File too large")
    assert [p for p in tmp_path.rglob("*") if TEMP_NAME.match(p.name)] == []  # nothing half-written left


def test_unwritable_folders_fall_back_with_a_notice(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(blocker / "cache"))
    monkeypatch.setenv("EMBEDDING_EXPLORER_CONFIG", str(blocker / "config"))
    notices = prepare_folders()
    assert len(notices) == 2
    assert notices[0].startswith(
        f"The cache folder {blocker / 'cache'} cannot be written (Not a directory); converted copies go to "
    )
    assert (
        os.environ["EMBEDDING_EXPLORER_CACHE"].endswith("cache")
        and "a-file" not in os.environ["EMBEDDING_EXPLORER_CACHE"]
    )
    assert "preferences and the window layout will not be saved this time" in notices[1]


def test_a_clean_start_says_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EMBEDDING_EXPLORER_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("EMBEDDING_EXPLORER_DATA", str(tmp_path / "data"))
    assert prepare_folders() == []
    (tmp_path / "cache" / "sets").mkdir(parents=True)
    (tmp_path / "cache" / "sets" / "glove-1234.q1w2e3r4.partial").mkdir()
    notices = prepare_folders()
    assert len(notices) == 1 and notices[0].startswith(
        "The last run stopped while writing; 1 unfinished file tidied away (nothing else was lost)"
    )
    np.testing.assert_equal(list((tmp_path / "cache" / "sets").iterdir()), [])
