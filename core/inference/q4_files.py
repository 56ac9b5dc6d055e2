"""The language model's 4-bit copy (models/quantize_lm.py): its record beside the fp32 files
(``quantized.json``: the 4-bit files, their sha256, the arithmetic and the parity measured on each kernel path)
read as a manifest, and whether that parity holds on this CPU. Opened by core.inference.language_model; read
by the registry (``models verify``), the token embeddings and the desktop build without opening a model."""
from __future__ import annotations

import json
from pathlib import Path

from .precision import Q4_ROLES, QUANTIZED_RECORD


def q4_manifest(model_dir: str | Path, manifest: dict) -> tuple[dict | None, bool, str | None]:
    """The 4-bit files as a manifest for :func:`open_session`: ``(manifest, faithful, why_not)``.

    Built from quantized.json's ``q4`` entry (file names, sha256) and the fp32 entries'
    input / output names; ``(None, False, reason)`` when there is no usable record.
    """
    path = Path(model_dir) / QUANTIZED_RECORD
    if not path.is_file():
        return None, False, None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["q4"]
        files = {
            role: {
                "file": entry["files"][role]["file"],
                "sha256": entry["files"][role]["sha256"],
                "inputs": manifest["files"][role].get("inputs", []),
                "outputs": manifest["files"][role].get("outputs", []),
            }
            for role in Q4_ROLES
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, False, f"{path}: unreadable 4-bit record ({exc!r})"
    name = manifest.get("name", Path(model_dir).name)
    return {"name": name, "files": files}, bool(entry.get("faithful")) and checked_here(entry), None


def checked_here(entry: dict) -> bool:
    """Whether a 4-bit record's parity holds for this CPU: a file in fp32 arithmetic gives the same numbers
    on every CPU (up to float rounding); one in int8 arithmetic only on the integer kernel paths its parity
    was measured on (quantized.json ``measured_on``; core.cpu)."""
    if (entry.get("recipe") or {}).get("arithmetic") == "fp32":
        return True
    from ..cpu import cpu_info

    return cpu_info().integer_path in {m.get("integer_path") for m in entry.get("measured_on") or []}


def unfaithful_reason(model_dir: str | Path) -> str:
    """One line: why "auto" does not use the 4-bit file here."""
    from ..cpu import cpu_info

    try:
        entry = json.loads((Path(model_dir) / QUANTIZED_RECORD).read_text(encoding="utf-8"))["q4"]
    except (OSError, ValueError, KeyError, TypeError):
        entry = {}
    if entry.get("faithful") and not checked_here(entry):
        paths = ", ".join(sorted({m.get("integer_path", "?") for m in entry.get("measured_on") or []})) or "none"
        return (f"4-bit file computes with integer kernels checked on {paths}, not on this CPU's "
                f"({cpu_info().integer_path}); auto uses fp32")
    return "4-bit files are not faithful to fp32 (quantized.json); auto uses fp32"
