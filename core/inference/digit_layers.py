"""Every layer of the digit CNN for one picture, per-unit summaries, and the held-out digits that
excite a unit most (Qt-free).

    source = DigitInput.drawn(pad_pixels)               # or .mnist(digits, row), .file(path)
    result = digit_layers(clf, source)                  # DigitLayers: input, every layer, the digit
    result.digit, result.activations["relu2"].shape     # 7, (50, 8, 8)
    table = run_sync(unit_table_job(clf, images))       # per layer: (n, units) for ranking digits
    top_units(table, "relu2", 17, k=9)                  # the 9 digits that excite channel 17 most

A *unit* is a channel of a feature map (scored by its largest value anywhere in the map),
a neuron of a dense layer, or a class of the logits and probabilities.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..progress import Job, Progress
from .digit_images import PreparedDigit, prepare, read_image
from .mnist import Digits

if TYPE_CHECKING:  # the model (and onnxruntime) is imported by whoever opens it
    from .digit_classifier import DigitClassifier

SHOWN = ("relu1", "pool1", "relu2", "pool2", "relu3", "logits", "probs")  # what the panels draw
LAYER_TITLES = {
    "relu1": "conv1 after ReLU", "pool1": "conv1 pooled", "relu2": "conv2 after ReLU", "pool2": "conv2 pooled",
    "relu3": "dense 500 after ReLU", "logits": "logits (before softmax)", "probs": "probabilities (after softmax)",
}


@dataclass(frozen=True, eq=False)
class DigitInput:
    """What goes into the network: a drawing on the pad, one of the MNIST digits, or an image file."""

    kind: str  # "drawn" | "mnist" | "file"
    pixels: np.ndarray | None = None  # drawn: the pad (h, w) in 0..1, white on black; mnist: (28, 28)
    path: str = ""  # file
    row: int = -1  # mnist: the row among the 5,000 digits
    label: int = -1  # mnist: its true label
    heldout: bool = False  # mnist: one of the 1,000 the network never trained on

    @classmethod
    def drawn(cls, pixels: np.ndarray) -> DigitInput:
        return cls("drawn", np.asarray(pixels, np.float32))

    @classmethod
    def mnist(cls, digits: Digits, row: int) -> DigitInput:
        row = int(row)
        held = bool(np.isin(row, digits.heldout))
        return cls("mnist", digits.images[row], row=row, label=int(digits.labels[row]), heldout=held)

    @classmethod
    def file(cls, path: str | Path) -> DigitInput:
        return cls("file", path=str(path))

    @property
    def title(self) -> str:
        if self.kind == "mnist":
            return f"{'held-out' if self.heldout else 'training'} digit #{self.row} (a {self.label})"
        if self.kind == "file":
            return Path(self.path).name
        return "your drawing"


@dataclass(frozen=True, eq=False)
class DigitLayers:
    """The network's view of one input: its 28x28 image and every layer (batch axis removed)."""

    source: DigitInput
    image: np.ndarray | None = None  # (28, 28) what the network got
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    note: str = ""  # how the picture was prepared ("dark on light: inverted", ...)
    error: str = ""  # an expected problem (a blank picture, an unreadable file); nothing else is set
    model_ms: float = 0.0  # time in the network itself

    @property
    def ok(self) -> bool:
        return not self.error and "probs" in self.activations

    @property
    def probs(self) -> np.ndarray:
        return self.activations["probs"]

    @property
    def logits(self) -> np.ndarray:
        return self.activations["logits"]

    @property
    def digit(self) -> int:
        return int(self.probs.argmax())


def prepared(source: DigitInput) -> PreparedDigit:
    """The 28x28 picture for an input (InputError / FileFormatError for a blank or unreadable one)."""
    if source.kind == "mnist":
        return PreparedDigit(np.asarray(source.pixels, np.float32))
    if source.kind == "file":
        return read_image(source.path)
    return prepare(source.pixels)


def digit_layers(clf: DigitClassifier, source: DigitInput, layers: tuple[str, ...] = SHOWN) -> DigitLayers:
    """Prepare the input and run every layer once."""
    p = prepared(source)
    t0 = time.perf_counter()
    acts = clf.activations(p.image, list(layers))
    ms = (time.perf_counter() - t0) * 1000
    return DigitLayers(source, p.image, {k: v[0] for k, v in acts.items()}, p.note, model_ms=ms)


# -- units ------------------------------------------------------------------------------------
def unit_scores(act: np.ndarray, batch: bool = False) -> np.ndarray:
    """One score per unit: a feature map's largest value per channel, a vector as it is.
    ``batch=True``: the first axis is the batch, (n, C, H, W) -> (n, C)."""
    a = np.asarray(act, np.float32)
    spatial = a.ndim - (1 if batch else 0) >= 3
    if not spatial:
        return a
    return a.reshape(*a.shape[: a.ndim - 2], -1).max(axis=-1)


def summary(act: np.ndarray, top: int = 5) -> dict:
    """Shape, min, max, mean and the top units of one layer (one picture, no batch axis)."""
    a = np.asarray(act, np.float32)
    s = unit_scores(a)
    order = np.argsort(-s, kind="stable")[:top]
    return {
        "shape": list(a.shape),
        "min": round(float(a.min()), 6), "max": round(float(a.max()), 6), "mean": round(float(a.mean()), 6),
        "unit": "channel (its largest value)" if a.ndim >= 3 else "unit",
        "top": [{"unit": int(i), "value": round(float(s[i]), 6)} for i in order],
    }


def unit_table_job(clf: DigitClassifier, images: np.ndarray, layers: tuple[str, ...] = SHOWN,
                   batch: int = 250) -> Job[dict[str, np.ndarray]]:
    """Per layer, (n, units) scores of every image (the held-out digits): what ranks them per unit."""
    n = len(images)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in layers}
    for s in range(0, n, batch):
        acts = clf.activations(images[s : s + batch], list(layers))
        for k in layers:
            parts[k].append(unit_scores(acts[k], batch=True))
        yield Progress(min(n, s + batch) / max(n, 1), f"units of {min(n, s + batch):,}/{n:,} held-out digits")
    return {k: np.concatenate(v) if v else np.zeros((0, 0), np.float32) for k, v in parts.items()}


@dataclass(frozen=True, eq=False)
class Exciting:
    """The digits that excite one unit most."""

    layer: str
    unit: int
    rows: np.ndarray  # rows among the 5,000 digits, strongest first
    values: np.ndarray  # the unit's score for each
    images: np.ndarray | None = None  # (k, 28, 28) uint8, for thumbnails
    labels: np.ndarray | None = None  # their true labels


def with_pictures(ex: Exciting, digits: Digits) -> Exciting:
    return Exciting(ex.layer, ex.unit, ex.rows, ex.values, digits.uint8(ex.rows), digits.labels[ex.rows])


def top_units(table: dict[str, np.ndarray], layer: str, unit: int, rows: np.ndarray, k: int = 9) -> Exciting:
    """The k of ``rows`` (the digits the table was made from, in order) whose score for the unit is highest."""
    s = table[layer][:, int(unit)]
    k = min(k, len(s))
    top = np.argpartition(-s, k - 1)[:k] if k else np.empty(0, np.int64)
    top = top[np.argsort(-s[top], kind="stable")]
    return Exciting(layer, int(unit), np.asarray(rows)[top], s[top])

