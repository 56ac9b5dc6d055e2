"""Attention, attribution and interventions (not a test): each figure with a peer in the same run, then
the "must show" measurements of issue 22.

1. every head (30 x 9) of a 20-token prompt with the pattern scores, forward pass included (target <= 150 ms);
   peer: the shipped fp32 graph's plain pass over the same prompt.
2. the model view's grid (270 thumbnails, one QImage) built and painted (target <= 50 ms).
3. occlusion of a 20-token prompt, every token removed in one batch (target <= 1 s); peer: the same batch in
   torch eager on the same fp32 weights (the GGUF dequantized by transformers).
4. a cached generation step with heads off / a steering vector vs a plain fp32 step (target <= 1.2x), and the
   inspection graph with its inputs unused vs the plain step (the shipped graph has no such inputs: a plain
   step runs model.onnx and pays nothing).
5. must show: induction and previous-token heads on random tokens repeated twice; top-1 accuracy on the
   repeated half before and after switching the top induction heads off (and 5 random heads as a control);
   a steering example (probability of a word set before and after; strength 0 gives the same logits).

    .venv/bin/python benchmarks/bench_attention.py [--rounds 7] [--no-torch] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.inference import registry
from core.inference.attention import attention, repeated_random_tokens, view_of_ids
from core.inference.attention_model import Intervention, InterventionDecoder
from core.inference.attribution import occlusion
from core.inference.interventions import generate_with, steering_vector, word_direction
from core.inference.sampling import Sampling, log_softmax
from core.progress import run_sync

PROMPT = ("The old lighthouse keeper walked slowly along the rocky shore every evening, watching the grey waves "
          "roll in from the sea")


def median_ms(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def interleaved(calls: dict, rounds: int) -> dict[str, float]:
    """Median ms of each call, the calls taken in turn within every round (the load of a shared machine
    drifts; interleaving gives every call the same share of it)."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for f in calls.values():
        f()
    for _ in range(rounds):
        for name, f in calls.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    return {k: 1000 * statistics.median(v) for k, v in times.items()}


def heads(m, lm, ids, rounds):
    text = m.tokenizer.decode(ids[1:])
    res = interleaved({"all_heads_ms": lambda: attention(m, text),
                       "peer_plain_pass_ms": lambda: lm.forward(np.array([ids]), precision="fp32")}, rounds)
    return {"tokens": len(ids), **res, "ratio": res["all_heads_ms"] / res["peer_plain_pass_ms"]}


def grid(m, ids, rounds):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.panels.language.attention_views import HeadGrid

    app = QApplication.instance() or QApplication([])
    w = view_of_ids(m, ids).weights
    g = HeadGrid()
    g.resize(420, 900)

    def paint():
        g.set_weights(w)
        g.grab()

    del app
    return {"grid_ms": median_ms(paint, rounds)}


def occlusion_bench(m, ids, rounds, torch_peer: bool):
    tid = int(np.argmax(m.lm_pass(ids, outputs=("logits",))["logits"][0, -1]))
    out = {"occlusion_ms": median_ms(lambda: occlusion(m, ids, tid), max(3, rounds // 2)), "rows": len(ids) - 1}
    if torch_peer:
        import torch

        from models import build_lm

        _, model = build_lm._load(build_lm.source_path())
        rows = torch.tensor([[*ids[:i], *ids[i + 1:]] for i in range(1, len(ids))])

        def eager():
            with torch.no_grad():
                return model(input_ids=rows, logits_to_keep=1).logits

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        out["peer_torch_eager_ms"] = median_ms(eager, max(3, rounds // 2))
        ours = occlusion(m, ids, tid)
        lp = torch.log_softmax(eager()[:, -1], -1)[:, tid].numpy()
        base = float(log_softmax(m.lm_pass(ids, outputs=("logits",))["logits"][0, -1])[tid])
        out["max_abs_diff_vs_torch"] = float(np.abs(ours[1:] - (base - lp)).max())
    return out


def steps(m, lm, ids, rounds):
    """One cached step after the prompt, each variant timed in turn within every round."""
    _, cache, _ = lm.extend(ids, None, "fp32")
    nxt = [ids[-1]]
    vec = steering_vector(m, word_direction(m, [("sad", "happy")]), 8, 0.5, PROMPT)
    calls = {"plain_step_ms": lambda: lm.extend(nxt, cache, "fp32")}
    for name, iv in (("inspection_unused_step_ms", Intervention()),
                     ("ablated_step_ms", Intervention.of([(17, 4), (18, 6)])),
                     ("steered_step_ms", Intervention.of((), 8, vec))):
        dec = InterventionDecoder(m, iv)
        _, c2, _ = dec.extend(ids, None)
        calls[name] = lambda d=dec, c=c2: d.extend(nxt, c)
    res = interleaved(calls, rounds)
    res.update({k.replace("_ms", "_ratio"): res[k] / res["plain_step_ms"] for k in calls if k != "plain_step_ms"})
    return res


def top1_repeated(m, ids, iv) -> float:
    n = (len(ids) - 1) // 2
    logits = m.lm_pass(ids, intervention=iv, logits_at=range(len(ids) - 1), outputs=("logits",))["logits"][0]
    pred = logits.argmax(-1)  # pred[i]: the token after position i
    second = range(n + 1, 2 * n)  # positions in the repeated half whose next token is known
    return float(np.mean([pred[i] == ids[i + 1] for i in second]))


def induction(m, seeds=(0, 1, 2, 3, 4), n=20, top=5):
    views = [view_of_ids(m, repeated_random_tokens(m, n, s)) for s in seeds]
    mean = {k: np.mean([v.scores[k] for v in views], axis=0) for k in ("induction", "previous_token")}
    order = {k: sorted(((float(mean[k][a, b]), a, b) for a in range(30) for b in range(9)), reverse=True)
             for k in mean}
    top_ind = [(a, b) for _, a, b in order["induction"][:top]]
    rng = np.random.default_rng(0)
    control = [(int(a), int(b)) for a, b in zip(rng.integers(0, 30, top), rng.integers(0, 9, top))]
    acc = {name: float(np.mean([top1_repeated(m, list(v.ids), Intervention.of(hs)) for v in views]))
           for name, hs in (("before", ()), ("top_induction_off", top_ind), ("random_heads_off", control))}
    return {"seeds": list(seeds), "n": n,
            "induction_top": [f"L{a}.H{b} {s:.2f}" for s, a, b in order["induction"][:top]],
            "previous_token_top": [f"L{a}.H{b} {s:.2f}" for s, a, b in order["previous_token"][:3]],
            "switched_off": [f"L{a}.H{b}" for a, b in top_ind], "control_heads": [f"L{a}.H{b}" for a, b in control],
            "top1_accuracy_repeated_half": acc}


def steering(m, prompt="I feel so", pairs=(("sad", "happy"),), layer=8, strength=0.5):
    up = [" happy", " good", " great", " glad", " excited", " grateful", " lucky", " proud"]
    down = [" sad", " bad", " tired", " sorry", " lonely", " depressed", " angry", " guilty"]
    ids_up = [m.tokenizer.encode_ids(w, add_special_tokens=False)[0] for w in up]
    ids_down = [m.tokenizer.encode_ids(w, add_special_tokens=False)[0] for w in down]
    ids = m.tokenizer.encode_ids(prompt)
    vec = steering_vector(m, word_direction(m, list(pairs)), layer, strength, prompt)
    zero = steering_vector(m, word_direction(m, list(pairs)), layer, 0.0, prompt)

    def mass(iv):
        p = np.exp(log_softmax(m.lm_pass(ids, intervention=iv, outputs=("logits",))["logits"][0, -1]))
        return float(p[ids_up].sum()), float(p[ids_down].sum())

    plain = m.lm_pass(ids, outputs=("logits",))["logits"]
    at0 = m.lm_pass(ids, intervention=Intervention.of((), layer, zero), outputs=("logits",))["logits"]
    greedy = Sampling(temperature=0)
    return {"prompt": prompt, "direction": ", ".join(f"{a}->{b}" for a, b in pairs), "layer": layer,
            "strength": strength, "positive_words": up, "negative_words": down,
            "before": dict(zip(("p_positive", "p_negative"), mass(Intervention()))),
            "after": dict(zip(("p_positive", "p_negative"), mass(Intervention.of((), layer, vec)))),
            "strength0_max_abs_logit_diff": float(np.abs(at0 - plain).max()),
            "continuation_before": run_sync(generate_with(m, prompt, Intervention(), 15, greedy)),
            "continuation_after": run_sync(generate_with(m, prompt, Intervention.of((), layer, vec), 15, greedy))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--only", nargs="*", help="these parts only: heads grid occlusion steps induction steering")
    args = ap.parse_args()
    m = registry.open(registry.ATTENTION)
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    ids = m.tokenizer.encode_ids(PROMPT)[:20]
    out = {"cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
    for name, fn in (("heads", lambda: heads(m, lm, ids, args.rounds)), ("grid", lambda: grid(m, ids, args.rounds)),
                     ("occlusion", lambda: occlusion_bench(m, ids, args.rounds, not args.no_torch)),
                     ("steps", lambda: steps(m, lm, ids, args.rounds * 3)), ("induction", lambda: induction(m)),
                     ("steering", lambda: steering(m))):
        if args.only and name not in args.only:
            continue
        out[name] = fn()
        print(name, json.dumps(out[name], indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
