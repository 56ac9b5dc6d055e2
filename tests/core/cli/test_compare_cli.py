"""`main.py compare A B -k 10 --json`: the ranking as JSON, refusals as one line and exit 2."""
from __future__ import annotations

import json

import numpy as np

from tests.core.cli.conftest import run_main


def _write(path, words, vectors):
    with open(path, "w") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n")
        for w, v in zip(words, vectors):
            f.write(w + " " + " ".join(f"{x:.6f}" for x in v) + "\n")


def test_compare_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(200)]
    v = rng.normal(size=(200, 8)).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    w = v @ q.astype(np.float32)
    w[7] = rng.normal(size=8)
    _write(tmp_path / "a.txt", words, v)
    _write(tmp_path / "b.txt", words, w)
    rc, out, _ = run_main(capsys, "compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-k", "10", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["shared"] == 200 and len(data["words"]) == 200
    assert data["words"][0]["word"] == "w7"
    moved = [x["moved"] for x in data["words"]]
    assert moved == sorted(moved, reverse=True)
    assert all(0 <= x["overlap"] <= 1 for x in data["words"])


def test_compare_refuses_too_few_shared_words(tmp_path, capsys):
    rng = np.random.default_rng(1)
    _write(tmp_path / "a.txt", [f"w{i}" for i in range(50)], rng.normal(size=(50, 8)))
    _write(tmp_path / "b.txt", [f"w{i}" for i in range(45, 95)], rng.normal(size=(50, 8)))
    rc, _, err = run_main(capsys, "compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert rc == 2
    assert "share 5 words" in err and "at least 16" in err


def test_compare_names_smollm2s_token_sets(capsys):
    """`compare tokens tokens-q4`: SmolLM2's token embeddings against its 4-bit copy's, every token shared."""
    import pytest

    from core.inference.token_embeddings import q4_unavailable

    why = q4_unavailable()
    if why:
        pytest.skip(why)
    rc, out, _ = run_main(capsys, "compare", "tokens", "tokens-q4", "--top", "5", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["shared"] == 49152 and len(data["words"]) == 5
    assert all(0 < w["moved"] < 0.01 for w in data["words"])
