"""Where the built models live, and how to open them.

Models are built into ``platformdirs.user_data_dir("embedding-explorer")/models/<name>/``,
or ``$EMBEDDING_EXPLORER_DATA/models/<name>/`` when that variable is set. Each
folder holds the ONNX file(s), a ``manifest.json`` and small reference outputs.

``core`` never imports this module: the registry hands a model folder and its
manifest to the ``core`` classes (import direction models -> core only).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.onnx_runtime import load_manifest, verify_model

APP_NAME = "embedding-explorer"
DATA_ENV = "EMBEDDING_EXPLORER_DATA"
BUILD_COMMAND = "python main.py models build"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    display_name: str
    kind: str
    builder: str  # module under models/ with recipe() and build(stage)
    summary: str


LANGUAGE_MODEL = "smollm2-135m"
ENCODER = "minilm-l6-v2"
DIGITS = "mnist-cnn"

MODELS: dict[str, ModelSpec] = {
    LANGUAGE_MODEL: ModelSpec(
        LANGUAGE_MODEL, "SmolLM2-135M", "causal-lm", "build_lm",
        "GPT-style decoder (Llama architecture), 30 layers, width 576; next-word probabilities",
    ),
    ENCODER: ModelSpec(
        ENCODER, "all-MiniLM-L6-v2", "sentence-encoder", "build_encoder",
        "BERT-style encoder, 6 layers, width 384; contextual token vectors and sentence vectors",
    ),
    DIGITS: ModelSpec(
        DIGITS, "MNIST CNN", "image-classifier", "build_digits",
        "small convolutional network trained here on 4,000 real MNIST digits; layer activations",
    ),
}


def data_dir() -> Path:
    """The user's data folder (``$EMBEDDING_EXPLORER_DATA`` overrides it)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def models_dir() -> Path:
    return data_dir() / "models"


def spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        from core.errors import ModelMissingError

        raise ModelMissingError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def model_dir(name: str) -> Path:
    return models_dir() / spec(name).name


def manifest(name: str) -> dict:
    """The manifest of a built model; ModelMissingError when it is not built."""
    return load_manifest(model_dir(name))


def is_built(name: str) -> bool:
    return (model_dir(name) / "manifest.json").is_file()


def verify(name: str) -> list[str]:
    """Check every file of a built model against its manifest checksums."""
    return verify_model(model_dir(name), manifest(name))


def disk_usage(name: str) -> int:
    d = model_dir(name)
    return sum(p.stat().st_size for p in d.iterdir() if p.is_file()) if d.is_dir() else 0


def open_language_model(*, preferred_provider: str | None = None, intra_op_threads: int | None = None):
    from core.language_model import LanguageModel

    d = model_dir(LANGUAGE_MODEL)
    return LanguageModel(d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)


def open_encoder(*, preferred_provider: str | None = None, intra_op_threads: int | None = None):
    from core.encoder import SentenceEncoder

    d = model_dir(ENCODER)
    return SentenceEncoder(d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)


def open_digit_classifier(*, preferred_provider: str | None = None, intra_op_threads: int | None = None):
    from core.digit_classifier import DigitClassifier

    d = model_dir(DIGITS)
    return DigitClassifier(d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)
