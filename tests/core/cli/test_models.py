"""Model commands end to end on the built models (in process, through main.main(argv))."""
from __future__ import annotations

import argparse
import importlib
import json

import numpy as np
import pytest
from PIL import Image

from core.cli import COMMANDS
from core.inference import registry
from tests.models.helpers import built, cnn_with_outputs, copy_model, reference

from .conftest import run_main


def test_each_command_lives_in_the_module_named_after_it():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command")
    for name in COMMANDS:
        importlib.import_module(f"core.cli.{name}").add_subcommands(sub)
    assert set(sub.choices) - {"neighbors"} == set(COMMANDS)  # one command (or group) a module
    for argv in (["next", "x"], ["mask", "[MASK]"], ["encode", "a", "b"], ["digit", "x.png"], ["models", "verify"],
                 ["layers", "m.onnx"], ["index", "info"], ["search", "lee", "q"], ["train", "lee"], ["lens", "x"],
                 ["neighbours", "king"], ["calc", "a + b"], ["convert", "a", "b"], ["generate", "x"]):
        args = ap.parse_args(argv)
        assert callable(args.func) and args.func.__module__ == f"core.cli.{argv[0]}"


def test_next_json_ranks_time_first(capsys):
    built(registry.LANGUAGE_MODEL)
    rc, out, _ = run_main(capsys, "next", "Once upon a", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["model"] == "SmolLM2-135M"
    assert data["tokens"][0] == {"id": 0, "text": "<|endoftext|>"}
    assert data["next"][0]["text"] == " time"
    assert data["next"][0]["prob"] == pytest.approx(0.347, abs=0.02)
    rc, out, _ = run_main(capsys, "next", "Once upon a", "-k", "2", "--temperature", "0.8", "--json")
    probs = [n["prob"] for n in json.loads(out)["next"]]
    assert len(probs) == 2 and sum(probs) == pytest.approx(1.0, abs=1e-5)


def test_next_with_unavailable_provider_prints_notice(capsys):
    built(registry.LANGUAGE_MODEL)
    rc, out, err = run_main(capsys, "next", "Hello", "--provider", "CUDAExecutionProvider", "--show", "3")
    assert rc == 0
    if "CUDAExecutionProvider" not in registry.open(registry.LANGUAGE_MODEL).provider:
        assert "notice: CUDAExecutionProvider is not available" in err
        assert "on CPUExecutionProvider" in out


def test_mask_json(capsys):
    built(registry.LANGUAGE_MODEL)
    rc, out, _ = run_main(capsys, "mask", "The [MASK] sat on the throne.", "--json")
    assert rc == 0
    data = json.loads(out)
    top3 = {f["word"].lower() for f in data["fills"][:3]}
    assert {"king", "queen"} <= top3
    assert "BERT" in data["method"]


def test_mask_without_mask_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EMBEDDING_EXPLORER_DATA", str(tmp_path))  # no model there: none is opened first
    rc, out, err = run_main(capsys, "mask", "no gap here")
    assert rc == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "[MASK]" in err


def test_encode_json(capsys):
    built(registry.ENCODER)
    rc, out, _ = run_main(capsys, "encode", "A man plays guitar.", "Someone plays an instrument.", "Stocks fell.",
                          "--json")
    assert rc == 0
    data = json.loads(out)
    sim = np.array(data["cosine_similarity"])
    assert sim.shape == (3, 3) and sim[0, 1] > sim[0, 2]
    assert len(data["sentences"][0]["vector"]) == 384
    assert data["sentences"][0]["tokens"][0] == "[CLS]"


def test_digit_classifies_heldout_png(capsys, tmp_path):
    ref = reference(registry.DIGITS)
    i = int(np.where(ref["probs"].argmax(1) == ref["labels"])[0][0])
    path = tmp_path / "heldout.png"
    Image.fromarray(np.round(ref["images"][i] * 255).astype(np.uint8), mode="L").save(path)
    rc, out, _ = run_main(capsys, "digit", str(path), "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["digit"] == int(ref["labels"][i])
    assert data["layers"]["fc1"] == [500] and data["layers"]["logits"] == [10]
    rc, out, err = run_main(capsys, "digit", str(tmp_path / "nope.png"))
    assert rc == 2 and "not found" in err


def test_digit_layers_json_summarises_every_layer(capsys, tmp_path):
    ref = reference(registry.DIGITS)
    path = tmp_path / "heldout.png"
    Image.fromarray(np.round(ref["images"][0] * 255).astype(np.uint8), mode="L").save(path)
    rc, out, _ = run_main(capsys, "digit", str(path), "--layers", "--json")
    assert rc == 0
    data = json.loads(out)
    layers = data["layers"]
    assert list(layers) == registry.manifest(registry.DIGITS)["layers"]
    relu1 = layers["relu1"]
    assert relu1["shape"] == [20, 24, 24] and relu1["min"] == 0 and relu1["max"] >= relu1["mean"] > 0
    assert len(relu1["top"]) == 5 and relu1["top"][0]["value"] == relu1["max"]
    assert layers["probs"]["top"][0]["unit"] == data["digit"] == int(ref["labels"][0])
    assert data["logits"][data["digit"]] == max(data["logits"])
    rc, out, _ = run_main(capsys, "digit", str(path), "--layers")
    assert rc == 0 and "layer relu2" in out and "top" in out


def test_layers_lists_the_tensors_of_any_onnx_model(capsys, tmp_path):
    path = cnn_with_outputs(tmp_path)
    rc, out, _ = run_main(capsys, "layers", str(path), "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["outputs"] == ["probs"]
    assert data["inputs"] == [{"name": "image", "dtype": "float32", "shape": ["batch", 1, 28, 28], "kind": "image",
                               "problem": None}]
    assert [t["op"] for t in data["tensors"]][:3] == ["Conv", "Relu", "MaxPool"]
    assert data["tensors"][1]["shape"] == ["batch", 20, 24, 24]
    rc, out, _ = run_main(capsys, "layers", str(path))
    assert rc == 0 and "11 tensors" in out and "MaxPool" in out
    (tmp_path / "x.onnx").write_text("not a model")
    rc, out, err = run_main(capsys, "layers", str(tmp_path / "x.onnx"))
    assert rc == 2 and out == "" and "not a readable ONNX model" in err and err.count("\n") == 1


def test_models_list_and_verify(capsys):
    built(registry.DIGITS)
    rc, out, _ = run_main(capsys, "models", "list")
    assert rc == 0 and "mnist-cnn" in out and "SmolLM2-135M" in out
    rc, out, _ = run_main(capsys, "models", "verify", "--only", "mnist-cnn")
    assert rc == 0 and "mnist-cnn: ok" in out and "model.onnx: sha256" in out


def test_verify_detects_corruption_and_missing_models(capsys, tmp_path, monkeypatch):
    d = copy_model(registry.DIGITS, tmp_path / "models")
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    data = bytearray((d / "model.onnx").read_bytes())
    data[100] ^= 0x01
    (d / "model.onnx").write_bytes(bytes(data))
    rc, out, err = run_main(capsys, "models", "verify", "--only", "mnist-cnn")
    assert rc == 2 and "sha256 does not match" in err and "python main.py models build" in err
    rc, out, err = run_main(capsys, "next", "Once upon a")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "python main.py models build --only smollm2-135m" in err


def test_generate_is_seeded_and_greedy_follows_the_top_token(capsys):
    built(registry.LANGUAGE_MODEL)
    rc, out, _ = run_main(capsys, "generate", "Once upon a", "-n", "8", "--seed", "3", "--json")
    assert rc == 0
    first = json.loads(out)
    assert first["model"] == "SmolLM2-135M" and first["seed"] == 3 and len(first["steps"]) <= 8
    assert all({"id", "text", "prob", "model_prob", "rank"} <= set(s) for s in first["steps"])
    assert first["text"] == "".join(s["text"] for s in first["steps"])
    _, out, _ = run_main(capsys, "generate", "Once upon a", "-n", "8", "--seed", "3", "--json")
    assert json.loads(out)["text"] == first["text"]
    _, out, _ = run_main(capsys, "generate", "Once upon a", "-n", "6", "--temperature", "0", "--json")
    greedy = json.loads(out)
    assert all(s["rank"] == 1 and s["prob"] == 1.0 for s in greedy["steps"])
    # the same as taking the top token of `next` again and again
    text = "Once upon a"
    for step in greedy["steps"]:
        _, out, _ = run_main(capsys, "next", text, "--precision", greedy["precision"], "--show", "1", "--json")
        top = json.loads(out)["next"][0]
        assert top["id"] == step["id"]
        text += top["text"]
    assert text == "Once upon a" + greedy["text"]


def test_generate_reads_an_optimum_folder_and_names_a_bad_one(capsys, tiny_decoder, tmp_path):
    rc, out, _ = run_main(capsys, "generate", "Once upon", "-n", "4", "--model", tiny_decoder("past"), "--no-stop",
                          "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["model"].endswith("(gpt2)") and len(data["steps"]) == 4
    rc, _, err = run_main(capsys, "generate", "x", "--model", str(tmp_path))
    assert rc == 2 and "no tokenizer.json" in err and "expected" in err
