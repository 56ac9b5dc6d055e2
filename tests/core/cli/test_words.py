"""The command line, run as a user would (a subprocess), JSON parsed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from .conftest import cli


def test_neighbours_json():
    data = json.loads(cli("neighbours", "king", "--json").stdout)
    top5 = [n["word"] for n in data["neighbours"][:5]]
    assert "prince" in top5 and "queen" in top5
    assert data["neighbours"][0]["score"] == pytest.approx(0.8236, abs=1e-4)


def test_neighbours_case_note_and_metric():
    data = json.loads(cli("neighbours", "King", "--metric", "euclid", "-k", "3", "--json").stdout)
    assert data["notes"] == ["showing king for King"] and data["metric"] == "euclid"


def test_calc_text_output():
    out = cli("calc", "king - man + woman").stdout.splitlines()
    assert "queen" in out[1] and "0.852" in out[1]


def test_calc_cosmul_analogy_json():
    data = json.loads(cli("calc", "man:king::woman:?", "--cosmul", "--json").stdout)
    assert data["results"][0]["word"] == "queen" and data["method"] == "3CosMul"


def test_errors_exit_2_with_one_clear_line():
    r = cli("neighbours", "kingg", ok=False)
    assert r.returncode == 2 and "unknown word 'kingg'" in r.stderr and "king" in r.stderr
    r = cli("calc", "king - - man", ok=False)
    assert r.returncode == 2 and "column 8" in r.stderr


def test_evaluate_analogies_json():
    data = json.loads(cli("evaluate", "analogies", "--restrict", "30000", "--json").stdout)
    assert data["accuracy"] == pytest.approx(0.4969, abs=5e-5) and data["questions"] == 14877


def test_evaluate_pairs():
    assert "Spearman 0.5033" in cli("evaluate", "ws353").stdout
    assert json.loads(cli("evaluate", "simlex", "--json").stdout)["spearman"] == pytest.approx(0.263, abs=5e-4)


def test_convert_round_trip_and_embeddings_option(tmp_path):
    src = tmp_path / "tiny.txt"
    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta"]
    src.write_text("".join(w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=3)) + "\n" for w in words))
    data = json.loads(cli("convert", str(src), str(tmp_path / "out" / "vectors.tsv"), "--json").stdout)
    assert data["words"] == 4 and data["format"] == "projector-tsv"
    cli("convert", str(tmp_path / "out" / "vectors.tsv"), str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text().splitlines()[0] == "4 3"
    data = json.loads(cli("convert", str(src), str(tmp_path / "v"), "--format", "fasttext-vec", "--json").stdout)
    assert data["format"] == "fasttext-vec" and (tmp_path / "v").read_text().splitlines()[0] == "4 3"
    data = json.loads(cli("neighbours", "alpha", "-k", "2", "--embeddings", str(tmp_path / "back.txt"),
                          "--json").stdout)
    assert len(data["neighbours"]) == 2 and data["embeddings"] == "back.txt"


def test_malformed_embeddings_file_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1 x\n")
    r = cli("neighbours", "a", "--embeddings", str(bad), ok=False)
    assert r.returncode == 2 and "bad.txt, line 2" in r.stderr


def test_convert_writes_compressed_output_and_member_chooses_inside_a_zip(tmp_path):
    import zipfile

    src = tmp_path / "tiny.txt"
    rng = np.random.default_rng(1)
    words = ["alpha", "beta", "gamma", "delta"]
    src.write_text("".join(w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=3)) + "\n" for w in words))
    cli("convert", str(src), str(tmp_path / "out.txt.gz"))
    cli("convert", str(tmp_path / "out.txt.gz"), str(tmp_path / "v.tsv.bz2"))
    assert (tmp_path / "out.txt.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "v.tsv.bz2").read_bytes()[:3] == b"BZh"
    assert (tmp_path / "metadata.tsv.bz2").read_bytes()[:3] == b"BZh"
    cli("convert", str(tmp_path / "v.tsv.bz2"), str(tmp_path / "back.vec.xz"), "--metadata",
        str(tmp_path / "metadata.tsv.bz2"))
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.write(src, "tiny.txt")
        zf.write(tmp_path / "back.vec.xz", "back.vec.xz")
    r = cli("neighbours", "alpha", "--embeddings", str(tmp_path / "two.zip"), ok=False)
    assert r.returncode == 2 and "holds 2 embedding files: tiny.txt, back.vec.xz" in r.stderr
    assert "--member NAME" in r.stderr
    a = json.loads(cli("neighbours", "alpha", "-k", "3", "--embeddings", str(tmp_path / "two.zip"),
                       "--member", "back.vec.xz", "--json").stdout)
    b = json.loads(cli("neighbours", "alpha", "-k", "3", "--embeddings", str(src), "--json").stdout)
    assert a["neighbours"] == b["neighbours"] and a["embeddings"] == "back.vec.xz"
