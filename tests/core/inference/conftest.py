"""What the inference tests share: the built SmolLM2, opened the ways the tests read it (one per
module, as each module had its own): the exact fp32 files, the app's own choice ("auto"), the
4-bit files (skipped when they are not built or not used), and the decoder of traces."""
from __future__ import annotations

import pytest

from core.inference import registry
from core.inference.language_model import LanguageModel
from core.inference.q4_files import q4_manifest
from core.inference.runtime import load_manifest
from tests.models.helpers import built


@pytest.fixture(scope="module")
def lm_fp32() -> LanguageModel:
    """The fp32 files: the tests that check values against the references or a full pass."""
    built(registry.LANGUAGE_MODEL)
    return registry.open(registry.LANGUAGE_MODEL, precision="fp32")


@pytest.fixture(scope="module")
def lm_auto() -> LanguageModel:
    """The model as the app opens it (precision "auto")."""
    built(registry.LANGUAGE_MODEL)
    return registry.open(registry.LANGUAGE_MODEL)


def q4_dir():
    """The built SmolLM2 folder with its 4-bit files; the test is skipped when they are not built."""
    d = built(registry.LANGUAGE_MODEL)
    qm, _, why = q4_manifest(d, load_manifest(d))
    if qm is None or not all((d / e["file"]).is_file() for e in qm["files"].values()):
        pytest.skip(f"4-bit files not built in {d} ({why or 'no quantized.json / q4 files'}); "
                    "run: python main.py models build --only smollm2-135m")
    return d


@pytest.fixture(scope="module")
def lm_q4() -> LanguageModel:
    """"auto" with the 4-bit files in use (skipped when auto does not use them)."""
    q4_dir()
    model = registry.open(registry.LANGUAGE_MODEL, precision="auto", fast=False)  # auto's choice without the fast graph
    if not model.q4_available:
        pytest.skip(f"4-bit files present but not used by auto: {model.notice}")
    return model


@pytest.fixture(scope="module")
def lm_decoder():
    """The built SmolLM2 as a decoder with the step interface of core.inference.trace."""
    built(registry.LANGUAGE_MODEL)
    return registry.open_decoder("")
