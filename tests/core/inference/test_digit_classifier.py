"""core.inference.digit_classifier against the built MNIST CNN and its held-out reference digits."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.errors import FileFormatError
from core.inference import registry
from core.inference.digit_classifier import DigitClassifier, load_png, to_mnist
from tests.models.helpers import built, reference

NAME = registry.DIGITS


@pytest.fixture(scope="module")
def clf() -> DigitClassifier:
    built(NAME)
    return registry.open(registry.DIGITS)


@pytest.fixture(scope="module")
def ref() -> dict:
    return reference(NAME)


def test_reference_activations_reproduced(clf, ref):
    acts = clf.activations(ref["images"])
    for k in ("pool2", "fc1", "relu3", "logits", "probs"):
        np.testing.assert_allclose(acts[k], ref[k], atol=1e-4, rtol=0, err_msg=k)


def test_every_layer_has_the_manifest_shape(clf, ref):
    acts = clf.activations(ref["images"][:3])
    shapes = clf.manifest["config"]["layer_shapes"]
    assert list(acts) == clf.layers
    for name, a in acts.items():
        assert list(a.shape) == [3, *shapes[name][1:]], name
    assert acts["fc1"].shape == (3, 500) and acts["logits"].shape == (3, 10)
    np.testing.assert_allclose(acts["probs"].sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(acts["relu3"], np.maximum(acts["fc1"], 0), atol=1e-6)


def test_heldout_accuracy_recorded_and_reference_digits_classified(clf, ref):
    assert clf.manifest["metrics"]["heldout_accuracy"] >= 0.95
    pred, probs = clf.predict(ref["images"])
    assert (pred == ref["labels"]).mean() >= 0.9
    assert probs.shape == (len(ref["labels"]), 10)


def _heldout_digit(clf, ref):
    ok = np.where(ref["probs"].argmax(1) == ref["labels"])[0]
    i = int(ok[0])
    return ref["images"][i], int(ref["labels"][i])


def test_png_of_heldout_digit_is_classified(clf, ref, tmp_path):
    img, label = _heldout_digit(clf, ref)
    path = tmp_path / "digit.png"
    Image.fromarray(np.round(img * 255).astype(np.uint8), mode="L").save(path)
    x = load_png(path)
    assert x.shape == (28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x, img, atol=1 / 255 + 1e-6)
    res = clf.classify(x)
    assert res.digit == label
    assert set(res.activations) == set(clf.layers) and res.activations["fc1"].shape == (500,)


def test_large_dark_on_light_picture_is_inverted_and_centred(clf, ref, tmp_path):
    img, label = _heldout_digit(clf, ref)
    big = Image.fromarray(np.round((1 - img) * 255).astype(np.uint8), mode="L").resize(
        (140, 140), Image.Resampling.BICUBIC
    )
    canvas = Image.new("RGB", (300, 200), (255, 255, 255))
    canvas.paste(big.convert("RGB"), (20, 30))  # off-centre, black ink on white
    path = tmp_path / "big.png"
    canvas.save(path)
    x = load_png(path)
    assert x.shape == (28, 28) and 0 <= x.min() and x.max() <= 1
    assert x[0].max() == 0 and x[:, 0].max() == 0  # background is black again
    ys, xs = np.nonzero(x > 0.05)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 <= 21  # fitted into the 20x20 box
    w = x / x.sum()
    cy, cx = (w.sum(1) * np.arange(28)).sum(), (w.sum(0) * np.arange(28)).sum()
    assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0  # centred by mass
    assert clf.classify(x).digit == label


def test_bad_inputs_raise_named_errors(clf, tmp_path):
    notpng = tmp_path / "x.png"
    notpng.write_bytes(b"not an image")
    with pytest.raises(FileFormatError, match="not an image"):
        load_png(notpng)
    with pytest.raises(FileFormatError, match="not found"):
        load_png(tmp_path / "missing.png")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    with pytest.raises(FileFormatError, match="blank"):
        load_png(blank)
    with pytest.raises(ValueError, match="28x28"):
        clf.activations(np.zeros((2, 27, 28)))
    with pytest.raises(ValueError, match="0..1"):
        clf.activations(np.full((28, 28), 255.0))
    with pytest.raises(ValueError):
        to_mnist(np.zeros(5))
