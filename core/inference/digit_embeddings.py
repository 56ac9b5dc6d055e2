"""Image embeddings: the digit CNN's 500-wide layer (after its ReLU, just before the logits) for
all 5,000 MNIST digits, as an embedding set the point cloud can show (Qt-free).

Similar-looking digits lie close together in this layer, which the k-nearest-neighbour figure
measures: held-out digits classified by the labels of their k nearest training digits, in raw
pixel space and in the 500-wide layer.

    images = run_sync(image_set_job(clf, load_digits()))
    images.embeddings          # EmbeddingSet: words "7 · #1234", metadata label / predicted / correct / split
    images.knn.pixels, images.knn.layer
    nearest(images, vector)    # the digits nearest to a drawn digit's 500-wide vector
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..progress import Job, Progress
from .mnist import Digits

if TYPE_CHECKING:
    from .digit_classifier import DigitClassifier

LAYER = "relu3"
K = 5
SEP = " · #"


def digit_word(label: int, row: int) -> str:
    return f"{label}{SEP}{row}"


def row_of_word(word: str) -> int:
    """The digit row a word names ("7 · #1234" -> 1234), -1 when it names none."""
    _, sep, tail = word.partition(SEP)
    return int(tail) if sep and tail.isdigit() else -1


@dataclass(frozen=True)
class KnnFigures:
    """Accuracy of k-nearest-neighbour classification of the held-out digits (euclidean)."""

    k: int
    pixels: float  # in raw pixel space (784 values)
    layer: float  # in the 500-wide layer
    network: float  # the network's own prediction
    n_train: int
    n_test: int

    def line(self) -> str:
        return (f"{self.k}-NN on {self.n_test:,} held-out digits: pixels {self.pixels:.1%}, "
                f"500-wide layer {self.layer:.1%} (the network itself {self.network:.1%})")


@dataclass(frozen=True, eq=False)
class ImageSet:
    embeddings: EmbeddingSet  # row i is digit i of `digits`
    digits: Digits
    predicted: np.ndarray  # (n,) the network's digit
    knn: KnnFigures
    layer_seconds: float  # time for the 500-wide layer of all digits

    @property
    def misclassified(self) -> np.ndarray:
        return np.flatnonzero(self.predicted != self.digits.labels)


def knn_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                 k: int = K, chunk: int = 250) -> float:
    """Fraction of test points whose k nearest training points (euclidean) vote their label
    (ties go to the label of the nearer points)."""
    tr = np.asarray(train_x, np.float32).reshape(len(train_x), -1)
    te = np.asarray(test_x, np.float32).reshape(len(test_x), -1)
    sq = np.einsum("ij,ij->i", tr, tr)
    right = 0
    for s in range(0, len(te), chunk):
        q = te[s : s + chunk]
        d = sq[None, :] - 2.0 * (q @ tr.T)  # + |q|^2, the same for every training point
        near = np.argpartition(d, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(near, np.argsort(np.take_along_axis(d, near, 1), axis=1), 1)
        labels = train_y[near]
        for row, want in zip(labels, test_y[s : s + chunk]):
            votes = np.bincount(row, weights=1.0 + 1e-3 * np.arange(k, 0, -1), minlength=10)
            right += int(votes.argmax() == want)
    return right / max(len(te), 1)


def image_set_job(clf: DigitClassifier, digits: Digits, batch: int = 500) -> Job[ImageSet]:
    """The 500-wide layer of every digit (with progress), the predictions and the kNN figures."""
    n = len(digits)
    vectors = np.empty((n, 0), np.float32)
    predicted = np.empty(n, np.int64)
    t0 = time.perf_counter()
    for s in range(0, n, batch):
        out = clf.activations(digits.images[s : s + batch], [LAYER, "probs"])
        if not vectors.shape[1]:
            vectors = np.empty((n, out[LAYER].shape[1]), np.float32)
        vectors[s : s + batch] = out[LAYER]
        predicted[s : s + batch] = out["probs"].argmax(1)
        done = min(n, s + batch)
        yield Progress(0.7 * done / n, f"500-wide layer of {done:,}/{n:,} digits")
    seconds = time.perf_counter() - t0
    labels, train, held = digits.labels, digits.train, digits.heldout
    yield Progress(0.75, "nearest-neighbour accuracy in pixel space")
    pix = knn_accuracy(digits.images[train], labels[train], digits.images[held], labels[held])
    yield Progress(0.9, "nearest-neighbour accuracy in the 500-wide layer")
    lay = knn_accuracy(vectors[train], labels[train], vectors[held], labels[held])
    net = float((predicted[held] == labels[held]).mean()) if len(held) else 0.0
    knn = KnnFigures(K, pix, lay, net, len(train), len(held))
    held_mask = np.zeros(n, bool)
    held_mask[held] = True
    meta = {
        "label": [str(v) for v in labels.tolist()],
        "predicted": [str(v) for v in predicted.tolist()],
        "correct": ["yes" if a == b else "no" for a, b in zip(labels.tolist(), predicted.tolist())],
        "split": ["held-out" if h else "training" for h in held_mask.tolist()],
    }
    sha = clf.manifest.get("files", {}).get("model", {}).get("sha256", "")[:12]
    es = EmbeddingSet([digit_word(int(lb), i) for i, lb in enumerate(labels.tolist())], vectors,
                      name=f"MNIST digits ({clf.display_name}, 500-wide layer)",
                      source=f"{clf.name} {LAYER} {sha} of {digits.path.name}", metadata=meta,
                      images=digits.uint8())  # the pictures: the cloud can draw them as the points
    yield Progress(1.0, f"{n:,} digits in 500 dimensions")
    return ImageSet(es, digits, predicted, knn, seconds)


@dataclass(frozen=True, eq=False)
class Nearest:
    """The digits nearest to a vector of the 500-wide layer (cosine), nearest first."""

    rows: np.ndarray
    similarity: np.ndarray


def nearest(images: ImageSet, vector: np.ndarray, k: int = 9) -> Nearest:
    es = images.embeddings
    unit = es.unit_matrix()
    v = np.asarray(vector, np.float32)
    norm = float(np.linalg.norm(v))
    sims = unit @ (v / norm) if norm > 0 else np.zeros(len(es), np.float32)
    k = min(k, len(sims))
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top], kind="stable")]
    return Nearest(top, sims[top])
