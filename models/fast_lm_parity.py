"""Parity of the fast SmolLM2 graph (models/fast_lm_graph.py) against the app's fp32 file
(models/build_lm.py's model.onnx): the prompts, measures and rule of models/quantize_parity.py, plus
the targets of issue 25 (top-1 100% at the last position, >= 97% over all positions, KL mean
<= 0.005, |ΔP(" time" | "Once upon a")| <= 0.02).

``python -m models.fast_lm_parity FAST.onnx [--fp32-dir DIR] [--threads 2]`` prints one JSON line
(``PARITY {...}``), so a masked process (models/cpu_mask) can report it too."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from models.quantize_parity import PARITY_PROMPTS, STEP_PROMPTS, STEP_TOKENS, TIME_PROMPT, _kl, _probs, _session

TARGETS = {"top1_last": 1.0, "top1_all_positions": 0.97, "kl_mean": 0.005, "time_delta": 0.02}


def fp32_dir() -> Path:
    from core.inference.registry import LANGUAGE_MODEL, model_dir

    return model_dir(LANGUAGE_MODEL)


def parity(fast: Path, ref_dir: Path | None = None, *, threads: int | None = 2) -> dict:
    from core.cpu import cpu_info
    from core.inference.tokenizer import Tokenizer
    from models.fast_lm_graph import FastDecoder

    ref_dir = ref_dir or fp32_dir()
    tok = Tokenizer(ref_dir / "tokenizer.json", bos_id=0)
    ref = _session(ref_dir / "model.onnx", threads)
    dec = FastDecoder(fast, threads=threads)
    past = next(i for i in ref.get_inputs() if i.name == "past_kv").shape
    empty = np.zeros((past[0], 2, 1, past[3], 0, past[5]), np.float32)
    time_id = tok.encode_ids(" time")[-1]

    top1, kls, max_dp, agree_all, n_all, kl_all, rows = 0, [], 0.0, 0, 0, [], []
    step_agree, step_n, step_kls, time_probs = 0, 0, [], None
    for i, prompt in enumerate(PARITY_PROMPTS):
        ids = tok.encode_ids(prompt)
        r_logits, _, r_kv = ref.run(None, {"input_ids": np.array([ids], np.int64), "past_kv": empty})
        q_logits = dec.prompt(ids, all_positions=True)
        rp, qp = _probs(r_logits[0]), _probs(q_logits)
        agree_all += int((rp.argmax(-1) == qp.argmax(-1)).sum())
        n_all += rp.shape[0]
        kl_all.extend(_kl(rp, qp).tolist())
        p, q = rp[-1], qp[-1]
        max_dp = max(max_dp, float(np.abs(p - q).max()))
        kls.append(float(_kl(p, q)))
        top1 += int(p.argmax() == q.argmax())
        if prompt == TIME_PROMPT:
            time_probs = {"fp32": round(float(p[time_id]), 4), "fast": round(float(q[time_id]), 4)}
        rows.append({"prompt": prompt, "fp32_top": [tok.text(int(p.argmax())), round(float(p.max()), 4)],
                     "fast_top": [tok.text(int(q.argmax())), round(float(q.max()), 4)], "kl": round(kls[-1], 5)})
        if i < STEP_PROMPTS:  # greedy continuation chosen by fp32, each model on its own cache
            nxt = int(p.argmax())
            for _ in range(STEP_TOKENS):
                r_l, _, r_kv = ref.run(None, {"input_ids": np.array([[nxt]], np.int64), "past_kv": r_kv})
                sp, sq = _probs(r_l[0, -1]), _probs(dec.step(nxt))
                step_agree += int(sp.argmax() == sq.argmax())
                step_n += 1
                step_kls.append(float(_kl(sp, sq)))
                nxt = int(sp.argmax())
    n = len(PARITY_PROMPTS)
    out = {
        "against": "the app's fp32 ONNX (model.onnx); last position unless noted",
        "cpu": cpu_info().line(),
        "integer_path": cpu_info().integer_path,
        "n_prompts": n,
        "top1_agreement": round(top1 / n, 4),
        "kl_mean": round(float(np.mean(kls)), 6),
        "kl_max": round(float(np.max(kls)), 6),
        "max_abs_diff_prob": round(max_dp, 5),
        "all_positions": {"n": n_all, "top1_agreement": round(agree_all / n_all, 4),
                          "kl_mean": round(float(np.mean(kl_all)), 6)},
        "cached_steps": {"n": step_n, "top1_agreement": round(step_agree / step_n, 4),
                         "kl_mean": round(float(np.mean(step_kls)), 6)},
        "once_upon_a_time": time_probs,
        "prompts": rows,
    }
    out["holds_targets"] = holds(out)
    return out


def holds(p: dict) -> bool:
    t = p["once_upon_a_time"]
    return (p["top1_agreement"] >= TARGETS["top1_last"]
            and p["all_positions"]["top1_agreement"] >= TARGETS["top1_all_positions"]
            and p["kl_mean"] <= TARGETS["kl_mean"]
            and abs(t["fp32"] - t["fast"]) <= TARGETS["time_delta"])


def summary(p: dict) -> dict:
    return {k: p[k] for k in ("integer_path", "top1_agreement", "kl_mean", "kl_max", "all_positions",
                              "cached_steps", "once_upon_a_time", "holds_targets")}


def masked(fast: Path, ref_dir: Path | None = None, *, threads: int | None = 2) -> dict | None:
    """The same parity in a process whose CPU shows only AVX2 (models/cpu_mask); None where it cannot."""
    import subprocess

    from models import cpu_mask

    if cpu_mask.unavailable() is not None:
        return None
    cmd = [sys.executable, "-m", "models.fast_lm_parity", str(fast), "--threads", str(threads or 0)]
    if ref_dir:
        cmd += ["--fp32-dir", str(ref_dir)]
    run = subprocess.run(cmd, env=cpu_mask.environment(), cwd=str(Path(__file__).resolve().parents[1]),
                         capture_output=True, text=True)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("PARITY ")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"masked parity failed (rc {run.returncode}): {run.stderr.strip()[-400:]}")
    return json.loads(line[len("PARITY "):])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fast", type=Path)
    ap.add_argument("--fp32-dir", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--masked", action="store_true", help="also on the AVX2 kernels (models/cpu_mask)")
    args = ap.parse_args(argv)
    p = parity(args.fast, args.fp32_dir, threads=args.threads or None)
    print("PARITY " + json.dumps(p), flush=True)
    if args.masked:
        m = masked(args.fast, args.fp32_dir, threads=args.threads)
        print("MASKED " + json.dumps(summary(m) if m else None), flush=True)
    print(json.dumps(summary(p)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
