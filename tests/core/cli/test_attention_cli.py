"""`main.py attention`, `attribute` and `generate --ablate/--steer`: the JSON shapes the issue names,
the same text as the window's steering, and every bad input exits 2 with one line."""
from __future__ import annotations

import json

from core.inference import registry
from tests.models.helpers import built

from .conftest import run_main


def test_attention_json_shape(capsys):
    built(registry.ATTENTION)
    rc, out, _ = run_main(capsys, "attention", "The cat sat", "--json")
    data = json.loads(out)
    assert rc == 0 and data["tokens"] == ["<|endoftext|>", "The", "␣cat", "␣sat"]
    assert [layer["layer"] for layer in data["layers"]] == list(range(30))
    head = data["layers"][3]["heads"][8]
    assert head["head"] == 8 and len(head["weights"]) == 4 and all(len(r) == 4 for r in head["weights"])
    assert abs(sum(head["weights"][2]) - 1) < 1e-3 and head["weights"][0][1] == 0
    assert set(head["scores"]) == {"previous_token", "first_token", "induction"} and head["scores"]["induction"] is None
    rc, out, _ = run_main(capsys, "attention", "The cat sat", "--json", "--model", "minilm")
    data = json.loads(out)
    assert data["tokens"][0] == "[CLS]" and len(data["layers"]) == 6 and len(data["layers"][0]["heads"]) == 12


def test_attribute_and_generate_with_interventions(capsys):
    built(registry.ATTENTION)
    rc, out, _ = run_main(capsys, "attribute", "The capital of France is", "--target", "Paris", "--json")
    data = json.loads(out)
    assert rc == 0 and data["target"] == "␣Paris" and set(data["methods"]) == {"occlusion", "attention_x_value"}
    assert [t["token"] for t in data["tokens"]][-2:] == ["␣France", "␣is"]
    args = ("generate", "I feel so", "-n", "8", "--temperature", "0", "--json")
    plain = json.loads(run_main(capsys, *args)[1])["text"]
    steered = json.loads(run_main(capsys, *args, "--steer", "sad->happy", "--steer-layer", "8",
                                  "--steer-strength", "0.5")[1])["text"]
    zero = json.loads(run_main(capsys, *args, "--steer", "sad->happy", "--steer-strength", "0")[1])["text"]
    assert steered.startswith(" lucky") and steered != plain and zero == plain
    rc, out, _ = run_main(capsys, *args, "--ablate", "17.4,18.6")
    assert rc == 0 and json.loads(out)["steps"]


def test_bad_input_exits_2_with_one_line(capsys):
    built(registry.ATTENTION)
    for args, said in ((("generate", "Hi", "--ablate", "30.1"), "no head L30.H1"),
                       (("generate", "Hi", "--ablate", "x"), "LAYER.HEAD"),
                       (("generate", "Hi", "--steer", "sad->qqzzqq"), "vocabulary"),
                       (("generate", "Hi", "--steer", "sad->happy", "--steer-strength", "1e6"), "out of range"),
                       (("attribute", "Hello"), "at least two tokens"),
                       (("attention", "  "), "empty")):
        rc, out, err = run_main(capsys, *args)
        assert rc == 2 and said in err and err.count("\n") == 1, (args, err)
