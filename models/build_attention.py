"""Build the inspection graphs: SmolLM2-135M and all-MiniLM-L6-v2 with their attention written out.

A separate model (``attention``), so the shipped graphs and their plain steps are untouched:
a plain next-word step never runs these files and pays nothing for them.

``lm_attention.onnx``       input_ids (batch, seq), past_kv (30, 2, batch, 3, past, 64),
                            head_mask (batch, 30, 9), steer (batch, 30, 576),
                            logits_at (n,) int64 -> logits (batch, n, 49152) at those new positions,
                            attentions (30, batch, 9, seq, past + seq),
                            hidden_states (31, batch, seq, 576), value_norms (30, batch, 9, seq),
                            present_kv (30, 2, batch, 3, past + seq, 64)
``encoder_attention.onnx``  input_ids (batch, seq), head_mask (batch, 6, 12), steer (batch, 6, 384) ->
                            attentions (6, batch, 12, seq, seq), hidden_states (7, batch, seq, 384),
                            value_norms (6, batch, 12, seq)

Attention is computed explicitly (softmax of q·k/√d, causal for the decoder) from the same
modules as the shipped graphs. ``head_mask[b, l, h]`` scales head h's output at layer l before
the output projection (1 = on, 0 = switched off); ``steer[b, l]`` is added to the residual stream
that layer l reads, at every position (zeros = nothing). ``hidden_states[l]`` is that stream
(after the addition), the last one before the final norm. ``logits_at`` picks the positions whose
logits are computed (the last one for a next word: a batch of 20 prompts then costs 20
unembeddings, not 400). ``value_norms[l, b, h, j]`` is |v_j W_O^h|, the size of what position j
can write through head h (for attention × value norm).
Needs the build extra (torch, transformers, gguf, onnx, onnxscript).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.progress import Job, Progress
from models import build_encoder, build_lm
from models.build_common import export_onnx, quiet_build_logs, require_build_extra, sha256_file, tool_versions

NAME = "attention"
RECIPE_VERSION = 1
PROMPTS = ["The cat sat on the mat because it was tired", "Once upon a time there"]


def recipe() -> dict:
    enc_src = build_encoder.source_path()
    return {"recipe_version": RECIPE_VERSION, "source_sha256": _source_shas(),
            "encoder_tokenizer_sha256": sha256_file(enc_src.parent / "tokenizer.json"), "dtype": "float32"}


def _source_shas() -> list[str]:
    """The two source files read (SmolLM2's GGUF, MiniLM's safetensors), as the manifest lists them."""
    return [sha256_file(build_lm.source_path()), sha256_file(build_encoder.source_path())]


def _lm_module(model):
    import torch
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    cfg = model.config
    n_heads, n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
    head_dim = cfg.hidden_size // n_heads
    rep = n_heads // n_kv

    class Inspect(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids, past_kv, head_mask, steer, logits_at):
            inner = self.lm.model
            b, t = input_ids.shape
            p = past_kv.shape[4]
            x = inner.embed_tokens(input_ids)
            pos = (torch.arange(t, device=x.device) + p).unsqueeze(0).expand(b, t)
            cos, sin = inner.rotary_emb(x, pos)
            keys_at = torch.arange(p + t, device=x.device)
            allowed = keys_at.unsqueeze(0) <= pos[0].unsqueeze(1)  # (t, p + t)
            hidden, attns, norms, present = [], [], [], []
            for i, layer in enumerate(inner.layers):
                x = x + steer[:, i].unsqueeze(1)
                hidden.append(x)
                a = layer.self_attn
                h = layer.input_layernorm(x)
                q = a.q_proj(h).view(b, t, n_heads, head_dim).transpose(1, 2)
                k = a.k_proj(h).view(b, t, n_kv, head_dim).transpose(1, 2)
                v = a.v_proj(h).view(b, t, n_kv, head_dim).transpose(1, 2)
                q, k = apply_rotary_pos_emb(q, k, cos, sin)
                k = torch.cat([past_kv[i, 0], k], dim=2)
                v = torch.cat([past_kv[i, 1], v], dim=2)
                present.append(torch.stack([k, v]))
                kr = k.repeat_interleave(rep, dim=1)
                vr = v.repeat_interleave(rep, dim=1)
                scores = q @ kr.transpose(2, 3) * head_dim ** -0.5
                scores = torch.where(allowed, scores, torch.finfo(scores.dtype).min)
                probs = torch.softmax(scores, dim=-1)
                attns.append(probs)
                out = (probs @ vr) * head_mask[:, i].unsqueeze(-1).unsqueeze(-1)
                w_o = a.o_proj.weight.view(cfg.hidden_size, n_heads, head_dim)  # (hidden, heads, d)
                new_v = vr[:, :, -t:]
                norms.append(torch.einsum("bhsd,ohd->bhso", new_v, w_o).norm(dim=-1))
                x = x + a.o_proj(out.transpose(1, 2).reshape(b, t, cfg.hidden_size))
                x = x + layer.mlp(layer.post_attention_layernorm(x))
            hidden.append(x)
            logits = self.lm.lm_head(inner.norm(x.index_select(1, logits_at)))
            return (logits, torch.stack(attns), torch.stack(hidden), torch.stack(norms), torch.stack(present))

    return Inspect().eval()


def _encoder_module(bert):
    import torch

    cfg = bert.config
    n_heads = cfg.num_attention_heads
    head_dim = cfg.hidden_size // n_heads

    class Inspect(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, head_mask, steer):
            b, t = input_ids.shape
            x = self.bert.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
            hidden, attns, norms = [], [], []
            for i, layer in enumerate(self.bert.encoder.layer):
                x = x + steer[:, i].unsqueeze(1)
                hidden.append(x)
                s = layer.attention.self
                q = s.query(x).view(b, t, n_heads, head_dim).transpose(1, 2)
                k = s.key(x).view(b, t, n_heads, head_dim).transpose(1, 2)
                v = s.value(x).view(b, t, n_heads, head_dim).transpose(1, 2)
                probs = torch.softmax(q @ k.transpose(2, 3) * head_dim ** -0.5, dim=-1)
                attns.append(probs)
                out = (probs @ v) * head_mask[:, i].unsqueeze(-1).unsqueeze(-1)
                dense = layer.attention.output.dense
                w_o = dense.weight.view(cfg.hidden_size, n_heads, head_dim)
                norms.append(torch.einsum("bhsd,ohd->bhso", v, w_o).norm(dim=-1))
                attn_out = layer.attention.output(out.transpose(1, 2).reshape(b, t, cfg.hidden_size), x)
                x = layer.output(layer.intermediate(attn_out), attn_out)
            hidden.append(x)
            return torch.stack(attns), torch.stack(hidden), torch.stack(norms)

    return Inspect().eval()


def build(stage: Path) -> Job[dict]:
    """Write both inspection graphs, their tokenizers and reference.npz into ``stage``; returns the manifest."""
    require_build_extra()
    quiet_build_logs()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    yield Progress(0.02, "loading SmolLM2's GGUF, dequantizing to fp32")
    hf_tok, model = build_lm._load(build_lm.source_path())
    model.config._attn_implementation = "eager"  # torch's own attention weights, for the parity below
    tok = build_lm._tokenizer(hf_tok, stage / "tokenizer.json")
    lm = _lm_module(model)
    cfg = model.config
    rows = [build_lm._ids_of(tok, hf_tok, p) for p in PROMPTS]  # a batch of two: batch is not fixed at 1
    ids = torch.tensor([r[: min(map(len, rows))] for r in rows])
    split = ids.shape[1] - 2
    with torch.no_grad():
        kv = lm(ids[:, :split], torch.from_numpy(build_lm.empty_cache(cfg, 2)), *_neutral(cfg, 2),
                torch.arange(split))[4]
    args = (ids[:, split:], kv, *_neutral(cfg, 2), torch.tensor([0, 1]))
    yield Progress(0.10, "exporting lm_attention.onnx (about a minute)")
    t0 = time.perf_counter()
    dims = {n: torch.export.Dim(n) for n in ("batch", "seq", "past")}
    lm_opset = export_onnx(lm, args, stage / "lm_attention.onnx",
                           ["input_ids", "past_kv", "head_mask", "steer", "logits_at"],
                           ["logits", "attentions", "hidden_states", "value_norms", "present_kv"],
                           ({0: dims["batch"], 1: dims["seq"]}, {2: dims["batch"], 4: dims["past"]},
                            {0: dims["batch"]}, {0: dims["batch"]}, {0: torch.export.Dim("n")}))
    yield Progress(0.60, f"exported in {time.perf_counter() - t0:.0f} s; parity against torch")
    lm_parity = _lm_parity(model, lm, tok, hf_tok, stage)

    yield Progress(0.75, "loading all-MiniLM-L6-v2 and exporting encoder_attention.onnx")
    src = build_encoder.source_path().parent
    bert = build_encoder._load(src)
    bert.config._attn_implementation = "eager"
    etok = build_encoder._tokenizer(src, stage / "encoder_tokenizer.json")
    enc = _encoder_module(bert)
    e_rows = [etok.encode(p).ids for p in PROMPTS]
    e_ids = torch.tensor([r[: min(map(len, e_rows))] for r in e_rows])
    b, s = torch.export.Dim("batch"), torch.export.Dim("seq")
    enc_opset = export_onnx(enc, (e_ids, *_neutral(bert.config, 2)), stage / "encoder_attention.onnx",
                            ["input_ids", "head_mask", "steer"], ["attentions", "hidden_states", "value_norms"],
                            ({0: b, 1: s}, {0: b}, {0: b}))
    enc_parity = _encoder_parity(bert, enc, etok, stage)
    yield Progress(0.97, "writing manifest")
    return _manifest(cfg, bert.config, {"lm": lm_opset, "encoder": enc_opset}, lm_parity, enc_parity)


def _neutral(cfg, batch: int):
    """The head mask and steering that change nothing: ones and zeros."""
    import torch

    n_layers, n_heads = cfg.num_hidden_layers, cfg.num_attention_heads
    return torch.ones(batch, n_layers, n_heads), torch.zeros(batch, n_layers, cfg.hidden_size)


def _session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _lm_parity(model, lm, tok, hf_tok, stage: Path) -> dict:
    """The graph against torch eager (HF's own attention weights and logits) on PROMPTS; reference.npz."""
    import torch

    cfg = model.config
    sess = _session(stage / "lm_attention.onnx")
    worst = {"logits": 0.0, "attentions": 0.0, "hidden_states": 0.0}
    for prompt in PROMPTS:
        ids = np.array([build_lm._ids_of(tok, hf_tok, prompt)], np.int64)
        mask, steer = (x.numpy() for x in _neutral(cfg, 1))
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(ids), output_attentions=True, output_hidden_states=True)
        o_logits, o_att, o_hidden, _, _ = sess.run(None, {"input_ids": ids, "past_kv": build_lm.empty_cache(cfg),
                                                          "head_mask": mask, "steer": steer,
                                                          "logits_at": np.arange(ids.shape[1])})
        worst["logits"] = max(worst["logits"], float(np.abs(o_logits - out.logits.numpy()).max()))
        worst["attentions"] = max(worst["attentions"],
                                  float(np.abs(o_att - torch.stack(out.attentions).numpy()).max()))
        t_hidden = torch.stack(out.hidden_states[:-1]).numpy()  # the last HF one is after the final norm
        worst["hidden_states"] = max(worst["hidden_states"], float(np.abs(o_hidden[:-1] - t_hidden).max()))
        if prompt == PROMPTS[0]:
            np.savez(stage / "reference.npz", lm_input_ids=ids[0], lm_logits_last=o_logits[0, -1],
                     lm_attentions=o_att[:, 0])
    return {"against": "torch eager (output_attentions), same fp32 weights",
            **{f"max_abs_diff_{k}": v for k, v in worst.items()}}


def _encoder_parity(bert, enc, etok, stage: Path) -> dict:
    import torch

    sess = _session(stage / "encoder_attention.onnx")
    ids = np.array([etok.encode(PROMPTS[0]).ids], np.int64)
    mask, steer = (x.numpy() for x in _neutral(bert.config, 1))
    with torch.no_grad():
        out = bert(input_ids=torch.from_numpy(ids), token_type_ids=torch.zeros_like(torch.from_numpy(ids)),
                   output_attentions=True, output_hidden_states=True)
    o_att, o_hidden, _ = sess.run(None, {"input_ids": ids, "head_mask": mask, "steer": steer})
    with np.load(stage / "reference.npz") as ref:
        saved = dict(ref)
    np.savez(stage / "reference.npz", **saved, encoder_input_ids=ids[0], encoder_attentions=o_att[:, 0])
    return {"against": "torch eager (output_attentions), same fp32 weights",
            "max_abs_diff_attentions": float(np.abs(o_att - torch.stack(out.attentions).numpy()).max()),
            "max_abs_diff_hidden_states": float(np.abs(o_hidden - torch.stack(out.hidden_states).numpy()).max())}


def _manifest(cfg, ecfg, opsets: dict, lm_parity: dict, enc_parity: dict) -> dict:
    return {
        "name": NAME,
        "display_name": "Attention inspection graphs",
        "kind": "attention",
        "description": "SmolLM2-135M and all-MiniLM-L6-v2 with every head's attention weights as outputs and "
                       "two optional inputs that default to doing nothing: a head mask and a per-layer "
                       "residual addition (steering).",
        "licence": f"{build_lm.LICENCE} (SmolLM2); {build_encoder.LICENCE} (MiniLM)",
        "source": {"package": f"{build_lm.SOURCE['package']}, {build_encoder.SOURCE['package']}",
                   "version": f"{build_lm.SOURCE['version']}, {build_encoder.SOURCE['version']}",
                   "lm": build_lm.SOURCE, "encoder": build_encoder.SOURCE, "sha256": _source_shas()},
        "tokenizer": {"file": "tokenizer.json", "library": "tokenizers", "bos_id": build_lm.BOS_ID,
                      "prepend_bos": True, "eos_id": int(cfg.eos_token_id)},
        "config": {
            "n_layers": int(cfg.num_hidden_layers), "n_heads": int(cfg.num_attention_heads),
            "n_kv_heads": int(cfg.num_key_value_heads), "hidden_size": int(cfg.hidden_size),
            "head_dim": int(cfg.hidden_size // cfg.num_attention_heads), "vocab_size": int(cfg.vocab_size),
            "max_positions": int(cfg.max_position_embeddings),
        },
        "encoder_config": {"n_layers": int(ecfg.num_hidden_layers), "n_heads": int(ecfg.num_attention_heads),
                           "hidden_size": int(ecfg.hidden_size), "max_tokens": build_encoder.MAX_TOKENS},
        "layers": ["embeddings"] + [f"layer {i + 1}" for i in range(cfg.num_hidden_layers)],
        "files": {"model": "lm_attention.onnx", "encoder": "encoder_attention.onnx",
                  "tokenizer": "tokenizer.json", "encoder_tokenizer": "encoder_tokenizer.json",
                  "reference": "reference.npz"},
        "build": {
            "script": "models/build_attention.py",
            "exporter": "torch.onnx.export(dynamo=True, external_data=False); attention computed explicitly",
            "opset": opsets, "dtype": "float32", "seed": 0,
            "tools": tool_versions("torch", "transformers", "gguf", "onnx", "onnxscript", "onnxruntime", "numpy"),
        },
        "parity": {"against": "torch eager (output_attentions), same fp32 weights", "lm": lm_parity,
                   "encoder": enc_parity},
        "reference": {"file": "reference.npz", "produced_by": "onnxruntime CPU at build time", "tolerance": 1e-4},
    }
