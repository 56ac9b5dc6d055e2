"""Weight-only block quantisation of the SmolLM2 ONNX files (onnxruntime MatMulNBits).

``python -m models.quantize_lm [--accuracy-level 4] [--lm-head q8] [--requantize] [--bits 4] [--force] [--no-parity]``

Reads ``model.onnx`` (fp32, from models/build_lm.py: one graph, prompts read with an
empty cache) in the model folder and writes ``model_q4.onnx`` (``_q8`` for ``--bits 8``)
beside it, plus ``quantized.json``: the recipe, the file's checksum and its parity
against the fp32 file on 20 prompts.

What gets quantised
* Every MatMul with a constant weight (q/k/v/o, gate/up/down: 210 of them) becomes
  ``com.microsoft::MatMulNBits``: asymmetric blocks of ``block_size`` along K (the
  *input* dimension, ``quant_axes`` MatMul: 0) -- the same axis as the GGUF's Q4_1 blocks.
  Plain re-quantisation (``--requantize``) is not exact: Q4_1 stores a float minimum per
  block, MatMulNBits an integer zero point, so every block moves by up to half a step,
  which ruins the output (KL 0.43, " time" 0.347 -> 0.74). By default the GGUF's own
  4-bit codes and steps are recovered from the fp32 weights (exactly: error 0 steps) and
  the per-block remainder is added back by a tiny fp32 MatMul on block sums of the input
  (see quantize_graph.exact_q4_1); with ``--accuracy-level 0 --lm-head fp32`` the result equals fp32.
* The tied embedding / lm_head: the exporter writes ``MatMul(x, Transpose(W_embed))``,
  which MatMulNBitsQuantizer skips (its weight is not an initializer). ``--lm-head``
  decides: ``fp32`` leaves it (113 MB read per pass), ``q8`` / ``q4`` first stores the
  transposed weight as its own initializer and quantises it with 8 / 4 bits (the GGUF
  holds it as Q8_0). With ``q8`` the embedding Gather then reads the same 8-bit table
  (``com.microsoft::GatherBlockQuantized``), so the file holds the tied matrix once, in
  8 bits (28 MB) rather than also in fp32 (113 MB); see quantize_graph.share_embedding.
* ``accuracy_level`` 1 (the default) computes in fp32: the same numbers, up to float rounding,
  on every CPU. 4 computes with int8 activations, through integer kernels that differ by ISA:
  measured on one machine, P(" time" | "Once upon a") was 0.347 on its AVX-512 VNNI kernels and
  0.380 on its AVX2 kernels (models/cpu_mask), over the faithful rule. At level 1 onnxruntime has
  no fast kernel for the 8-bit lm_head (100 ms a step), so the head becomes two 4-bit halves in
  fp32 arithmetic (quantize_graph.head_as_two_4bit_fp32), which the embedding Gather reads too
  (quantize_graph.embedding_from_halves: the tied matrix is stored once). With level 4 the MLP's down projections
  (K = the intermediate width) still compute in fp32: their inputs carry SmolLM2's massive
  activations, which int8 blocks cannot hold.
* Parity is measured on this CPU's kernels and, where the CPU can hide its AVX-512 and VNNI
  (models/cpu_mask), again on the AVX2 kernels; quantized.json lists each kernel path measured
  (``measured_on``) and the file's ``arithmetic`` ("fp32" or "int8"). The app uses an "int8" file
  only on a kernel path that was measured (core.inference.q4_files.q4_manifest).

Idempotent: a build is skipped when quantized.json's recipe (fp32 checksums from the
manifest, options, onnxruntime version) matches and the files are intact.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from core.io import atomic_path, atomic_write_json, sha256_file
from models.quantize_graph import (
    embedding_from_halves,
    exact_q4_1,
    fp32_compute_for_wide_inputs,
    head_as_two_4bit_fp32,
    share_embedding,
    untie_lm_head,
)
from models.quantize_parity import is_faithful, log, parity

FP32_LEVELS = (0, 1)  # MatMulNBits accuracy levels that compute in fp32 (2 and 3: fp16 / bf16 where the CPU has it)
RECIPE_VERSION = 6  # 2: one graph, the embedding on the 8-bit lm_head table; 4: down_proj in fp32; 5: fp32 arithmetic;
# 6: the embedding reads the lm_head's 4-bit halves (the tied matrix stored once again)
DEFAULT_ACCURACY_LEVEL = 1  # fp32 arithmetic: the same answers on every CPU


def suffix_for(bits: int) -> str:
    return f"_q{bits}"


def quantized_names(bits: int) -> dict[str, str]:
    s = suffix_for(bits)
    return {"model": f"model{s}.onnx"}


def quantize_file(
    src: Path,
    dst: Path,
    *,
    bits: int = 4,
    block_size: int = 32,
    accuracy_level: int = DEFAULT_ACCURACY_LEVEL,
    lm_head: str = "q8",
    exact: bool = True,
) -> dict:
    """Write a MatMulNBits copy of ``src`` to ``dst``; returns counts for the record."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    t0 = time.perf_counter()
    model = onnx.load(str(src))
    n_matmul_const = sum(
        1 for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in {t.name for t in model.graph.initializer}
    )
    originals = {}
    if exact and bits == 4:
        from onnx import numpy_helper

        inits = {t.name: t for t in model.graph.initializer}
        for n in model.graph.node:
            if n.op_type == "MatMul" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2:
                originals[n.input[1]] = numpy_helper.to_array(inits[n.input[1]])
    head = untie_lm_head(model) if lm_head != "fp32" else None
    if lm_head != "fp32" and head is None:
        raise RuntimeError(f"{src}: no Transpose(initializer) -> MatMul lm_head found")
    log(
        f"{src.name}: loaded in {time.perf_counter() - t0:.1f} s; {n_matmul_const} constant MatMuls; lm_head: {lm_head}"
    )

    head_bits = {"q8": 8, "q4": 4}.get(lm_head)
    if head is not None and head_bits != bits:
        # the lm_head alone, with its own bit width (op type no-op so only nodes_to_include matches)
        q = MatMulNBitsQuantizer(
            model,
            bits=head_bits,
            block_size=block_size,
            is_symmetric=False,
            accuracy_level=accuracy_level,
            nodes_to_include=[head],
            op_types_to_quantize=("__none__",),
        )
        q.process()
        model = q.model.model
        log(f"{src.name}: lm_head quantised to {head_bits} bits ({time.perf_counter() - t0:.1f} s)")
    q = MatMulNBitsQuantizer(
        model,
        bits=bits,
        block_size=block_size,
        is_symmetric=False,
        accuracy_level=accuracy_level,
        op_types_to_quantize=("MatMul",),
        quant_axes=(("MatMul", 0),),
    )
    q.process()
    model = q.model.model
    counts: dict = {}
    if originals:
        counts.update(exact_q4_1(model, originals, block_size))
        log(f"{src.name}: Q4_1 grid restored ({counts}) in {time.perf_counter() - t0:.1f} s")
    if head is not None and head_bits == 8:
        counts["embedding"] = share_embedding(model, block_size)
        if accuracy_level in FP32_LEVELS:
            counts["lm_head"] = head_as_two_4bit_fp32(model, block_size)
            counts["embedding"] = embedding_from_halves(model)
    if accuracy_level not in FP32_LEVELS:
        counts["fp32_compute"] = fp32_compute_for_wide_inputs(model)
    for n in model.graph.node:
        if n.op_type == "MatMulNBits":
            b = next(a.i for a in n.attribute if a.name == "bits")
            counts[f"MatMulNBits_{b}bit"] = counts.get(f"MatMulNBits_{b}bit", 0) + 1
    counts["MatMul_left_fp32"] = sum(1 for n in model.graph.node if n.op_type == "MatMul")
    log(f"{src.name}: quantised ({counts}) in {time.perf_counter() - t0:.1f} s; saving {dst.name}")
    with atomic_path(dst, suffix=".onnx") as tmp:
        onnx.save(model, str(tmp))
    log(f"{dst.name}: {dst.stat().st_size / 1e6:.0f} MB ({time.perf_counter() - t0:.1f} s)")
    return counts


def recipe(model_dir: Path, *, bits: int, block_size: int, accuracy_level: int, lm_head: str, exact: bool) -> dict:
    import onnxruntime as ort

    try:
        m = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        src = {"model": m["files"]["model"].get("sha256")}
    except (OSError, ValueError, KeyError):
        src = {"model": None}
    if not all(src.values()):
        src = {"model": sha256_file(model_dir / "model.onnx")}
    return {
        "recipe_version": RECIPE_VERSION,
        "source_sha256": src,
        "bits": bits,
        "block_size": block_size,
        "symmetric": False,
        "accuracy_level": accuracy_level,
        "arithmetic": "fp32" if accuracy_level in FP32_LEVELS else "int8",
        "lm_head": lm_head,
        "exact_q4_1": bool(exact and bits == 4),
        "onnxruntime": ort.__version__,
    }


def quantize_model(
    model_dir: Path,
    *,
    bits: int = 4,
    block_size: int = 32,
    accuracy_level: int = DEFAULT_ACCURACY_LEVEL,
    lm_head: str = "q8",
    exact: bool = True,
    force: bool = False,
    check: bool = True,
    threads: int | None = None,
) -> dict:
    """Build the quantised files in ``model_dir`` (skipped when up to date); returns quantized.json's content."""
    model_dir = Path(model_dir)
    for f in ("model.onnx", "tokenizer.json"):
        if not (model_dir / f).is_file():
            raise FileNotFoundError(f"{model_dir / f} not found; build the model first (python main.py models build)")
    names = quantized_names(bits)
    record_path = model_dir / "quantized.json"
    want = recipe(
        model_dir, bits=bits, block_size=block_size, accuracy_level=accuracy_level, lm_head=lm_head, exact=exact
    )
    try:
        old = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    entry = old.get(f"q{bits}", {})
    up_to_date = (
        not force
        and entry.get("recipe") == want
        and all((model_dir / f).is_file() for f in names.values())
        and all(entry.get("files", {}).get(r, {}).get("sha256") == sha256_file(model_dir / f) for r, f in names.items())
        and (entry.get("parity") is not None or not check)
        and (not check or entry.get("recipe", {}).get("arithmetic") == "fp32" or _path_measured(entry))
    )
    if up_to_date:
        log(f"{', '.join(names.values())} up to date (quantized.json recipe matches); --force rebuilds")
        return entry
    t0 = time.perf_counter()
    counts = {}
    counts["model"] = quantize_file(
        model_dir / "model.onnx",
        model_dir / names["model"],
        bits=bits,
        block_size=block_size,
        accuracy_level=accuracy_level,
        lm_head=lm_head,
        exact=exact,
    )
    entry = {
        "recipe": want,
        "files": {
            r: {"file": f, "sha256": sha256_file(model_dir / f), "bytes": (model_dir / f).stat().st_size}
            for r, f in names.items()
        },
        "nodes": counts,
        "build_seconds": round(time.perf_counter() - t0, 1),
        "parity": None,
    }
    if check:
        measure_parity(model_dir, entry, names, threads=threads)
    old[f"q{bits}"] = entry
    atomic_write_json(record_path, old)
    return entry


def _path_measured(entry: dict) -> bool:
    """Whether this CPU's integer kernel path is among those the entry's parity was measured on."""
    from core.cpu import cpu_info

    return cpu_info().integer_path in {m.get("integer_path") for m in entry.get("measured_on", [])}


def measure_parity(model_dir: Path, entry: dict, names: dict[str, str], *, threads: int | None = None) -> None:
    """Parity on this CPU's kernels, and on the AVX2 kernels where the CPU can hide the rest (models/cpu_mask):
    fills ``parity`` (this CPU's), ``measured_on`` (one record per kernel path) and ``faithful`` (on all)."""
    from core.cpu import cpu_info
    from models import cpu_mask

    log(f"measuring parity against the fp32 ONNX files ({cpu_info().line()})")
    here = parity(model_dir, names, threads=threads)
    runs = [
        {
            "integer_path": cpu_info().integer_path,
            "cpu": cpu_info().line(),
            "parity": _summary(here),
            "faithful": is_faithful(here),
        }
    ]
    if cpu_info().integer_path != cpu_mask.PATH_NAME and cpu_mask.unavailable() is None:
        log("measuring parity again on the AVX2 kernels (CPUID masked: models/cpu_mask)")
        code = (
            "import json, sys; from pathlib import Path; from models.quantize_parity import parity, is_faithful; "
            "from core.cpu import cpu_info; p = parity(Path(sys.argv[1]), json.loads(sys.argv[2]), threads=None if "
            "sys.argv[3] == '0' else int(sys.argv[3])); print('PARITY ' + json.dumps([cpu_info().integer_path, "
            "cpu_info().line(), p]))"
        )
        import subprocess

        run = subprocess.run(
            [sys.executable, "-c", code, str(model_dir), json.dumps(names), str(threads or 0)],
            env=cpu_mask.environment(),
            cwd=str(Path(__file__).resolve().parents[1]),
            capture_output=True,
            text=True,
        )
        line = next((ln for ln in run.stdout.splitlines() if ln.startswith("PARITY ")), None)
        if run.returncode != 0 or line is None:
            log(f"the AVX2 run failed (rc {run.returncode}): {run.stderr.strip()[-300:]}")
        else:
            path, cpu, p = json.loads(line[len("PARITY ") :])
            runs.append(
                {
                    "integer_path": path,
                    "cpu": cpu + " (CPUID masked)",
                    "parity": _summary(p),
                    "faithful": is_faithful(p),
                }
            )
    for r in runs:
        log(f"parity on {r['integer_path']}: {json.dumps(r['parity'])}, faithful: {r['faithful']}")
    entry["parity"] = here
    entry["measured_on"] = runs
    entry["faithful"] = all(r["faithful"] for r in runs)
    entry["faithful_rule"] = (
        "top-1 agreement >= 0.95 and P(' time' | 'Once upon a') within 0.02 of fp32, on every kernel path measured"
    )


def _summary(p: dict) -> dict:
    keys = ("top1_agreement", "kl_mean", "kl_max", "max_abs_diff_prob")
    return {
        **{k: p[k] for k in keys},
        "all_positions": p["all_positions"],
        "cached_steps": p["cached_steps"],
        "once_upon_a_time": p["once_upon_a_time"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=None, help="default: the registry's smollm2-135m folder")
    ap.add_argument("--bits", type=int, choices=(4, 8), default=4)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument(
        "--accuracy-level",
        type=int,
        choices=(0, 1, 4),
        default=DEFAULT_ACCURACY_LEVEL,
        help="MatMulNBits arithmetic: 1 fp32 (default; the same on every CPU), 4 int8 activations "
        "(integer kernels that differ by CPU)",
    )
    ap.add_argument("--lm-head", choices=("fp32", "q8", "q4"), default="q8", help="tied output projection")
    ap.add_argument(
        "--requantize",
        action="store_true",
        help="plain MatMulNBitsQuantizer output (integer zero points; moves each Q4_1 block by up to "
        "half a step) instead of restoring the GGUF grid exactly",
    )
    ap.add_argument("--force", action="store_true", help="rebuild even when up to date")
    ap.add_argument("--no-parity", action="store_true", help="skip the parity check")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    if args.model_dir is None:
        from core.inference.registry import LANGUAGE_MODEL, model_dir

        args.model_dir = model_dir(LANGUAGE_MODEL)
    entry = quantize_model(
        args.model_dir,
        bits=args.bits,
        block_size=args.block_size,
        accuracy_level=args.accuracy_level,
        lm_head=args.lm_head,
        exact=not args.requantize,
        force=args.force,
        check=not args.no_parity,
        threads=args.threads,
    )
    p = entry.get("parity")
    if p:
        summary = {
            k: p[k]
            for k in ("max_abs_diff_prob", "top1_agreement", "top5_same_set", "top5_overlap", "kl_mean", "kl_max")
        }
        summary.update(all_positions=p["all_positions"], cached_steps=p["cached_steps"], time=p["once_upon_a_time"])
        log(f"parity: {json.dumps(summary)}")
        log(f"faithful: {entry.get('faithful')}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
