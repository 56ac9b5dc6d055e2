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

from .runtime import load_manifest, verify_model

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
        from ..errors import ModelMissingError

        raise ModelMissingError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def model_dir(name: str) -> Path:
    return models_dir() / spec(name).name


def manifest(name: str) -> dict:
    """The manifest of a built model; ModelMissingError when it is not built."""
    return load_manifest(model_dir(name))


def is_built(name: str) -> bool:
    return (model_dir(name) / "manifest.json").is_file()


def verify(name: str) -> list[str]:
    """Check every file of a built model against its manifest checksums (and the language
    model's 4-bit files against quantized.json, when they are built)."""
    d, m = model_dir(name), manifest(name)
    lines = verify_model(d, m)
    if name == LANGUAGE_MODEL:
        from ..errors import ModelCorruptError
        from .language_model import q4_manifest

        qm, faithful, why = q4_manifest(d, m)
        if why:
            raise ModelCorruptError(f"{why}; rebuild with: {BUILD_COMMAND} --only {name}")
        if qm is not None:
            lines += [f"{line} (4-bit{'' if faithful else ', not faithful'})" for line in verify_model(d, qm)]
    return lines


def quantized_summary(name: str = LANGUAGE_MODEL) -> str | None:
    """One line about the language model's 4-bit files (quantized.json), or None when there are none."""
    from .language_model import QUANTIZED_RECORD

    d = model_dir(name)
    if not (d / QUANTIZED_RECORD).is_file():
        return None
    import json

    try:
        entry = json.loads((d / QUANTIZED_RECORD).read_text(encoding="utf-8"))["q4"]
        files = [entry["files"][r] for r in ("model", "model_kv")]
        size = sum((d / f["file"]).stat().st_size for f in files if (d / f["file"]).is_file())
        p = entry.get("parity") or {}
        t = p.get("once_upon_a_time") or {}
        parity = (
            f"; top-1 agreement {p['top1_agreement']:.0%}, ' time' {t.get('quantized')} vs fp32 {t.get('fp32')}"
            if "top1_agreement" in p else ""
        )
        missing = [f["file"] for f in files if not (d / f["file"]).is_file()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"4-bit: unreadable {QUANTIZED_RECORD} ({exc!r})"
    state = f"missing {', '.join(missing)}" if missing else ("faithful" if entry.get("faithful") else "NOT faithful")
    return f"4-bit: {', '.join(f['file'] for f in files)} ({size / 1e6:.1f} MB, {state}{parity})"


def disk_usage(name: str) -> int:
    d = model_dir(name)
    return sum(p.stat().st_size for p in d.iterdir() if p.is_file()) if d.is_dir() else 0


def open_language_model(
    *, preferred_provider: str | None = None, intra_op_threads: int | None = None, precision: str = "auto"
):
    """SmolLM2-135M; ``precision`` "auto" (4-bit files for short prompts and cached steps when
    built and faithful), "fp32" or "q4" -- see core.language_model."""
    from .language_model import LanguageModel

    d = model_dir(LANGUAGE_MODEL)
    return LanguageModel(
        d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads,
        precision=precision,
    )


def open_encoder(*, preferred_provider: str | None = None, intra_op_threads: int | None = None):
    from .encoder import SentenceEncoder

    d = model_dir(ENCODER)
    return SentenceEncoder(d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)


def open_digit_classifier(*, preferred_provider: str | None = None, intra_op_threads: int | None = None):
    from .digit_classifier import DigitClassifier

    d = model_dir(DIGITS)
    return DigitClassifier(d, load_manifest(d), preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)
