"""The one place that opens onnxruntime sessions.

* Providers: whatever ``onnxruntime.get_available_providers()`` offers, minus
  ``AzureExecutionProvider`` (it runs nothing locally; it is listed *first* by
  the stock wheel, which is why ``providers=`` is always passed explicitly).
* The user's preferred provider is a parameter; when it is not available, or
  fails to initialise, the session runs on ``CPUExecutionProvider`` and
  :attr:`OnnxModel.notice` says why, in one line a panel or the CLI can show.
* Sessions are created once per (file, provider, threads) and reused, within a byte budget and
  let go when idle: core.inference.session_cache keeps them.
* Files are checked against their manifest (sha256, input and output names)
  before a session is created: a missing file raises ModelMissingError, a
  mismatch ModelCorruptError; both say how to repair it (:func:`repair_hint`:
  the build command as this app was started, or "reinstall" in the installed app).
* A graph changed in memory (intermediate tensors exposed as outputs, see
  core.inference.graph) opens through :func:`open_graph`, cached the same way.

GPU: install ``onnxruntime-gpu`` *instead of* ``onnxruntime`` (same import
name ``onnxruntime``; never install both, the second one silently shadows the
first). ``CUDAExecutionProvider`` then appears in :func:`available_providers`.
"""
from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..errors import ModelCorruptError, ModelMissingError
from ..io import file_stat_key, sha256_file
from ..paths import launch_command
from . import session_cache
from .session_cache import cached_session

CPU = "CPUExecutionProvider"
GPU_HINT = (
    "for an NVIDIA GPU, replace onnxruntime with onnxruntime-gpu "
    "(pip uninstall onnxruntime && pip install onnxruntime-gpu; same import name, never both)"
)
_NOT_LOCAL = {"AzureExecutionProvider"}
MANIFEST_NAME = "manifest.json"


def available_providers() -> list[str]:
    """Execution providers this onnxruntime build can run locally, best first."""
    found = [p for p in ort.get_available_providers() if p not in _NOT_LOCAL]
    if CPU not in found:
        found.append(CPU)
    return found


def choose_providers(preferred: str | None) -> tuple[list[str], str | None]:
    """The ``providers=`` list for a session, and a notice when falling back."""
    if not preferred or preferred == CPU:
        return [CPU], None
    offered = available_providers()
    if preferred not in offered:
        notice = (
            f"{preferred} is not available in this onnxruntime build "
            f"(available: {', '.join(offered)}); running on {CPU}"
        )
        if preferred in ("CUDAExecutionProvider", "TensorrtExecutionProvider"):
            notice += "; " + GPU_HINT
        return [CPU], notice
    return [preferred, CPU], None


def build_command(name: str | None = None) -> str | None:
    """The command that builds the models (one model with ``name``) for the way this app was
    started; None in the installed app, which cannot build them."""
    cmd = launch_command()
    if cmd is None:
        return None
    return f"{cmd} models build" + (f" --only {name}" if name else "")


def repair_hint(name: str | None = None, *, verb: str = "rebuild") -> str:
    """What to do about a missing or damaged model: "rebuild with: python main.py models build
    --only NAME" from source, "reinstall Embedding Explorer" in the installed app."""
    cmd = build_command(name)
    if cmd is None:
        return "the installed app is incomplete or damaged: reinstall Embedding Explorer"
    return f"{verb} with: {cmd}"


# --------------------------------------------------------------------------- files

_verified: dict[tuple[str, int, int], str] = {}
_verified_lock = threading.Lock()


def _sha256(path: Path) -> str:
    key = file_stat_key(path)
    with _verified_lock:
        if key in _verified:
            return _verified[key]
    digest = sha256_file(path)
    with _verified_lock:
        _verified[key] = digest
    return digest


def load_manifest(model_dir: str | Path) -> dict:
    """Read ``model_dir/manifest.json``; missing -> ModelMissingError."""
    model_dir = Path(model_dir)
    path = model_dir / MANIFEST_NAME
    name = model_dir.name
    if not path.is_file():
        raise ModelMissingError(f"model {name!r} is not built ({path} not found); {repair_hint(name, verb='build it')}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelCorruptError(f"{path}: unreadable manifest ({exc}); {repair_hint(name)}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ModelCorruptError(f"{path}: manifest has no 'files' table; {repair_hint(name)}")
    return manifest


def model_file(model_dir: str | Path, manifest: dict, role: str, *, verify: bool = True) -> Path:
    """Path of the file playing ``role`` (``model``, ``tokenizer``, ...), checked by sha256."""
    name = manifest.get("name")
    entry = manifest["files"].get(role)
    if not isinstance(entry, dict) or "file" not in entry:
        raise ModelCorruptError(f"manifest of {name!r} lists no {role!r} file; {repair_hint(name)}")
    path = Path(model_dir) / entry["file"]
    if not path.is_file():
        raise ModelMissingError(f"{path} is missing ({name} {role}); {repair_hint(name)}")
    if verify and entry.get("sha256") and _sha256(path) != entry["sha256"]:
        raise ModelCorruptError(
            f"{path}: sha256 does not match the manifest (expected {entry['sha256'][:12]}..., "
            f"found {_sha256(path)[:12]}...); {repair_hint(name)}"
        )
    return path


def verify_model(model_dir: str | Path, manifest: dict | None = None) -> list[str]:
    """Check every file of a model; return one line per file checked. Raises on the first problem."""
    manifest = manifest if manifest is not None else load_manifest(model_dir)
    lines = []
    for role, entry in manifest["files"].items():
        path = model_file(model_dir, manifest, role)
        lines.append(f"{path.name}: sha256 {entry.get('sha256', '')[:12]}... ok ({path.stat().st_size:,} bytes)")
    return lines


# --------------------------------------------------------------------------- sessions


@dataclass
class OnnxSession:
    """An open onnxruntime session plus what a caller needs to show about it."""

    session: ort.InferenceSession
    path: Path
    requested: str | None
    notice: str | None
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    key: tuple = ()  # its key in the session cache (:func:`cached`)

    @property
    def provider(self) -> str:
        """The provider actually running this session."""
        return self.session.get_providers()[0]

    def run(self, outputs: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The outputs for ``feeds``. A batched pass (SHRINK_BATCH rows or more: masked-word candidates,
        passages) gives the memory its activations took back to the system afterwards: onnxruntime's
        arena otherwise keeps its largest pass for the session's lifetime (+350 MB after 300
        candidate sentences through SmolLM2)."""
        first = next(iter(feeds.values()), None)  # the data (token ids, images); later inputs are caches
        batched = getattr(first, "ndim", 0) >= 1 and first.shape[0] >= SHRINK_BATCH
        return self.session.run(outputs, feeds, _shrink_options() if batched else None)


SHRINK_BATCH = 8


@functools.cache
def _shrink_options() -> ort.RunOptions:
    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def _label(path: Path, variant: str = "", provider: str | None = None) -> str:
    label = f"{path.parent.name}/{path.name}"
    if variant:
        label += f" [{variant if len(variant) <= 48 else variant[:45] + '...'}]"
    if provider and provider != CPU:
        label += f" on {provider}"
    return label


def _check_signature(sess: ort.InferenceSession, path: Path, entry: dict, name: str | None) -> None:
    for kind, got in (("inputs", sess.get_inputs()), ("outputs", sess.get_outputs())):
        want = [io["name"] for io in entry.get(kind, [])]
        have = [io.name for io in got]
        if want and want != have:
            raise ModelCorruptError(
                f"{path}: {kind} are {have}, the manifest expects {want}; {repair_hint(name)}"
            )


def _create(model: Path | bytes, providers: list[str], threads: int | None) -> ort.InferenceSession:
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = int(threads)
    so.inter_op_num_threads = 1
    so.log_severity_level = 3  # errors only; provider fallbacks are reported through `notice`
    return ort.InferenceSession(model if isinstance(model, bytes) else str(model), sess_options=so,
                                providers=providers)


def _start(model: Path | bytes, path: Path, preferred_provider: str | None, threads: int | None,
           name: str | None) -> tuple[ort.InferenceSession, str | None]:
    """A session on the preferred provider, else on the CPU with a notice saying why."""
    providers, notice = choose_providers(preferred_provider)
    try:
        try:
            sess = _create(model, providers, threads)
        except (RuntimeError, ValueError) as exc:
            if providers == [CPU] or "INVALID_PROTOBUF" in str(exc) or "Protobuf parsing" in str(exc):
                raise
            notice = f"{preferred_provider} failed to start ({str(exc).splitlines()[0]}); running on {CPU}"
            sess = _create(model, [CPU], threads)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own Exception subclasses (Fail, InvalidGraph, ...)
        raise ModelCorruptError(
            f"{path}: onnxruntime cannot load it ({str(exc).splitlines()[0][:200]}); {repair_hint(name)}"
        ) from None
    active = sess.get_providers()[0]
    if preferred_provider and active != preferred_provider and notice is None:
        notice = f"{preferred_provider} could not take this model; running on {active}"
    return sess, notice


def _wrap(sess: ort.InferenceSession, path: Path, preferred_provider: str | None, notice: str | None) -> OnnxSession:
    return OnnxSession(session=sess, path=path, requested=preferred_provider, notice=notice,
                       input_names=[i.name for i in sess.get_inputs()],
                       output_names=[o.name for o in sess.get_outputs()])


def open_session(
    model_dir: str | Path,
    manifest: dict,
    role: str = "model",
    *,
    preferred_provider: str | None = None,
    intra_op_threads: int | None = None,
) -> OnnxSession:
    """Open (once) the ONNX file playing ``role`` in ``manifest``, checked and cached."""
    name = manifest.get("name")
    path = model_file(model_dir, manifest, role)  # raises Missing / Corrupt
    stat_key = file_stat_key(path)
    key = (*stat_key, preferred_provider or CPU, intra_op_threads)

    def create() -> tuple[OnnxSession, int]:
        sess, notice = _start(path, path, preferred_provider, intra_op_threads, name)
        _check_signature(sess, path, manifest["files"][role], name)
        made = _wrap(sess, path, preferred_provider, notice)
        made.key = key
        return made, stat_key[1]

    return cached_session(key, _label(path, "", preferred_provider), create)


def open_graph(
    graph: bytes,
    path: Path,
    variant: str,
    *,
    name: str | None = None,
    preferred_provider: str | None = None,
    intra_op_threads: int | None = None,
) -> OnnxSession:
    """Open (once per ``variant``) a graph changed in memory from the file at ``path``
    (for example with intermediate tensors added as outputs)."""
    key = (*file_stat_key(path), variant, preferred_provider or CPU, intra_op_threads)

    def create() -> tuple[OnnxSession, int]:
        sess, notice = _start(graph, path, preferred_provider, intra_op_threads, name)
        made = _wrap(sess, path, preferred_provider, notice)
        made.key = key
        return made, len(graph)

    return cached_session(key, _label(path, variant, preferred_provider), create)


def clear_cache() -> None:
    """Forget every cached session (tests; after a rebuild)."""
    session_cache.clear()
    with _verified_lock:
        _verified.clear()


def default_threads() -> int:
    """A sensible intra-op thread count: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


__all__ = [
    "CPU",
    "GPU_HINT",
    "OnnxSession",
    "available_providers",
    "choose_providers",
    "clear_cache",
    "default_threads",
    "load_manifest",
    "model_file",
    "open_graph",
    "open_session",
    "repair_hint",
    "verify_model",
]
