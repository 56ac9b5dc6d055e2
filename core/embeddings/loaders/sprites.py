"""Projector sprite sheets: one picture per point, as TensorFlow's Embedding Projector reads them
(Qt-free; Pillow reads the image).

A sprite sheet is one image holding every point's picture in a grid, row after row from the top left,
each ``singleImageDim`` = [width, height] pixels (the projector's config; ``sprite.imagePath`` names the
image). The projector makes the grid ceil(sqrt(n)) pictures wide; any width is read here, but the
sheet must hold the points' pictures and no whole row more (a sheet made for another set).

    images = read_sprite("sprite.png", n=5000, dim=(28, 28))   # (5000, 28, 28) uint8
    sheet = sprite_of(vectors_path, opts)                        # from the options or a config beside it
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import FileFormatError

CONFIGS = ("projector_config.json", "projector_config.pbtxt")
MAX_PIXELS = 20_000 * 20_000  # a larger sheet is refused before it is decoded


@dataclass(frozen=True)
class SpriteSheet:
    path: str
    dim: tuple[int, int] | None  # (width, height) of one picture; None: the projector's square grid


def read_sprite(path: str | Path, n: int, dim: tuple[int, int] | None = None, *, limited: bool = False) -> np.ndarray:
    """The first `n` pictures of a sheet, (n, h, w) grey or (n, h, w, 4) RGBA uint8. `dim` (width, height)
    defaults to the projector's grid: ceil(sqrt(n)) pictures a row, square unless the sheet is a square
    grid. With `limited` (only the first n rows of the set were read) the sheet may hold more."""
    from PIL import Image, UnidentifiedImageError

    path = str(path)
    try:
        with Image.open(path) as im:
            W, H = im.size
            if W * H > MAX_PIXELS:
                raise FileFormatError(path, f"the sprite sheet is {W:,} × {H:,} pixels, too large",
                                      expected=f"at most {MAX_PIXELS:,} pixels")
            grey = im.mode in ("1", "L", "LA", "I", "I;16", "F")
            pixels = np.asarray(im.convert("L" if grey else "RGBA"))
    except FileNotFoundError:
        raise FileFormatError(path, "the sprite sheet is missing", expected="a PNG or JPEG image") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise FileFormatError(path, f"not an image Pillow can read ({exc})", expected="a PNG or JPEG image") from None
    side = max(1, math.ceil(math.sqrt(n)))
    if dim is not None:
        w, h = dim
    else:  # the projector's grid: ceil(sqrt(n)) pictures a row, square ones unless the height says otherwise
        w = W // side
        h = w if w and H % w == 0 else H // side
    if w <= 0 or h <= 0 or W % w or H % h:
        raise FileFormatError(path, f"a {W:,} × {H:,} sheet is no grid of {w} × {h} pictures"
                              + ("" if dim else f" for {n:,} points"),
                              expected="singleImageDim that divides the sheet's width and height" if dim else
                              f"the projector's grid for {n:,} points, {side} pictures a row "
                              "(or give singleImageDim: the size of one picture)")
    cols, rows = W // w, H // h
    holds = cols * rows
    if holds < n or (not limited and math.ceil(n / cols) < rows):
        raise FileFormatError(path, f"the sprite sheet holds {holds:,} pictures of {w} × {h} ({cols} × {rows}) "
                              f"but there are {n:,} points",
                              expected=f"one picture per point: {math.ceil(n / cols)} rows of {cols} for {n:,} points")
    grid = pixels[: rows * h, : cols * w].reshape(rows, h, cols, w, *pixels.shape[2:])
    grid = np.swapaxes(grid, 1, 2).reshape(holds, h, w, *pixels.shape[2:])
    return np.ascontiguousarray(grid[:n])


def read_config(path: str | Path) -> SpriteSheet | None:
    """The sprite of a projector config (JSON, as the standalone projector reads it, or TensorBoard's
    pbtxt): its image (relative to the config) and singleImageDim; None when it names none."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(str(path), f"cannot be read ({exc})", expected="a projector config") from None
    if path.suffix == ".json":
        try:
            cfg = json.loads(text)
            sprite = next((e["sprite"] for e in cfg.get("embeddings", []) if e.get("sprite")), None)
            if sprite is None:
                return None
            image, dim = sprite["imagePath"], sprite.get("singleImageDim")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise FileFormatError(str(path), f"not a projector config ({exc})",
                                  expected='{"embeddings": [{"sprite": {"imagePath": …, "singleImageDim": [w, h]}}]}'
                                  ) from None
    else:
        m = re.search(r'image_path\s*:\s*"([^"]+)"', text)
        if m is None:
            return None
        image = m.group(1)
        dim = [int(v) for v in re.findall(r"single_image_dim\s*:\s*(\d+)", text)] or None
    if dim is not None and (len(dim) != 2 or not all(isinstance(v, int) and v > 0 for v in dim)):
        raise FileFormatError(str(path), f"singleImageDim is {dim!r}", expected="[width, height] in pixels")
    return SpriteSheet(str(path.parent / image), tuple(dim) if dim else None)


def sprite_of(vectors_path: str, sprite_path: str | None, dim: tuple[int, int] | None) -> SpriteSheet | None:
    """The sprite sheet to read for a Projector TSV: the one given (an image or a projector config),
    else a projector config beside the vectors that names one, else ``sprite.png`` beside them."""
    if sprite_path:
        if Path(sprite_path).suffix in (".json", ".pbtxt"):
            sheet = read_config(sprite_path)
            if sheet is None:
                raise FileFormatError(sprite_path, "the config names no sprite", expected="sprite.imagePath")
            return SpriteSheet(sheet.path, dim or sheet.dim)
        return SpriteSheet(sprite_path, dim)
    folder = Path(vectors_path).parent
    for name in CONFIGS:
        if (folder / name).is_file():
            sheet = read_config(folder / name)
            if sheet is not None:
                return sheet
    return SpriteSheet(str(folder / "sprite.png"), dim) if (folder / "sprite.png").is_file() else None
