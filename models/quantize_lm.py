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
* ``accuracy_level`` 4 computes with int8 activations (fast on AVX512-VNNI/AVX-VNNI);
  0 (unset) / 1 compute in fp32. The MLP's down projections (K = the intermediate width)
  always compute in fp32: their inputs carry SmolLM2's massive activations, which int8
  blocks cannot hold (with them in int8, P(" time" | "Once upon a") is 0.14 instead of
  fp32's 0.35; in fp32 it is 0.35, for about 10% more time per step).

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
from models.quantize_graph import exact_q4_1, fp32_compute_for_wide_inputs, share_embedding, untie_lm_head
from models.quantize_parity import is_faithful, log, parity

RECIPE_VERSION = 4  # 2: one graph, the embedding on the 8-bit lm_head table; 4: down_proj in fp32


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
    accuracy_level: int = 4,
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
    log(f"{src.name}: loaded in {time.perf_counter() - t0:.1f} s; {n_matmul_const} constant MatMuls; lm_head: {lm_head}")

    head_bits = {"q8": 8, "q4": 4}.get(lm_head)
    if head is not None and head_bits != bits:
        # the lm_head alone, with its own bit width (op type no-op so only nodes_to_include matches)
        q = MatMulNBitsQuantizer(
            model, bits=head_bits, block_size=block_size, is_symmetric=False, accuracy_level=accuracy_level,
            nodes_to_include=[head], op_types_to_quantize=("__none__",),
        )
        q.process()
        model = q.model.model
        log(f"{src.name}: lm_head quantised to {head_bits} bits ({time.perf_counter() - t0:.1f} s)")
    q = MatMulNBitsQuantizer(
        model, bits=bits, block_size=block_size, is_symmetric=False, accuracy_level=accuracy_level,
        op_types_to_quantize=("MatMul",), quant_axes=(("MatMul", 0),),
    )
    q.process()
    model = q.model.model
    counts: dict = {}
    if originals:
        counts.update(exact_q4_1(model, originals, block_size))
        log(f"{src.name}: Q4_1 grid restored ({counts}) in {time.perf_counter() - t0:.1f} s")
    for n in model.graph.node:
        if n.op_type == "MatMulNBits":
            b = next(a.i for a in n.attribute if a.name == "bits")
            counts[f"MatMulNBits_{b}bit"] = counts.get(f"MatMulNBits_{b}bit", 0) + 1
    if head is not None and head_bits == 8:
        counts["embedding"] = share_embedding(model, block_size)
    if accuracy_level != 0:
        counts["fp32_compute"] = fp32_compute_for_wide_inputs(model)
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
        "lm_head": lm_head,
        "exact_q4_1": bool(exact and bits == 4),
        "onnxruntime": ort.__version__,
    }


def quantize_model(
    model_dir: Path,
    *,
    bits: int = 4,
    block_size: int = 32,
    accuracy_level: int = 4,
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
    )
    if up_to_date:
        log(f"{', '.join(names.values())} up to date (quantized.json recipe matches); --force rebuilds")
        return entry
    t0 = time.perf_counter()
    counts = {}
    counts["model"] = quantize_file(
        model_dir / "model.onnx", model_dir / names["model"],
        bits=bits, block_size=block_size, accuracy_level=accuracy_level, lm_head=lm_head, exact=exact,
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
        log("measuring parity against the fp32 ONNX files")
        entry["parity"] = parity(model_dir, names, threads=threads)
        entry["faithful"] = is_faithful(entry["parity"])
        entry["faithful_rule"] = "top-1 agreement >= 0.95 and P(' time' | 'Once upon a') within 0.02 of fp32"
    old[f"q{bits}"] = entry
    atomic_write_json(record_path, old)
    return entry


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=None, help="default: the registry's smollm2-135m folder")
    ap.add_argument("--bits", type=int, choices=(4, 8), default=4)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--accuracy-level", type=int, choices=(0, 1, 2, 3, 4), default=4,
                    help="MatMulNBits compute type: 0 unset (fp32), 4 int8 activations")
    ap.add_argument("--lm-head", choices=("fp32", "q8", "q4"), default="q8", help="tied output projection")
    ap.add_argument("--requantize", action="store_true",
                    help="plain MatMulNBitsQuantizer output (integer zero points; moves each Q4_1 block by up to "
                    "half a step) instead of restoring the GGUF grid exactly")
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
        args.model_dir, bits=args.bits, block_size=args.block_size, accuracy_level=args.accuracy_level,
        lm_head=args.lm_head, exact=not args.requantize, force=args.force, check=not args.no_parity, threads=args.threads,
    )
    p = entry.get("parity")
    if p:
        summary = {k: p[k] for k in ("max_abs_diff_prob", "top1_agreement", "top5_same_set", "top5_overlap", "kl_mean", "kl_max")}
        summary.update(all_positions=p["all_positions"], cached_steps=p["cached_steps"], time=p["once_upon_a_time"])
        log(f"parity: {json.dumps(summary)}")
        log(f"faithful: {entry.get('faithful')}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
