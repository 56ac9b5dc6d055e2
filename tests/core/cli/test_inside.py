"""lens, contextual and search on the command line (in process, through main.main(argv))."""
from __future__ import annotations

import json

import pytest

from core.inference import registry
from tests.models.helpers import built

from .conftest import run_main


def test_lens_json_has_every_layer_and_position_and_paris_at_the_end(capsys):
    built(registry.LANGUAGE_MODEL)
    rc, out, _ = run_main(capsys, "lens", "The capital of France is", "--json")
    assert rc == 0
    data = json.loads(out)
    assert len(data["layers"]) == 31 and all(len(layer["positions"]) == 6 for layer in data["layers"])
    assert data["layers"][30]["positions"][5]["top"] == "\u2423Paris"
    assert data["layers"][30]["positions"][5]["prob"] == pytest.approx(0.806, abs=0.01)
    final = data["final_token"]
    assert final["text"] == "\u2423Paris" and final["first_top_layer"] == 30 and final["rank_by_layer"][-1] == 1
    rc, out, _ = run_main(capsys, "lens", "The capital of France is")
    assert rc == 0 and "first on top at layer 30" in out and out.splitlines()[2].startswith("L30")


def test_contextual_json_gives_the_cosine_of_the_occurrences_per_layer(capsys):
    built(registry.LANGUAGE_MODEL)
    built(registry.ENCODER)
    rc, out, _ = run_main(capsys, "contextual", "bank", "I sat by the river bank.", "I paid at the bank.", "--json")
    assert rc == 0
    data = json.loads(out)
    smol, mini = data["models"]
    assert smol["model"] == "SmolLM2-135M" and len(smol["layers"]) == 31 and len(mini["layers"]) == 7
    assert smol["layers"][0]["cosine"][0][1] == pytest.approx(1.0, abs=1e-4)
    assert smol["layers"][15]["cosine"][0][1] < 0.95 and "causal" in smol["sees"]
    rc, out, _ = run_main(capsys, "contextual", "trouble", "--json")  # the preset sentences
    data = json.loads(out)
    assert rc == 0 and len(data["sentences"]) == 6 and "within_sense" in data["models"][0]


def test_bad_input_is_one_line(capsys, tmp_path):
    rc, _, err = run_main(capsys, "contextual", "bank", "No such word here.")
    assert rc == 2 and err.strip() == "error: “bank” is not in sentence 1: “No such word here.”"
    rc, _, err = run_main(capsys, "contextual", "ship")
    assert rc == 2 and "presets exist for bank, trouble" in err
    rc, _, err = run_main(capsys, "search", "lee", "  ")
    assert rc == 2 and "type a query" in err
    binary = tmp_path / "model.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    rc, _, err = run_main(capsys, "search", str(binary), "rivers")
    assert rc == 2 and "not text" in err


def test_search_json_lists_the_nearest_passages(capsys, tmp_path):
    built(registry.ENCODER)
    f = tmp_path / "notes.txt"
    f.write_text("The river burst its banks after the storm.\nShares fell on the stock market.\n"
                 "The cat slept on the warm windowsill.\n")
    rc, out, _ = run_main(capsys, "search", str(f), "flooding after heavy rain", "-k", "2", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["passages"] == 3 and not data["from_cache"] and len(data["hits"]) == 2
    assert data["hits"][0]["text"].startswith("The river burst") and data["hits"][0]["score"] > data["hits"][1]["score"]
    rc, out, _ = run_main(capsys, "search", str(f), "stocks", "--json")
    assert json.loads(out)["from_cache"] and json.loads(out)["hits"][0]["row"] == 1
