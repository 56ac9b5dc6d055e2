"""Pictures into MNIST form: 28 x 28 float32 in 0..1, white digit on a black background, the
digit fitted into a 20 x 20 box and centred by its centre of mass (how the MNIST images were
made). No model here (no onnxruntime), so the Session and the panels can use it freely.

    prepare(gray)            # any grey picture -> PreparedDigit(image, inverted, size)
    read_image("seven.png")  # a file, its size checked before decoding
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, InputError

SIDE = 28
BOX = 20
MAX_PIXELS = 40_000_000  # larger pictures are refused before decoding (a 10,000 x 10,000 is 100 M)


@dataclass(frozen=True, eq=False)
class PreparedDigit:
    """A picture made ready for the network, and what was done to it."""

    image: np.ndarray  # (28, 28) float32 in 0..1, white digit on black
    inverted: bool = False  # a dark digit on a light background was turned around
    size: tuple[int, int] = (SIDE, SIDE)  # the picture's (width, height) before preparing

    @property
    def note(self) -> str:
        w, h = self.size
        text = f"{w}\u00d7{h} picture" if (w, h) != (SIDE, SIDE) else ""
        if self.inverted:
            text += (", " if text else "") + "dark on light: inverted"
        return text


def _border_level(a: np.ndarray) -> float:
    return float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))


def prepare(gray: np.ndarray) -> PreparedDigit:
    """Any grey picture (h, w) in 0..1 -> 28x28 MNIST form, saying whether it was inverted.

    Inverts a light background, crops to the ink, scales the longest side to
    20 px (aspect kept, anti-aliased) and places the result so its centre of mass
    sits at the centre of the 28x28 frame, as the MNIST images were made.
    A blank picture raises InputError (no division by zero on the way).
    """
    from PIL import Image

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or min(g.shape) < 2:
        raise InputError(f"expected a 2-D grey image, got shape {g.shape}")
    inverted = _border_level(g) > 0.5
    if inverted:
        g = 1.0 - g
    g = np.clip(g - _border_level(g), 0.0, None)
    if not g.size or g.max() <= 0.05:
        raise InputError("no digit found: the picture is blank")
    g = g / g.max()
    rows = np.where(g.max(1) > 0.05)[0]
    cols = np.where(g.max(0) > 0.05)[0]
    crop = g[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.Resampling.LANCZOS)
    small = np.asarray(img, dtype=np.float32) / 255.0
    total = float(small.sum())
    if total <= 0:  # a speck that vanished in the resampling
        raise InputError("no digit found: the picture is blank")
    cy = (small.sum(1) * np.arange(nh)).sum() / total
    cx = (small.sum(0) * np.arange(nw)).sum() / total
    top = int(np.clip(round(SIDE / 2 - 0.5 - cy), 0, SIDE - nh))
    left = int(np.clip(round(SIDE / 2 - 0.5 - cx), 0, SIDE - nw))
    out = np.zeros((SIDE, SIDE), np.float32)
    out[top : top + nh, left : left + nw] = small
    return PreparedDigit(np.clip(out, 0.0, 1.0), inverted, (int(g.shape[1]), int(g.shape[0])))


def to_mnist(gray: np.ndarray) -> np.ndarray:
    """Any grey picture (h, w) in 0..1 -> 28x28 MNIST form (see :func:`prepare`)."""
    return prepare(gray).image


def read_gray(path: str | Path) -> np.ndarray:
    """An image file as grey 0..1 (h, w), transparency over white. The size is read from the
    header and checked before anything is decoded: at most MAX_PIXELS (large JPEGs are decoded
    at a reduced scale); a file that is no image, or too large, is a FileFormatError."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise FileFormatError(path, f"the picture is too large to read safely ({str(exc).split(',')[0]})",
                              expected=f"at most {MAX_PIXELS // 1_000_000} megapixels") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise FileFormatError(path, f"not an image pillow can read ({exc})", expected="a PNG or JPEG image") from None
    with im:
        w, h = im.size
        if im.format == "JPEG":
            im.draft("L", (1024, 1024))  # decoded at 1/2 .. 1/8 scale where that still leaves 1024 px
        if im.size[0] * im.size[1] > MAX_PIXELS:
            raise FileFormatError(path, f"the picture is {w:,} \u00d7 {h:,} pixels",
                                  expected=f"at most {MAX_PIXELS // 1_000_000} megapixels")
        try:
            im.load()
            if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im.convert("RGBA"))
            return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
        except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged data
            raise FileFormatError(path, f"the image data is damaged ({exc})") from None


def read_image(path: str | Path, *, normalize: str = "auto") -> PreparedDigit:
    """Read an image file into MNIST form (see :func:`load_png` for ``normalize``)."""
    path = Path(path)
    gray = read_gray(path)
    already = gray.shape == (SIDE, SIDE) and np.median(np.concatenate([gray[0], gray[-1]])) < 0.5
    if normalize == "never" or (normalize == "auto" and already):
        if gray.shape != (SIDE, SIDE):
            raise FileFormatError(path, "image is not 28x28", expected="28x28",
                                  found=f"{gray.shape[1]}x{gray.shape[0]}")
        return PreparedDigit(gray.astype(np.float32))
    try:
        return prepare(gray)
    except InputError as exc:
        raise FileFormatError(path, str(exc)) from None


def load_png(path: str | Path, *, normalize: str = "auto") -> np.ndarray:
    """Read an image file (PNG, or anything pillow reads) into a 28x28 MNIST-style array.

    ``normalize``: ``"auto"`` keeps a picture that is already 28x28 with a dark
    background as it is and passes anything else through :func:`to_mnist`;
    ``"always"`` / ``"never"`` force the choice.
    """
    return read_image(path, normalize=normalize).image
