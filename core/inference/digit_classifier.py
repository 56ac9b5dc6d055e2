"""Layer activations of the MNIST digit CNN (ONNX).

Images follow the MNIST convention: 28 x 28 float32 in 0..1, white digit on a
black background, the digit fitted into a 20 x 20 box and centred by its
centre of mass (see digit_images, re-exported here: to_mnist, load_png, read_image).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelCorruptError
from ..progress import Job, Progress
from .digit_images import SIDE, PreparedDigit, load_png, prepare, read_gray, read_image, to_mnist
from .model import OnnxModel
from .runtime import repair_hint

__all__ = ["Classification", "DigitClassifier", "PreparedDigit", "SIDE", "load_png", "prepare", "read_gray",
           "read_image", "to_mnist"]


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
