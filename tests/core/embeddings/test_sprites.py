"""Projector sprite sheets made of real MNIST digits: read beside a Projector TSV, from a config, and
refused with the file and both counts when the sheet does not fit the points."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from core.embeddings import loaders
from core.embeddings.loaders.common import LoadOptions
from core.embeddings.loaders.sprites import read_sprite
from core.errors import FileFormatError
from core.inference.mnist import load_digits
from core.progress import run_sync


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def write_set(folder, digits, n: int, sheet_n: int | None = None, cols: int | None = None) -> np.ndarray:
    """vectors.tsv (each digit's 7 x 7 mean-pooled pixels), metadata.tsv (labels) and sprite.png in the
    projector's grid (ceil(sqrt(sheet_n)) a row); the pictures written."""
    pics = digits.uint8(np.arange(sheet_n or n))
    vec = digits.images[:n].reshape(n, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(n, 49)
    (folder / "vectors.tsv").write_text("\n".join("\t".join(f"{v:.4f}" for v in row) for row in vec) + "\n")
    (folder / "metadata.tsv").write_text("\n".join(str(v) for v in digits.labels[:n]) + "\n")
    m = len(pics)
    cols = cols or math.ceil(math.sqrt(m))
    rows = math.ceil(m / cols)
    sheet = np.zeros((rows * 28, cols * 28), np.uint8)
    for i, p in enumerate(pics):
        r, c = divmod(i, cols)
        sheet[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28] = p
    Image.fromarray(sheet).save(folder / "sprite.png")
    return pics[:n]


def test_sprite_beside_the_tsv_gives_each_row_its_picture(tmp_path, digits):
    pics = write_set(tmp_path, digits, 300)
    es = run_sync(loaders.load(tmp_path / "vectors.tsv", use_cache=False))
    assert es.images is not None and es.images.shape == (300, 28, 28)
    assert np.array_equal(es.images, pics)
    assert es.words[0] == str(digits.labels[0])


def test_config_names_the_sprite_and_its_picture_size(tmp_path, digits):
    pics = write_set(tmp_path, digits, 120, cols=10)  # not the projector's square grid: singleImageDim says
    (tmp_path / "sprite.png").rename(tmp_path / "digits_sheet.png")
    (tmp_path / "projector_config.json").write_text(json.dumps({"embeddings": [{
        "tensorPath": "vectors.tsv", "metadataPath": "metadata.tsv",
        "sprite": {"imagePath": "digits_sheet.png", "singleImageDim": [28, 28]}}]}))
    es = run_sync(loaders.load(tmp_path / "vectors.tsv", use_cache=False))
    assert np.array_equal(es.images, pics)
    # given explicitly (the open dialog's companion) as well
    es = run_sync(loaders.load(tmp_path / "vectors.tsv", opts=LoadOptions(
        sprite_path=str(tmp_path / "digits_sheet.png"), sprite_dim=(28, 28)), use_cache=False))
    assert np.array_equal(es.images, pics)


def test_cached_open_still_reads_the_sprite(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    pics = write_set(tmp_path, digits, 50)
    for _ in range(2):
        es = run_sync(loaders.load(tmp_path / "vectors.tsv"))
        loaders.wait_for_cache_writes()
        assert np.array_equal(es.images, pics)


@pytest.mark.parametrize("points, sheet", [(90, 100), (100, 64)])
def test_a_sheet_that_does_not_fit_says_file_pictures_and_points(tmp_path, digits, points, sheet):
    write_set(tmp_path, digits, points, sheet_n=sheet, cols=10 if sheet == 100 else 8)
    with pytest.raises(FileFormatError) as e:
        run_sync(loaders.load(tmp_path / "vectors.tsv", opts=LoadOptions(sprite_dim=(28, 28)), use_cache=False))
    msg = str(e.value)
    assert "sprite.png" in msg and f"holds {sheet:,} pictures" in msg and f"{points:,} points" in msg


def test_not_an_image(tmp_path):
    bad = tmp_path / "sprite.png"
    bad.write_bytes(b"not a png at all")
    with pytest.raises(FileFormatError, match="sprite.png.*not an image"):
        read_sprite(bad, 4)


def test_colour_sheet_reads_rgba(tmp_path):
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:10, 10:] = (255, 0, 0)  # picture 1 of 4 (top right) red
    Image.fromarray(rgb).save(tmp_path / "s.png")
    out = read_sprite(tmp_path / "s.png", 4)
    assert out.shape == (4, 10, 10, 4) and (out[1, ..., 0] == 255).all() and (out[0, ..., 0] == 0).all()


def test_digit_image_set_carries_its_pictures(digits):
    from core.embeddings.embedding_set import EmbeddingSet
    es = EmbeddingSet(["a", "b"], np.ones((2, 3), np.float32), images=digits.uint8([0, 1]))
    assert es.images.shape == (2, 28, 28)
    with pytest.raises(ValueError, match="one per word"):
        es.set_images(digits.uint8([0, 1, 2]))
