"""Build every model into the user's data folder: ``python main.py models build [--only NAME] [--force]``.

Installs nothing: the setup script installs the ``build`` extra first. A model
whose manifest records the same recipe (source checksum, recipe version) and
whose files all match their checksums is left alone, so a second run does
nothing. A build writes into ``<name>.partial`` and swaps it in at the end, so
an interrupted build never leaves a half-written model behind.
"""
from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from core.cpu import cpu_info
from core.errors import ModelError
from core.inference import registry
from core.inference.runtime import clear_cache, load_manifest, verify_model
from core.io import atomic_folder, atomic_write_json
from core.progress import Job, Progress, run_sync, scaled
from models.build_common import file_entry


def _up_to_date(out: Path, recipe: dict) -> bool:
    try:
        manifest = load_manifest(out)
        # compared as the manifest stores it: a tuple in a recipe (the GRU's cutoffs) reads back as a list,
        # and was never equal, so every ./run.sh trained the GRU again
        if manifest.get("build", {}).get("recipe") != json.loads(json.dumps(recipe)):
            return False
        verify_model(out, manifest)
    except ModelError:
        return False
    return True


def build_model(name: str, *, force: bool = False) -> Job[dict]:
    """Build one model (a job); returns ``{"name", "status", "seconds", "bytes"}``."""
    spec = registry.spec(name)  # an unknown name is a ModelMissingError naming the known ones
    builder = importlib.import_module(f"models.{spec.builder}")  # recipe() and build(stage)
    out = registry.build_dir(name)
    t0 = time.perf_counter()
    yield Progress(0.0, f"{name}: checking sources and existing build")
    recipe = builder.recipe()
    if not force and _up_to_date(out, recipe):
        yield Progress(0.9 if spec.quantized else 1.0, f"{name}: up to date (checksums match), nothing to do")
        status = "up to date"
        if spec.quantized:
            status = yield from _quantize(spec, out, force=force, status=status)
        return {"name": name, "status": status, "seconds": time.perf_counter() - t0, "bytes": registry.disk_usage(name)}

    with atomic_folder(out) as stage:  # an interrupted build leaves the previous model (or none)
        manifest = yield from scaled(builder.build(stage), 0.0, 0.95, f"{name}: ")
        yield Progress(0.96, f"{name}: checksumming files")
        if manifest["files"] != spec.files:
            raise ModelError(f"{spec.builder} wrote files {manifest['files']}; the registry expects {spec.files}")
        manifest["files"] = {role: file_entry(stage / fn) for role, fn in manifest["files"].items()}
        manifest["build"]["recipe"] = recipe
        manifest["build"]["seconds"] = round(time.perf_counter() - t0, 1)
        manifest["build"]["cpu"] = cpu_info().line()  # torch's float kernels differ by CPU: so do trained bytes
        atomic_write_json(stage / "manifest.json", manifest, indent=2)
    clear_cache()
    status = "built"
    if spec.quantized:
        yield Progress(0.9, f"{name}: fp32 built in {time.perf_counter() - t0:.0f} s")
        status = yield from _quantize(spec, out, force=force, status=status)
    seconds = time.perf_counter() - t0
    yield Progress(1.0, f"{name}: built in {seconds:.0f} s")
    return {"name": name, "status": status, "seconds": seconds, "bytes": registry.disk_usage(name)}


def _quantize(spec: registry.ModelSpec, out: Path, *, force: bool, status: str) -> Job[str]:
    """A model's 4-bit files (its spec's ``quantized.builder``, models/quantize_lm.py, default
    settings); skipped by quantize_model itself when the record's recipe and checksums match. A
    failure leaves the fp32 model in place (the app then runs fp32 only) and is reported, not raised."""
    name, q = spec.name, spec.quantized
    quantize_model = importlib.import_module(f"models.{q.builder}").quantize_model
    record = out / q.record
    before = record.stat().st_mtime_ns if record.is_file() else None
    yield Progress(0.91, f"{name}: 4-bit variant (model_q4.onnx): checking / building, parity vs fp32")
    t0 = time.perf_counter()
    try:
        entry = quantize_model(out, force=force)
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        yield Progress(0.99, f"{name}: 4-bit variant FAILED ({type(exc).__name__}: {exc}); fp32 only")
        return status + ", no q4"
    clear_cache()
    built_now = not record.is_file() or record.stat().st_mtime_ns != before
    faithful = "faithful" if entry.get("faithful") else "NOT faithful (auto uses fp32)"
    if built_now:
        yield Progress(0.99, f"{name}: 4-bit variant built in {time.perf_counter() - t0:.0f} s, {faithful}")
        return "built" if status == "built" else "q4 built"
    yield Progress(0.99, f"{name}: 4-bit variant up to date ({q.record} recipe and checksums match), {faithful}")
    return status


def build_all(only: list[str] | None = None, *, force: bool = False) -> Job[list[dict]]:
    names = list(only) if only else list(registry.MODELS)
    for n in names:
        registry.spec(n)  # unknown name -> error before any work
    results = []
    for i, n in enumerate(names):
        results.append((yield from scaled(build_model(n, force=force), i / len(names), (i + 1) / len(names))))
    return results


_STARTED = time.perf_counter()  # progress lines count seconds from when the build scripts were loaded


def print_progress(p: Progress) -> None:
    seconds = time.perf_counter() - _STARTED
    print(f"[{100 * p.fraction:5.1f}% {seconds:6.0f} s] {p.message}", file=sys.stderr, flush=True)


def run_build(only: list[str] | None, force: bool) -> int:
    """``python main.py models build``: build with progress on stderr, then a table of what was done."""
    t0 = time.perf_counter()
    results = run_sync(build_all(only, force=force), print_progress)
    total = sum(r["bytes"] for r in results)
    for r in results:
        print(f"{r['name']:<14} {r['status']:<11} {r['seconds']:7.1f} s {r['bytes'] / 1e6:9.1f} MB")
    print(f"{'total':<14} {'':<11} {time.perf_counter() - t0:7.1f} s {total / 1e6:9.1f} MB in {registry.models_dir()}")
    return 0
