"""Where the built models live, and how to open them: ``registry.open(name)``.

Models are built (by the scripts in models/, never imported by the app) into
``platformdirs.user_data_dir("embedding-explorer")/models/<name>/``, or
``$EMBEDDING_EXPLORER_DATA/models/<name>/`` when that variable is set. Each folder
holds the ONNX file(s), a ``manifest.json`` and small reference outputs.

    lm = registry.open(registry.LANGUAGE_MODEL, precision="auto")   # a LanguageModel
    clf = registry.open(registry.DIGITS, preferred_provider="CUDAExecutionProvider")

One :class:`ModelSpec` per model in :data:`MODELS` says everything the app and the build need:
its names, the class that opens it and the script that builds it (both as strings, so importing
the registry opens no model module and core never imports models/), its files, and its 4-bit copy.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelCorruptError, ModelMissingError
from ..paths import DATA_ENV, bundle_dir, data_dir  # noqa: F401 (DATA_ENV: where tests point the models)
from .model import OnnxModel
from .precision import Q4_ROLES, QUANTIZED_RECORD
from .runtime import build_command, load_manifest, repair_hint, verify_model


@dataclass(frozen=True)
class Quantized:
    """A model's optional 4-bit copy, written beside its fp32 files after the build."""

    record: str  # the JSON file listing the 4-bit files, their sha256 and parity against fp32
    roles: tuple[str, ...]  # the fp32 roles (see ModelSpec.files) it stands in for
    builder: str  # the module under models/ whose ``quantize_model(folder, force=)`` writes it


@dataclass(frozen=True)
class ModelSpec:
    """One model: everything that adding a model to the app touches, in one row of :data:`MODELS`."""

    name: str  # the folder and the command line's name
    display_name: str
    kind: str  # the manifest's "kind" (the class's ``kind``)
    summary: str
    model_class: str  # "module:Class" under core.inference, imported on the first open
    builder: str  # the module under models/ with ``recipe()`` and ``build(stage)``
    files: dict[str, str] = field(default_factory=dict)  # role -> file name in the model's folder
    quantized: Quantized | None = None
    # Why the desktop build (.deb) leaves it out ("" = shipped): the app then says so instead of "reinstall".
    not_packaged: str = ""
    # option -> another model its class opens beside it when that one is built: the option gets
    # (folder, manifest), or None (the language model's "fast": the fused graph it reads and steps with)
    companions: dict[str, str] = field(default_factory=dict)


LANGUAGE_MODEL = "smollm2-135m"
FAST_LANGUAGE_MODEL = "smollm2-135m-fast"
ENCODER = "minilm-l6-v2"
DIGITS = "mnist-cnn"
RNN = "gru-lm"
ATTENTION = "attention"

MODELS: dict[str, ModelSpec] = {
    LANGUAGE_MODEL: ModelSpec(
        LANGUAGE_MODEL, "SmolLM2-135M", "causal-lm",
        "GPT-style decoder (Llama architecture), 30 layers, width 576; next-word probabilities",
        model_class="language_model:LanguageModel", builder="build_lm",
        files={"model": "model.onnx", "tokenizer": "tokenizer.json", "reference": "reference.npz"},
        quantized=Quantized(QUANTIZED_RECORD, Q4_ROLES, builder="quantize_lm"),
        companions={"fast": FAST_LANGUAGE_MODEL},
    ),
    FAST_LANGUAGE_MODEL: ModelSpec(  # after LANGUAGE_MODEL: its build measures parity against the fp32 file
        FAST_LANGUAGE_MODEL, "SmolLM2-135M (fast)", "causal-lm",
        "SmolLM2 with onnxruntime's fused operators on the GGUF's own 4-bit / 8-bit weights: fp32's answers, "
        "the Next word panel's reading and steps",
        model_class="language_model:LanguageModel", builder="build_fast_lm",
        files={"model": "model.onnx", "tokenizer": "tokenizer.json", "genai_config": "genai_config.json"},
        not_packaged="its graph ships as SmolLM2-135M's own file",
    ),
    ENCODER: ModelSpec(
        ENCODER, "all-MiniLM-L6-v2", "sentence-encoder",
        "BERT-style encoder, 6 layers, width 384; contextual token vectors and sentence vectors",
        model_class="encoder:SentenceEncoder", builder="build_encoder",
        files={"model": "model.onnx", "tokenizer": "tokenizer.json", "reference": "reference.npz"},
    ),
    DIGITS: ModelSpec(
        DIGITS, "MNIST CNN", "image-classifier",
        "small convolutional network trained here on 4,000 real MNIST digits; layer activations",
        model_class="digit_classifier:DigitClassifier", builder="build_digits",
        files={"model": "model.onnx", "reference": "reference.npz"},
    ),
    RNN: ModelSpec(
        RNN, "GRU language model", "recurrent-lm",
        "one-layer GRU (256 units) word-level language model trained here on news and Wikipedia; its state h",
        model_class="rnn:RecurrentLM", builder="build_rnn",
        files={"model": "model.onnx", "vocab": "vocab.txt", "background": "background.npz",
               "reference": "reference.npz"},
    ),
    ATTENTION: ModelSpec(
        ATTENTION, "Attention inspection graphs", "attention",
        "SmolLM2 and MiniLM with every head's attention weights out, a head mask and steering in",
        model_class="attention_model:AttentionModel", builder="build_attention",
        files={"model": "lm_attention.onnx", "encoder": "encoder_attention.onnx", "tokenizer": "tokenizer.json",
               "encoder_tokenizer": "encoder_tokenizer.json", "reference": "reference.npz"},
        not_packaged="its fp32 graphs take 630 MB, twice the rest of the package",
    ),
}


def models_dir() -> Path:
    """Where ``models build`` puts models: the user's data folder."""
    return data_dir() / "models"


def search_dirs() -> list[Path]:
    """Where built models are looked for, first match wins: shipped inside the installed app,
    then the user's data folder."""
    bundle = bundle_dir()
    return ([bundle / "models"] if bundle is not None else []) + [models_dir()]


def spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelMissingError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def model_dir(name: str) -> Path:
    """The folder of a built model (the first of :func:`search_dirs` that has it), else where it
    would be built."""
    folder = spec(name).name
    for d in search_dirs():
        if (d / folder / "manifest.json").is_file():
            return d / folder
    return build_dir(name)


def build_dir(name: str) -> Path:
    """Where ``models build`` writes a model."""
    return models_dir() / spec(name).name


def manifest(name: str) -> dict:
    """The manifest of a built model; ModelMissingError when it is not built."""
    return load_manifest(model_dir(name))


def is_built(name: str) -> bool:
    return (model_dir(name) / "manifest.json").is_file()


def verify(name: str) -> list[str]:
    """Check every file of a built model against its manifest checksums (and its 4-bit files
    against their record, when the model has a 4-bit copy and it is built)."""
    d, m = model_dir(name), manifest(name)
    lines = verify_model(d, m)
    if spec(name).quantized is not None:
        from .q4_files import q4_manifest

        qm, faithful, why = q4_manifest(d, m)
        if why:
            raise ModelCorruptError(f"{why}; {repair_hint(name)}")
        if qm is not None:
            lines += [f"{line} (4-bit{'' if faithful else ', not faithful'})" for line in verify_model(d, qm)]
    return lines


def _q4_entry(d: Path, record: str) -> dict:
    return json.loads((d / record).read_text(encoding="utf-8"))["q4"]


def quantized_summary(name: str = LANGUAGE_MODEL) -> str | None:
    """One line about a model's 4-bit files (its record), or None when it has none."""
    q = spec(name).quantized
    d = model_dir(name)
    if q is None or not (d / q.record).is_file():
        return None
    try:
        entry = _q4_entry(d, q.record)
        files = [entry["files"][r] for r in q.roles]
        size = sum((d / f["file"]).stat().st_size for f in files if (d / f["file"]).is_file())
        p = entry.get("parity") or {}
        t = p.get("once_upon_a_time") or {}
        parity = (
            f"; top-1 agreement {p['top1_agreement']:.0%}, ' time' {t.get('quantized')} vs fp32 {t.get('fp32')}"
            if "top1_agreement" in p else ""
        )
        missing = [f["file"] for f in files if not (d / f["file"]).is_file()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"4-bit: unreadable {q.record} ({exc!r})"
    state = f"missing {', '.join(missing)}" if missing else ("faithful" if entry.get("faithful") else "NOT faithful")
    return f"4-bit: {', '.join(f['file'] for f in files)} ({size / 1e6:.1f} MB, {state}{parity})"


def precision_line(name: str) -> str:
    """Which numbers a built model computes with, in one line (for `models verify` and the About box)."""
    m = manifest(name)
    stored = m.get("precision", "fp32")
    q = spec(name).quantized
    fast = spec(FAST_LANGUAGE_MODEL).display_name
    if stored == "fast":
        return (f"{name}: the GGUF's own 4-bit / 8-bit weights in onnxruntime's fused operators, fp32 arithmetic "
                "(the lm_head's low half in exact int8 sums)")
    if q is None:
        return f"{name}: {stored} weights, fp32 arithmetic"
    if FAST_LANGUAGE_MODEL in spec(name).companions.values() and is_built(FAST_LANGUAGE_MODEL):
        return f"{name}: fp32 for inspection; {fast} reads and steps (auto)"
    d = model_dir(name)
    try:
        entry = _q4_entry(d, q.record) if stored != "q4" else \
            {"recipe": (m.get("shipped_variant") or {}).get("recipe") or {}, "faithful": True}
    except (OSError, ValueError, KeyError, TypeError):
        entry = None
    arith = ((entry or {}).get("recipe") or {}).get("arithmetic", "int8?")
    if stored == "q4":
        return f"{name}: 4-bit weights only (installed), {arith} arithmetic"
    if entry is None:
        return f"{name}: fp32 (no 4-bit file built)"
    from .q4_files import checked_here, unfaithful_reason

    if entry.get("faithful") and checked_here(entry):
        return f"{name}: fp32 for inspection; 4-bit weights in {arith} arithmetic for cached steps (auto)"
    return f"{name}: fp32 ({unfaithful_reason(d)})"


def disk_usage(name: str) -> int:
    d = model_dir(name)
    return sum(p.stat().st_size for p in d.iterdir() if p.is_file()) if d.is_dir() else 0


def model_class(name: str) -> type[OnnxModel]:
    """The class that opens a model of this name (its spec's ``model_class``, imported now)."""
    module, _, cls = spec(name).model_class.partition(":")
    return getattr(importlib.import_module(f".{module}", __package__), cls)


def open_decoder(path: str = "", **options):
    """A decoder for step-by-step reading (core.inference.trace): the built language model for
    ``path`` "" (opened with precision "auto"), else the Optimum-layout folder at ``path``."""
    if not path:
        return open(LANGUAGE_MODEL, precision="auto", **options)
    from .decoder import OptimumDecoder

    return OptimumDecoder(path, **options)


def open(name: str, **options) -> OnnxModel:  # noqa: A001 - registry.open(name) reads as intended
    """Open a built model by name: a LanguageModel, SentenceEncoder or DigitClassifier.

    ``options``: ``preferred_provider``, ``intra_op_threads``, and for the language model
    ``precision`` ("auto", "fp32", "q4"; see core.inference.language_model)."""
    s = spec(name)
    if s.not_packaged and build_command(name) is None and not is_built(name):
        raise ModelMissingError(f"{s.display_name} are not part of the installed app ({s.not_packaged}); "
                                "run Embedding Explorer from its source (./run.sh) to use them")
    d = model_dir(name)
    for option, other in s.companions.items():
        if options.get(option, True) is True:  # False: not looked for
            options[option] = (model_dir(other), load_manifest(model_dir(other))) if is_built(other) else None
        elif options[option] is False:
            options[option] = None
    return model_class(name)(d, load_manifest(d), **options)


__all__ = ["ATTENTION", "DIGITS", "ENCODER", "FAST_LANGUAGE_MODEL", "LANGUAGE_MODEL", "MODELS", "RNN", "ModelSpec",
           "Quantized",
           "build_command", "data_dir", "open", "open_decoder"]
