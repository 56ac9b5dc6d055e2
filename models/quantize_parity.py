"""Parity of the quantised SmolLM2 ONNX files against the fp32 ones: next-token
distributions on varied prompts (top-1/top-5 agreement, KL, max |Δp|, cached steps)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def log(msg: str) -> None:
    print(f"[quantize_lm] {msg}", flush=True)


# varied: stories, facts, code, lists, dialogue, non-English, numbers
PARITY_PROMPTS = [
    "Once upon a",
    "The cat sat on the",
    "Paris is the capital of",
    "def fibonacci(n):",
    "The quick brown fox jumps over the lazy",
    "In 1492, Columbus sailed across the",
    "Water boils at a temperature of 100 degrees",
    "import numpy as np\nimport matplotlib.pyplot as",
    "My favourite colours are red, green and",
    "Q: What is the largest planet in the solar system?\nA:",
    "The meeting has been moved to next",
    "She opened the door and saw a",
    "1, 2, 3, 4, 5,",
    "Le chat est sur la",
    "The mitochondria is the powerhouse of the",
    "To be or not to be, that is the",
    "for i in range(10):\n    print(",
    "The stock market fell sharply on Monday after",
    "Dear Sir or Madam, I am writing to",
    "Photosynthesis converts sunlight, water and carbon dioxide into",
]
STEP_PROMPTS = 5  # prompts also checked through cached steps
STEP_TOKENS = 8
TIME_PROMPT = "Once upon a"


# --------------------------------------------------------------------------- parity


def _session(path: Path, threads: int | None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    if threads:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _probs(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float64)
    x = np.exp(x - x.max(-1, keepdims=True))
    return x / x.sum(-1, keepdims=True)


def _kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.sum(p * (np.log(np.maximum(p, 1e-30)) - np.log(np.maximum(q, 1e-30))), -1)


def parity(model_dir: Path, files: dict[str, str], *, threads: int | None = None) -> dict:
    """Quantised vs fp32 ONNX: next-token distributions on PARITY_PROMPTS (+ cached steps)."""
    from core.inference.tokenizer import Tokenizer

    tok = Tokenizer(model_dir / "tokenizer.json", bos_id=0)
    ref, qs = _session(model_dir / "model.onnx", threads), _session(model_dir / files["model"], threads)
    time_id = tok.encode_ids(" time")[-1]
    past = next(i for i in ref.get_inputs() if i.name == "past_kv").shape  # (layers, 2, batch, heads, past, dim)
    empty = np.zeros((past[0], 2, 1, past[3], 0, past[5]), np.float32)  # a prompt: no cache yet

    max_dp, kls, top1, top5_set, top5_overlap, rows = 0.0, [], 0, 0, 0.0, []
    all_pos_agree, all_pos_n, all_pos_kl = 0, 0, []
    step_agree, step_n, step_kls = 0, 0, []
    time_probs = None
    for i, prompt in enumerate(PARITY_PROMPTS):
        ids = np.array([tok.encode_ids(prompt)], dtype=np.int64)
        r_logits, _, r_kv = ref.run(None, {"input_ids": ids, "past_kv": empty})
        q_logits, _, q_kv = qs.run(None, {"input_ids": ids, "past_kv": empty})
        rp, qp = _probs(r_logits[0]), _probs(q_logits[0])  # (seq, vocab)
        all_pos_agree += int((rp.argmax(-1) == qp.argmax(-1)).sum())
        all_pos_n += rp.shape[0]
        all_pos_kl.extend(_kl(rp, qp).tolist())
        p, q = rp[-1], qp[-1]
        max_dp = max(max_dp, float(np.abs(p - q).max()))
        kl = float(_kl(p, q))
        kls.append(kl)
        r5, q5 = np.argsort(-p)[:5], np.argsort(-q)[:5]
        top1 += int(r5[0] == q5[0])
        top5_set += int(set(r5) == set(q5))
        top5_overlap += len(set(r5) & set(q5)) / 5
        if prompt == TIME_PROMPT:
            time_probs = {"fp32": round(float(p[time_id]), 4), "quantized": round(float(q[time_id]), 4)}
        rows.append({
            "prompt": prompt,
            "fp32_top": [tok.text(int(r5[0])), round(float(p[r5[0]]), 4)],
            "quant_top": [tok.text(int(q5[0])), round(float(q[q5[0]]), 4)],
            "kl": round(kl, 5),
        })
        if i < STEP_PROMPTS:  # greedy continuation chosen by fp32, each model with its own cache
            nxt = int(r5[0])
            for _ in range(STEP_TOKENS):
                feed = np.array([[nxt]], dtype=np.int64)
                r_l, _, r_kv = ref.run(None, {"input_ids": feed, "past_kv": r_kv})
                q_l, _, q_kv = qs.run(None, {"input_ids": feed, "past_kv": q_kv})
                sp, sq = _probs(r_l[0, -1]), _probs(q_l[0, -1])
                step_agree += int(sp.argmax() == sq.argmax())
                step_n += 1
                step_kls.append(float(_kl(sp, sq)))
                nxt = int(sp.argmax())
        log(f"parity {i + 1}/{len(PARITY_PROMPTS)}: {prompt[:40]!r} KL {kl:.4f}")
    n = len(PARITY_PROMPTS)
    return {
        "against": "fp32 ONNX (model.onnx), last position unless noted",
        "n_prompts": n,
        "max_abs_diff_prob": round(max_dp, 5),
        "top1_agreement": round(top1 / n, 4),
        "top5_same_set": round(top5_set / n, 4),
        "top5_overlap": round(top5_overlap / n, 4),
        "kl_mean": round(float(np.mean(kls)), 5),
        "kl_max": round(float(np.max(kls)), 5),
        "all_positions": {
            "n": all_pos_n,
            "top1_agreement": round(all_pos_agree / all_pos_n, 4),
            "kl_mean": round(float(np.mean(all_pos_kl)), 5),
        },
        "cached_steps": {
            "n": step_n,
            "top1_agreement": round(step_agree / step_n, 4),
            "kl_mean": round(float(np.mean(step_kls)), 5),
        },
        "once_upon_a_time": time_probs,
        "prompts": rows,
    }


def is_faithful(p: dict) -> bool:
    t = p.get("once_upon_a_time") or {}
    return p["top1_agreement"] >= 0.95 and abs(t.get("fp32", 0) - t.get("quantized", 1)) <= 0.02


# --------------------------------------------------------------------------- driver


