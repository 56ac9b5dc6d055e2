"""Build the fast SmolLM2-135M decoder (``smollm2-135m-fast``) from the packaged GGUF.

``model.onnx``  input_ids (batch, seq), attention_mask (batch, past + seq), past_key_values.{i}.key/value
                (batch, 3, past, 64) for i < 30, optional logits_from (1,) (default 0) -> logits
                (batch, seq - logits_from, 49152), present.{i}.key/value (batch, 3, past + seq, 64), and
                optional hidden_states.{i} (batch, seq, 576) for i <= 30 (the lens and contextual vectors).
                onnxruntime's fused operators: GroupQueryAttention with its rotary embedding,
                (Skip)SimplifiedLayerNormalization, MatMulNBits; 114 MB.

Steps: transformers dequantizes the GGUF (Q4_1 layers, Q8_0 tied embedding) to fp32; onnxruntime-genai's
model builder (build extra) writes the fused fp32 graph from it; models/fast_lm_graph.py stores every
weight back on the GGUF's own grid (exact Q4_1 codes, the Q8_0 table as two 4-bit halves) and sets the
arithmetic per group. Parity against the app's fp32 file (smollm2-135m, built first) is measured on this
CPU's kernels and, where models/cpu_mask can hide AVX-512 and VNNI, on the AVX2 kernels, and recorded in
the manifest. Registered as ``smollm2-135m-fast`` (core/inference/registry.py): ``python main.py models build``
builds it after ``smollm2-135m``; ``python -m models.build_fast_lm [--force]`` builds it alone.

Why this recipe (measured on an AMD EPYC with AVX-512 VNNI, and masked to AVX2; models/fast_lm_parity.py):
every MatMulNBits at accuracy level 4 (int8 activations) except the MLP down projections moved
P(" time" | "Once upon a") from 0.347 to 0.276 (VNNI) / 0.300 (AVX2); the lm_head alone at level 4 to 0.368
on both (over the 0.02 rule). Everything at level 1 (fp32 arithmetic) gives fp32's answers: KL 0 to six
decimals, top-1 100% at every position, 0.347 on both kernel paths. Only the lm_head's low half (codes
0..15 times a sixteenth of the high half's step) computes with int8 activations: its integer sums are
exact on every ISA, and it costs KL 1.4e-5 and 0.349.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from core.progress import Job, Progress
from models.build_common import package_file, quiet_build_logs, require_build_extra, sha256_file, tool_versions
from models.build_lm import BOS_ID, LICENCE, SOURCE
from models.fast_lm_graph import DEFAULT_LEVELS, GROUPS, LOGITS_FROM, quantize_fast

NAME = "smollm2-135m-fast"
FILE = "model.onnx"
RECIPE_VERSION = 3  # 2: hidden_states.{i} outputs, manifest precision "fast"; 3: Q4_1 offsets stored in fp16
BUILDER = ("onnxruntime-genai", "0.18.0")  # python -m onnxruntime_genai.models.builder -p fp32 -e cpu


def source_path() -> Path:
    return package_file(SOURCE["package"], SOURCE["version"], SOURCE["path"])


def out_dir() -> Path:
    from core.inference import registry

    return registry.models_dir() / NAME


def recipe() -> dict:
    import onnxruntime

    return {"recipe_version": RECIPE_VERSION, "source_sha256": sha256_file(source_path()),
            "builder": "==".join(BUILDER), "levels": DEFAULT_LEVELS, "onnxruntime": onnxruntime.__version__}


def _hf_folder(folder: Path):
    """The GGUF dequantized to fp32 by transformers, saved as an HF folder the model builder reads."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    gguf = source_path()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}  # tied
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config.to_dict()
    cfg.pop("quantization_config", None)  # transformers will not save a GGUF-loaded model itself
    cfg.update(architectures=["LlamaForCausalLM"], torch_dtype="float32")
    (folder / "config.json").write_text(json.dumps(cfg, indent=1), encoding="utf-8")
    tok.save_pretrained(str(folder))
    return tok, model.config


def _run_builder(hf: Path, out: Path, cache: Path) -> None:
    try:
        import onnxruntime_genai  # noqa: F401
    except ImportError:
        from core.errors import ModelError

        raise ModelError(f"onnxruntime-genai is not installed: pip install {'=='.join(BUILDER)} "
                         "(the build extra)") from None
    cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf), "-o", str(out),
           "-p", "fp32", "-e", "cpu", "-c", str(cache)]
    run = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if run.returncode != 0 or not (out / "model.onnx").is_file():
        raise RuntimeError(f"the model builder failed (rc {run.returncode}): {run.stderr.strip()[-500:]}")


def build(stage: Path) -> Job[dict]:
    """Write model.onnx, tokenizer.json, genai_config.json into ``stage``; parity in the manifest."""
    require_build_extra()
    quiet_build_logs()
    from core.errors import ModelError
    from models import fast_lm_parity

    ref_dir = fast_lm_parity.fp32_dir()
    if not (ref_dir / "model.onnx").is_file():
        raise ModelError(f"the fp32 SmolLM2 ({ref_dir}) is the parity reference: build it first "
                         "(python main.py models build --only smollm2-135m)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fast-lm-") as tmp:
        tmp = Path(tmp)
        (tmp / "hf").mkdir()
        yield Progress(0.02, "dequantizing the GGUF to fp32 (transformers)")
        hf_tok, cfg = _hf_folder(tmp / "hf")
        hf_tok.backend_tokenizer.save(str(stage / "tokenizer.json"))
        yield Progress(0.15, "fused fp32 graph (onnxruntime-genai model builder)")
        _run_builder(tmp / "hf", tmp / "fp32", tmp / "cache")
        genai = json.loads((tmp / "fp32" / "genai_config.json").read_text(encoding="utf-8"))
        genai["model"]["bos_token_id"] = BOS_ID
        (stage / "genai_config.json").write_text(json.dumps(genai, indent=4), encoding="utf-8")
        yield Progress(0.35, "the GGUF's grid restored in MatMulNBits (exact Q4_1, Q8_0 as two 4-bit halves)")
        counts = quantize_fast(tmp / "fp32" / "model.onnx", stage / FILE, DEFAULT_LEVELS)
    yield Progress(0.55, f"{FILE} written ({counts['bytes'] / 1e6:.0f} MB); parity against fp32 on this CPU")
    here = fast_lm_parity.parity(stage / FILE, ref_dir)
    runs = [fast_lm_parity.summary(here)]
    yield Progress(0.8, "parity on the AVX2 kernels (models/cpu_mask)")
    masked = fast_lm_parity.masked(stage / FILE, ref_dir)
    if masked is not None:
        runs.append({**fast_lm_parity.summary(masked), "cpu": masked["cpu"] + " (CPUID masked)"})
    holds = all(r["holds_targets"] for r in runs)
    yield Progress(0.98, f"parity holds on {', '.join(r['integer_path'] for r in runs)}: {holds}")
    return {
        "name": NAME,
        "display_name": "SmolLM2-135M (fast)",
        "kind": "causal-lm",
        "precision": "fast",  # core.inference.fast_graph: opened alone, every pass runs on this graph
        "description": "SmolLM2-135M with onnxruntime's fused operators and the GGUF's own 4-bit / 8-bit weights; "
                       "fp32's answers (parity below).",
        "licence": LICENCE,
        "source": {**SOURCE, "sha256": sha256_file(source_path())},
        "tokenizer": {"file": "tokenizer.json", "library": "tokenizers", "bos_id": BOS_ID, "prepend_bos": True,
                      "eos_id": int(cfg.eos_token_id), "vocab_size": int(cfg.vocab_size)},
        "config": {"n_layers": int(cfg.num_hidden_layers), "hidden_size": int(cfg.hidden_size),
                   "n_heads": int(cfg.num_attention_heads), "n_kv_heads": int(cfg.num_key_value_heads),
                   "head_dim": int(cfg.hidden_size // cfg.num_attention_heads), "vocab_size": int(cfg.vocab_size),
                   "max_positions": int(cfg.max_position_embeddings)},
        "io": {"inputs": ["input_ids", "attention_mask", "past_key_values.{i}.key", "past_key_values.{i}.value",
                          f"{LOGITS_FROM} (optional, default 0)"],
               "outputs": ["logits", "present.{i}.key", "present.{i}.value", "hidden_states.{i} (optional, i <= "
                           f"{int(cfg.num_hidden_layers)})"],
               "lacks": "attention weights, head masks, steering: the Attention panel uses the attention graphs"},
        "files": {"model": FILE, "tokenizer": "tokenizer.json", "genai_config": "genai_config.json"},
        "build": {
            "script": "models/build_fast_lm.py",
            "graph": "onnxruntime-genai model builder (-p fp32 -e cpu), then models/fast_lm_graph.py",
            "weights": "Q4_1 layers exact (MatMulNBits codes and steps, integer zero point, per-block remainder "
                       "added by an fp32 MatMul on block sums); Q8_0 embedding / lm_head exact as two 4-bit halves",
            "block_size": 32,
            "accuracy_levels": DEFAULT_LEVELS,
            "level_groups": list(GROUPS),
            "nodes": {k: v for k, v in counts.items() if k not in ("levels",)},
            "seconds_to_build": round(time.perf_counter() - t0, 1),
            "tools": tool_versions("onnxruntime", "onnxruntime-genai", "onnx", "torch", "transformers", "numpy"),
        },
        "parity": {
            "against": f"the app's fp32 file ({ref_dir.name}/model.onnx)",
            "targets": fast_lm_parity.TARGETS,
            "measured_on": runs,
            "holds_targets": holds,
            "prompts": here["prompts"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    from core.progress import run_sync
    from models.build import build_model, print_progress

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    print(run_sync(build_model(NAME, force=args.force), print_progress))
    m = json.loads((out_dir() / "manifest.json").read_text(encoding="utf-8"))
    print(json.dumps({"file": m["files"]["model"]["bytes"], "parity": m["parity"]["measured_on"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
