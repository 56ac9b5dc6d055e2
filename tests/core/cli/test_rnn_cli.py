"""`main.py rnn TEXT`: per token the token, its top-5 next words and the state's norm; --states adds
the vectors; an empty text or one of unknown words exits 2 with one line."""
from __future__ import annotations

import json

import numpy as np

from core.inference import registry
from tests.models.helpers import built

from .conftest import run_main


def test_rnn_json_shape(capsys):
    built(registry.RNN)
    rc, out, _ = run_main(capsys, "rnn", "let's eat, Charles", "--json")
    assert rc == 0
    data = json.loads(out)
    assert [t["token"] for t in data["tokens"]] == ["let's", "eat", ",", "charles"]
    for t in data["tokens"]:
        assert set(t) == {"token", "known", "norm", "next"} and len(t["next"]) == 5 and t["norm"] > 0
        probs = [n["prob"] for n in t["next"]]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    rc, out, _ = run_main(capsys, "rnn", "the united", "--json", "--states")
    data = json.loads(out)
    states = np.array([t["state"] for t in data["tokens"]])
    assert states.shape == (2, data["hidden_size"])
    assert np.allclose(np.linalg.norm(states, axis=1), [t["norm"] for t in data["tokens"]], atol=1e-3)
    rc, out, _ = run_main(capsys, "rnn", "the united")
    assert rc == 0 and out.splitlines()[2].startswith("united") and "next:" in out


def test_rnn_bad_input_exits_2_with_one_line(capsys):
    built(registry.RNN)
    rc, out, err = run_main(capsys, "rnn", "   ")
    assert rc == 2 and out == "" and "empty" in err and err.count("\n") == 1
    rc, out, err = run_main(capsys, "rnn", "qqzzx vvqqz", "--json")
    assert rc == 2 and "<unk>" in err and "'qqzzx'" in err


def test_search_with_the_grus_states(capsys):
    built(registry.RNN)
    query = "Boucher was dismissed without scoring, the third batsman of the innings to make a duck."
    rc, out, _ = run_main(capsys, "search", "lee", query, "--encoder", "gru-mean", "-k", "3", "--json")
    data = json.loads(out)
    assert rc == 0 and data["passages"] == 2680 and data["model"] == "GRU language model (mean state, centred)"
    assert len(data["hits"]) == 3 and data["hits"][0]["score"] >= data["hits"][1]["score"]
