"""core.inference.tensor_forms: how a tensor is drawn, by its rank."""
from __future__ import annotations

import numpy as np
import pytest

from core.inference.tensor_forms import MAX_BARS, MAX_MAPS, form_of


def test_forms_by_rank():
    assert form_of("maps", np.ones((1, 20, 24, 24))).kind == "grid"
    f = form_of("maps", np.ones((1, 100, 4, 4)))
    assert f.data.shape == (MAX_MAPS, 4, 4) and f"first {MAX_MAPS} of 100" in f.note
    f = form_of("tokens", np.arange(8 * 384, dtype=np.float32).reshape(1, 8, 384))
    assert f.kind == "matrix" and f.data.shape == (8, 384) and f.shape == (1, 8, 384)
    assert form_of("logits", np.arange(10.0)[None]).kind == "bars"
    f = form_of("wide", np.random.default_rng(0).normal(size=(1, 500)))
    assert f.kind == "histogram" and f.data.sum() == 500 and len(f.edges) == len(f.data) + 1
    assert form_of("one", np.float32(3.0)).kind == "scalar"
    f = form_of("five", np.ones((2, 3, 4, 5, 6)))
    assert f.kind == "grid" and f.data.shape == (4, 5, 6) and "showing [0, 0, …]" in f.note
    assert form_of("n", np.ones(MAX_BARS + 1)).kind == "histogram"


def test_values_that_are_not_finite_or_not_numbers():
    f = form_of("x", np.array([1.0, np.nan, np.inf]))
    assert f.kind == "bars" and "2 values not finite" in f.note and np.isfinite(f.data).all()
    assert form_of("i", np.array([[1, 2], [3, 4]], np.int64)).data.dtype == np.float32
    with pytest.raises(ValueError, match="cannot be drawn"):
        form_of("s", np.array(["a", "b"]))
    f = form_of("flat", np.zeros(100))
    assert f.kind == "histogram" and f.data.sum() == 100
    assert "min 0" in f.describe()
