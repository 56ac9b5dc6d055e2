"""Layer activations of the MNIST digit CNN (ONNX), and reading a picture into MNIST form.

Images follow the MNIST convention: 28 x 28 float32 in 0..1, white digit on a
black background, the digit fitted into a 20 x 20 box and centred by its
centre of mass.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, InputError, ModelCorruptError
from ..progress import Job, Progress
from .model import OnnxModel
from .runtime import repair_hint

SIDE = 28
BOX = 20


@dataclass(frozen=True)
class Classification:
    digit: int
    probs: np.ndarray  # (10,)
    activations: dict[str, np.ndarray]  # layer -> activation for this one image (batch axis removed)


class DigitClassifier(OnnxModel):
    kind = "image-classifier"

    def __init__(self, model_dir: str | Path, manifest: dict, **runtime) -> None:
        super().__init__(model_dir, manifest, **runtime)
        if "logits" not in self.layer_names or "probs" not in self.layer_names:
            raise ModelCorruptError(f"{self.model_dir}/manifest.json: layers {self.layer_names} lack logits/probs; "
                                    f"{repair_hint(self.name)}")

    @property
    def layers(self) -> list[str]:
        return self.layer_names

    @staticmethod
    def as_batch(images: np.ndarray) -> np.ndarray:
        """(28,28), (n,28,28) or (n,1,28,28) -> (n,1,28,28) float32, checked to lie in 0..1."""
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.ndim == 3:
            x = x[:, None]
        if x.ndim != 4 or x.shape[1:] != (1, SIDE, SIDE):
            raise InputError(f"expected 28x28 images, got an array of shape {np.shape(images)}")
        if x.size and (x.min() < -1e-6 or x.max() > 1 + 1e-6):
            raise InputError(f"pixel values must lie in 0..1, found {x.min():.3g}..{x.max():.3g}")
        return np.ascontiguousarray(x)

    def activations(self, images: np.ndarray, layers: list[str] | None = None) -> dict[str, np.ndarray]:
        """Every (or the named) layer's output for a batch, each with a leading batch axis."""
        names = list(layers) if layers else self.layer_names
        return self.run(names, {"image": self.as_batch(images)})

    def predict(self, images: np.ndarray, *, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """Predicted digits (n,) and probabilities (n, 10)."""
        x = self.as_batch(images)
        probs = [self.activations(x[i : i + batch_size], ["probs"])["probs"] for i in range(0, len(x), batch_size)]
        p = np.concatenate(probs) if probs else np.zeros((0, 10), np.float32)
        return p.argmax(1), p

    def predict_job(self, images: np.ndarray, *, batch_size: int = 256) -> Job[tuple[np.ndarray, np.ndarray]]:
        """:meth:`predict` as a job with progress, for large sets."""
        x = self.as_batch(images)
        out = []
        for i in range(0, len(x), batch_size):
            out.append(self.activations(x[i : i + batch_size], ["probs"])["probs"])
            yield Progress(min(i + batch_size, len(x)) / len(x), f"classified {min(i + batch_size, len(x))}/{len(x)}")
        p = np.concatenate(out) if out else np.zeros((0, 10), np.float32)
        return p.argmax(1), p

    def classify(self, image: np.ndarray) -> Classification:
        """One image: the digit, its probabilities and every layer's activation."""
        acts = self.activations(image)
        one = {k: v[0] for k, v in acts.items()}
        return Classification(int(one["probs"].argmax()), one["probs"], one)


def to_mnist(gray: np.ndarray) -> np.ndarray:
    """Any grey picture (h, w) in 0..1 -> 28x28 MNIST form.

    Inverts a light background, crops to the ink, scales the longest side to
    20 px (aspect kept) and places the result so its centre of mass sits at the
    centre of the 28x28 frame, as the MNIST images were made.
    """
    from PIL import Image

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or min(g.shape) < 2:
        raise InputError(f"expected a 2-D grey image, got shape {g.shape}")
    def border_level(a: np.ndarray) -> float:
        return float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))

    if border_level(g) > 0.5:
        g = 1.0 - g
    g = np.clip(g - border_level(g), 0.0, None)
    if g.max() <= 0.05:
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
    total = small.sum()
    cy = (small.sum(1) * np.arange(nh)).sum() / total
    cx = (small.sum(0) * np.arange(nw)).sum() / total
    top = int(np.clip(round(SIDE / 2 - 0.5 - cy), 0, SIDE - nh))
    left = int(np.clip(round(SIDE / 2 - 0.5 - cx), 0, SIDE - nw))
    out = np.zeros((SIDE, SIDE), np.float32)
    out[top : top + nh, left : left + nw] = small
    return np.clip(out, 0.0, 1.0)


def load_png(path: str | Path, *, normalize: str = "auto") -> np.ndarray:
    """Read an image file (PNG, or anything pillow reads) into a 28x28 MNIST-style array.

    ``normalize``: ``"auto"`` keeps a picture that is already 28x28 with a dark
    background as it is and passes anything else through :func:`to_mnist`;
    ``"always"`` / ``"never"`` force the choice.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im.convert("RGBA"))
            gray = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise FileFormatError(path, "file not found") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise FileFormatError(path, f"not an image pillow can read ({exc})", expected="a PNG image") from None
    already = gray.shape == (SIDE, SIDE) and np.median(np.concatenate([gray[0], gray[-1]])) < 0.5
    if normalize == "never" or (normalize == "auto" and already):
        if gray.shape != (SIDE, SIDE):
            raise FileFormatError(path, "image is not 28x28", expected="28x28", found=f"{gray.shape[1]}x{gray.shape[0]}")
        return gray.astype(np.float32)
    try:
        return to_mnist(gray)
    except InputError as exc:
        raise FileFormatError(path, str(exc)) from None
