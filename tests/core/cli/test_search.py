"""Search backends on the command line, run as a user would (subprocesses, JSON parsed): build an HNSW
index and export to Milvus Lite with `index build`, query them with `neighbours --backend`, and the
same top-10 as exact search; problems exit 2 with one line."""
from __future__ import annotations

import json
import os

import pytest

from core.embeddings.exporters import write_word2vec_text
from core.progress import run_sync

from .conftest import cli as run_cli


@pytest.fixture(scope="module")
def env(tmp_path_factory, glove_small):
    folder = tmp_path_factory.mktemp("cli-search")
    words = folder / "glove3k.txt"
    run_sync(write_word2vec_text(glove_small.subset(range(3000)), words))
    e = dict(os.environ, EMBEDDING_EXPLORER_DATA=str(folder / "data"))
    e.pop("MILVUS_TOKEN", None)
    return {"env": e, "words": str(words), "db": str(folder / "cli.db")}


def cli(env, *args, ok=True):
    """A command on the 3,000-word set, in the test's data folder."""
    return run_cli(*args, "--embeddings", env["words"], ok=ok, env=env["env"])


def top(data):
    return [n["word"] for n in data["neighbours"]]


def test_hnsw_from_the_command_line(env):
    built = json.loads(cli(env, "index", "build", "--queries", "200", "--json").stdout)
    assert built["backend"] == "hnsw" and built["recall_at_10"] >= 0.95 and built["queries"] == 200
    data = json.loads(cli(env, "neighbours", "king", "--backend", "hnsw", "--json").stdout)
    assert data["backend"]["name"] == "hnsw" and data["backend"]["recall_at_10"] == built["recall_at_10"]
    exact = json.loads(cli(env, "neighbours", "king", "--json").stdout)
    assert exact["backend"]["name"] == "exact" and len(set(top(data)) & set(top(exact))) >= 8
    info = json.loads(cli(env, "index", "info", "--json").stdout)
    assert info["hnsw"]["usable"] and info["milvus"] == []
    dot = json.loads(cli(env, "neighbours", "king", "--backend", "hnsw", "--metric", "dot", "--json").stdout)
    assert dot["backend"]["name"] == "exact" and any("cosine similarity only" in n for n in dot["notes"])


def test_milvus_lite_from_the_command_line_gives_the_exact_top_10(env):
    r = cli(env, "index", "build", "--backend", "milvus", "--milvus-uri", env["db"], "--queries", "100", "--json")
    out = json.loads(r.stdout)
    assert out["collection"] == "glove3k_txt" and out["count"] == 3000 and out["recall_at_10"] >= 0.95
    for word in ("king", "computer"):
        data = json.loads(cli(env, "neighbours", word, "--backend", "milvus", "--milvus-uri", env["db"],
                              "--json").stdout)
        exact = json.loads(cli(env, "neighbours", word, "--json").stdout)
        assert data["backend"]["name"] == "milvus" and "glove3k_txt" in data["backend"]["label"]
        assert top(data) == top(exact)
    calc = json.loads(cli(env, "calc", "king - man + woman", "--backend", "milvus", "--milvus-uri", env["db"],
                          "--json").stdout)
    assert calc["results"][0]["word"] == "queen" and "Milvus Lite" in calc["backend"]
    info = json.loads(cli(env, "index", "info", "--json").stdout)
    assert [d["collection"] for d in info["milvus"]] == ["glove3k_txt"]


@pytest.mark.parametrize("args, says", [
    (["neighbours", "king", "--backend", "milvus", "--milvus-uri", "http://127.0.0.1:1", "--timeout", "2"],
     "does not answer"),
    (["neighbours", "king", "--backend", "milvus", "--collection", "nothing_here"], "there is no collection"),
    (["index", "build", "--backend", "milvus", "--collection", "9 lives"], "not a valid collection name"),
    (["index", "build", "--backend", "exact"], "exact search needs no index"),
])
def test_problems_exit_2_with_one_line(env, args, says):
    r = cli(env, *args, ok=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
