"""core.inference.digit_layers: every layer for one input, per-unit summaries, the digits that
excite a unit most."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.inference import registry
from core.inference.digit_layers import (
    SHOWN,
    DigitInput,
    digit_layers,
    prepared,
    summary,
    top_units,
    unit_scores,
    unit_table_job,
)
from core.inference.mnist import load_digits
from core.progress import run_sync
from tests.models.helpers import built


@pytest.fixture(scope="module")
def clf():
    built(registry.DIGITS)
    return registry.open(registry.DIGITS)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def seven(side: int = 280) -> np.ndarray:
    """A 7 drawn as two thick strokes on a black pad."""
    pad = np.zeros((side, side), np.float32)
    pad[60:80, 70:210] = 1.0  # the bar
    for y in range(80, 240):  # the slanted stem
        x = int(200 - (y - 80) * 0.5)
        pad[y, x - 10 : x + 10] = 1.0
    return pad


def test_every_shown_layer_for_a_heldout_digit_matches_classify(clf, digits):
    row = int(digits.heldout[3])
    src = DigitInput.mnist(digits, row)
    assert src.heldout and src.label == digits.labels[row] and "held-out digit" in src.title
    res = digit_layers(clf, src)
    assert res.ok and list(res.activations) == list(SHOWN)
    ref = clf.classify(digits.images[row])
    assert res.digit == ref.digit
    for k in SHOWN:
        np.testing.assert_allclose(res.activations[k], ref.activations[k], atol=1e-6)
    assert res.activations["relu1"].shape == (20, 24, 24) and res.activations["relu3"].shape == (500,)
    assert res.model_ms > 0 and res.image.shape == (28, 28)


def test_a_drawn_seven_is_prepared_and_read_as_seven(clf):
    res = digit_layers(clf, DigitInput.drawn(seven()))
    assert res.digit == 7 and res.probs[7] > 0.5
    assert res.note == "280×280 picture" and res.source.title == "your drawing"


def test_an_empty_pad_is_an_input_error(clf):
    with pytest.raises(InputError, match="blank"):
        prepared(DigitInput.drawn(np.zeros((280, 280))))


def test_units_and_summaries():
    maps = np.zeros((3, 4, 4), np.float32)
    maps[1, 2, 3] = 5.0
    maps[2, 0, 0] = 2.0
    np.testing.assert_array_equal(unit_scores(maps), [0, 5, 2])
    np.testing.assert_array_equal(unit_scores(np.stack([maps, maps]), batch=True), [[0, 5, 2]] * 2)
    s = summary(maps, top=2)
    assert s["shape"] == [3, 4, 4] and s["max"] == 5 and s["min"] == 0
    assert s["top"] == [{"unit": 1, "value": 5.0}, {"unit": 2, "value": 2.0}] and s["unit"].startswith("channel")
    assert summary(np.array([1.0, -2.0, 3.0]), top=1)["top"] == [{"unit": 2, "value": 3.0}]


def test_the_digits_exciting_a_logit_most_are_that_digit(clf, digits):
    images = digits.images[digits.heldout]
    table = run_sync(unit_table_job(clf, images))
    assert set(table) == set(SHOWN)
    assert table["relu1"].shape == (1000, 20) and table["relu3"].shape == (1000, 500)
    for d in (0, 3, 7):
        ex = top_units(table, "logits", d, digits.heldout, k=9)
        assert len(ex.rows) == 9 and np.all(np.diff(ex.values) <= 0)
        assert set(ex.rows) <= set(digits.heldout.tolist())
        assert (digits.labels[ex.rows] == d).all()
    ex = top_units(table, "relu2", 17, digits.heldout)
    np.testing.assert_allclose(ex.values[0], table["relu2"][:, 17].max())
