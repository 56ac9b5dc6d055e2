"""`python main.py train`: reproducible across processes (whatever PYTHONHASHSEED is), the same vectors
as gensim's own Word2Vec, per-epoch figures in JSON, and user mistakes as one line with exit 2."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from core.embeddings.corpus import open_corpus
from core.embeddings.training import TrainingSettings

from .conftest import cli


def train(*args, hashseed: str = "0"):
    """``python main.py train ARGS`` with this PYTHONHASHSEED (exit status checked by the test)."""
    return cli("train", *args, ok=False, env={**os.environ, "PYTHONHASHSEED": hashseed})


def test_two_processes_give_identical_vectors_equal_to_gensims(tmp_path):
    outs = []
    for seed in ("1", "2"):  # Python's str hashes differ between these processes
        out = tmp_path / f"set{seed}"
        r = train("lee", "--sg", "--dim", "50", "--epochs", "3", "--seed", "1", "--out", str(out), "--json",
                  hashseed=seed)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["out"] == str(out)
        outs.append(np.load(out / "vectors.npy"))
    assert np.array_equal(outs[0], outs[1])
    from gensim.models import Word2Vec

    same = TrainingSettings(sg=True, dimensions=50, epochs=3, seed=1)
    model = Word2Vec(list(open_corpus("lee")), **same.gensim_kwargs())
    assert (tmp_path / "set1" / "words.txt").read_text(encoding="utf-8").split("\n") == model.wv.index_to_key
    assert np.array_equal(outs[0], model.wv.vectors)


def test_json_has_every_epochs_loss_and_probe_figures(tmp_path):
    r = train("lee", "--cbow", "--epochs", "2", "--probes", "fire, police", "--out", str(tmp_path / "v.txt"),
              "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["settings"]["architecture"] == "CBOW" and data["vocabulary"] == 1799
    assert [e["epoch"] for e in data["epochs"]] == [0, 1, 2] and data["epochs"][0]["loss"] is None
    assert all(e["loss"] > 0 for e in data["epochs"][1:])
    assert data["analogy_questions_in_vocabulary"] == 146 and data["ws353_pairs_in_vocabulary"] == 59
    assert set(data["epochs"][-1]["neighbours"]) == {"fire", "police"}
    assert len(data["epochs"][-1]["neighbours"]["fire"]) == 5
    header = (tmp_path / "v.txt").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == "1799 50"


def test_text_output_is_a_table_per_epoch():
    r = train("lee", "--epochs", "1", "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert "skip-gram on Lee news corpus: 1,799 words kept of 7,577" in r.stdout
    assert "epoch         loss" in r.stdout and "approximate with several worker threads" in r.stdout


@pytest.mark.parametrize("argv, says", [
    (["--window", "0"], "window must be a whole number from 1 to 50, got 0"),
    (["--dim", "0"], "dimensions must be a whole number from 1 to 1000, got 0"),
    (["--negative", "-1"], "negative must be a whole number from 1 to 50"),
    (["--min-count", "1000"], "only 6 of the 7,577 distinct words"),
])
def test_bad_settings_are_one_line_and_exit_2(argv, says):
    r = train("lee", *argv)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_bad_corpora_are_one_line_and_exit_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "weights.bin"
    binary.write_bytes(np.arange(5000, dtype=np.float32).tobytes())
    for path, says in ((empty, "the file is empty"), (binary, "this is a binary file, not text"),
                       (tmp_path / "missing.txt", "no such file")):
        r = train(str(path))
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
