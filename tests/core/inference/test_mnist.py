"""core.inference.mnist: the 5,000 real digits and the digit CNN's held-out split."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from core.errors import FileFormatError
from core.inference import mnist, registry
from tests.models.helpers import reference


@pytest.fixture(scope="module")
def digits():
    return mnist.load_digits()


def test_five_thousand_digits_and_the_builds_heldout_split(digits):
    assert digits.images.shape == (5000, 28, 28) and digits.images.dtype == np.float32
    assert 0 <= digits.images.min() and digits.images.max() <= 1
    assert np.bincount(digits.labels).tolist() == [500] * 10
    assert len(digits.heldout) == 1000 and len(digits.train) == 4000
    assert not set(digits.heldout) & set(digits.train)
    assert np.bincount(digits.labels[digits.heldout]).tolist() == [100] * 10  # stratified
    ref = reference(registry.DIGITS)  # the build recorded its first held-out rows and their pixels
    np.testing.assert_array_equal(digits.heldout[: len(ref["heldout_rows"])], ref["heldout_rows"])
    np.testing.assert_array_equal(digits.images[ref["heldout_rows"]], ref["images"])
    np.testing.assert_array_equal(digits.labels[ref["heldout_rows"]], ref["labels"])
    assert not digits.images.flags.writeable and mnist.load_digits() is digits
    assert digits.uint8([0]).dtype == np.uint8


def test_the_split_is_cached_and_a_damaged_cache_is_recomputed(digits):
    cached = list((mnist.cache_dir() / "mnist").glob("heldout-*.npy"))
    assert len(cached) == 1
    cached[0].write_bytes(b"damaged")
    train, held = mnist.split(digits.labels)
    np.testing.assert_array_equal(held, digits.heldout)
    np.testing.assert_array_equal(np.load(cached[0]), digits.heldout)


def test_malformed_files_say_what_is_wrong(tmp_path):
    bad = tmp_path / "digits.csv.gz"
    with gzip.open(bad, "wt") as f:
        f.write(",".join(["0"] * 785) + "\n" + ",".join(["0"] * 10) + "\n")
    with pytest.raises(FileFormatError, match="not the MNIST CSV"):
        mnist.parse(bad)
    with gzip.open(bad, "wt") as f:
        f.write(",".join(["0"] * 100) + "\n")
    with pytest.raises(FileFormatError, match="wrong number of values per line; expected 785, found '100'"):
        mnist.parse(bad)
    with gzip.open(bad, "wt") as f:
        f.write(",".join(["300"] * 784 + ["1"]) + "\n")
    with pytest.raises(FileFormatError, match="0..255"):
        mnist.parse(bad)
    with gzip.open(bad, "wt") as f:
        f.write(",".join(["3"] * 784 + ["12"]) + "\n")
    with pytest.raises(FileFormatError, match="labels"):
        mnist.parse(bad)
