"""core.inference.digit_images: pictures into MNIST form, and pictures that cannot be read."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.errors import FileFormatError, InputError
from core.inference.digit_images import MAX_PIXELS, prepare, read_gray, read_image


def test_a_blank_picture_is_an_input_error_not_a_division_by_zero():
    with pytest.raises(InputError, match="blank"):
        prepare(np.zeros((280, 280), np.float32))
    with pytest.raises(InputError, match="blank"):
        prepare(np.ones((50, 50), np.float32))  # all white: inverted, then blank


def test_a_single_dot_is_fitted_and_centred():
    pad = np.zeros((280, 280), np.float32)
    pad[30:50, 200:220] = 1.0  # one pen dot, far from the centre
    p = prepare(pad)
    assert p.image.shape == (28, 28) and not p.inverted and p.size == (280, 280)
    ys, xs = np.nonzero(p.image > 0.05)
    assert np.ptp(ys) + 1 <= 21 and np.ptp(xs) + 1 <= 21
    w = p.image / p.image.sum()
    assert abs((w.sum(1) * np.arange(28)).sum() - 13.5) < 1 and abs((w.sum(0) * np.arange(28)).sum() - 13.5) < 1


def test_dark_ink_on_light_paper_is_inverted_and_says_so(tmp_path):
    im = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(im).line([(300, 60), (300, 340)], fill="black", width=30)
    im.save(tmp_path / "one.jpg")
    p = read_image(tmp_path / "one.jpg")
    assert p.inverted and "inverted" in p.note
    assert p.image[0].max() == 0 and p.image.max() == pytest.approx(1.0, abs=0.02)


def test_a_28x28_dark_digit_is_used_as_it_is(tmp_path):
    a = np.zeros((28, 28), np.uint8)
    a[5:23, 13:15] = 255
    Image.fromarray(a, mode="L").save(tmp_path / "d.png")
    p = read_image(tmp_path / "d.png")
    np.testing.assert_array_equal(p.image, a / 255.0)
    assert p.note == "" and not p.inverted


def test_huge_pictures_are_refused_before_decoding(tmp_path):
    Image.new("L", (10_000, 10_000), 255).save(tmp_path / "huge.png")  # 100 megapixels, compresses to KBs
    with pytest.raises(FileFormatError, match=r"too large to read safely .*100000000 pixels.*at most 40 megapixels"):
        read_gray(tmp_path / "huge.png")
    side = int((MAX_PIXELS * 1.2) ** 0.5)
    Image.new("L", (side, side), 255).save(tmp_path / "big.png")
    with pytest.raises(FileFormatError, match=rf"{side:,} × {side:,} pixels; expected at most 40 megapixels"):
        read_gray(tmp_path / "big.png")


def test_a_large_jpeg_is_decoded_at_reduced_scale(tmp_path):
    Image.new("L", (8000, 6000), 255).save(tmp_path / "photo.jpg")
    assert read_gray(tmp_path / "photo.jpg").shape == (1500, 2000)


def test_files_that_are_no_pictures(tmp_path):
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(FileFormatError, match="not an image pillow can read"):
        read_gray(tmp_path / "text.png")
    Image.new("L", (200, 200), 128).save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="damaged|not an image"):
        read_gray(tmp_path / "cut.png")
    with pytest.raises(FileFormatError, match="not found"):
        read_gray(tmp_path / "missing.png")
