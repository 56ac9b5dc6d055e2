"""Model latency and throughput: ``python benchmarks/bench_models.py [--threads N] [--no-torch]``.

Prints, in one run:
* next-token latency for 5 / 20 / 100-token prompts, onnxruntime (fp32, and the 4-bit
  model_q4.onnx when built) vs torch eager on the same fp32 weights (the GGUF dequantized by
  transformers), and their ratios;
* per-token latency of cached step-by-step generation (onnxruntime fp32 and 4-bit, and torch
  with its cache);
* encoder sentences per second; digit images per second.

Torch is part of the build extra; without it the torch columns are skipped.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.inference import registry
from core.inference.generation import start
from core.inference.runtime import default_threads
from core.progress import run_sync

TEXT = (
    "The history of the city begins in the early middle ages, when a small group of farmers settled on the "
    "banks of the river. Over the following centuries the settlement grew into a busy market town, with a "
    "church, a bridge and a castle that guarded the crossing. Merchants came from far away to trade wool, "
    "salt and wine, and the town council built a large hall where the guilds met. In the eighteenth century "
    "the first factories appeared, and the population doubled within a few decades. Today the old centre is "
    "a quiet place of narrow streets, small shops and cafes, while the new districts spread along the valley."
)


def timed(fn, repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def load_torch_model(threads: int):
    try:
        import torch
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as hf_logging
    except ImportError:
        return None, None
    from models.build_lm import source_path

    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads)
    gguf = source_path()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).eval()
    return torch, model


class TorchWorker:
    """Torch eager timings in a child process, so its OpenMP threads never compete with onnxruntime's.

    The child loads the model once, then answers one measuring round per line on stdin.
    """

    def __init__(self, threads: int) -> None:
        cmd = [sys.executable, __file__, "--torch-worker", "--threads", str(threads)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self.ok = json.loads(self.proc.stdout.readline() or "{}").get("ready", False)

    def round(self) -> dict:
        self.proc.stdin.write("round\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def torch_worker_loop(threads: int) -> None:
    torch, model = load_torch_model(threads)
    print(json.dumps({"ready": torch is not None}), flush=True)
    if torch is None:
        return
    from transformers.cache_utils import DynamicCache

    from core.inference.tokenizer import Tokenizer

    tok = Tokenizer(registry.model_dir(registry.LANGUAGE_MODEL) / "tokenizer.json", bos_id=0)
    base = tok.encode_ids(TEXT * 3)
    for _ in sys.stdin:
        out = {"forward_ms": {}}
        for length in LENGTHS:
            ids = torch.tensor([base[:length]])

            def eager():
                with torch.inference_mode():
                    model(input_ids=ids, use_cache=False)

            out["forward_ms"][str(length)] = timed(eager, REPEATS[length])
        with torch.inference_mode():
            res = model(
                input_ids=torch.tensor([base[:20]]), past_key_values=DynamicCache(config=model.config), use_cache=True
            )
            per = []
            for _ in range(STEPS):
                nxt = res.logits[:, -1:].argmax(-1)
                t = time.perf_counter()
                res = model(input_ids=nxt, past_key_values=res.past_key_values, use_cache=True)
                per.append((time.perf_counter() - t) * 1000)
        out["step_ms"] = statistics.median(per)
        print(json.dumps(out), flush=True)


LENGTHS = [5, 20, 100]
REPEATS = {5: 15, 20: 15, 100: 8}
STEPS = 40


def ort_round(lm, base, precision: str = "fp32") -> dict:
    out = {"forward_ms": {}}
    for length in LENGTHS:
        ids = np.array([base[:length]], dtype=np.int64)
        out["forward_ms"][str(length)] = timed(
            lambda: lm.forward(ids, ("logits",), precision=precision), REPEATS[length]
        )
    gen = start(lm, lm.tokenizer.decode(base[1:20]), temperature=0, precision=precision)
    per = []
    for _ in range(STEPS):
        tid = gen.sample()
        t = time.perf_counter()
        last = gen.step(tid)
        per.append((time.perf_counter() - t) * 1000)
    assert last.precision == precision, (last.precision, precision)
    out["step_ms"] = statistics.median(per)
    return out


def best(rounds: list[dict], key: str, length: int | None = None) -> float:
    if length is None:
        return min(r[key] for r in rounds)
    return min(r[key][str(length)] for r in rounds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=default_threads(), help="threads for both runtimes")
    ap.add_argument("--no-torch", action="store_true", help="skip the torch eager comparison")
    ap.add_argument("--rounds", type=int, default=3, help="alternating onnxruntime / torch rounds (best is reported)")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    n = args.threads
    if args.torch_worker:
        torch_worker_loop(n)
        return 0

    lm = registry.open(registry.LANGUAGE_MODEL, intra_op_threads=n, precision="auto")
    print(f"threads: {n}; onnxruntime provider: {lm.provider}; {args.rounds} alternating rounds, best round reported")
    has_q4 = lm.q4_available
    if not has_q4:
        print(f"4-bit rows skipped: {lm.notice or 'model_q4.onnx not built (python main.py models build)'}")
    base = lm.tokenizer.encode_ids(TEXT * 3)
    worker = None if args.no_torch else TorchWorker(n)
    ort_rounds, q4_rounds, torch_rounds = [], [], []
    try:
        for i in range(args.rounds):
            ort_rounds.append(ort_round(lm, base, "fp32"))
            if has_q4:
                q4_rounds.append(ort_round(lm, base, "q4"))
            if worker is not None and worker.ok:
                torch_rounds.append(worker.round())
            print(f"  round {i + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        if worker is not None:
            worker.close()
    no_cache = timed(lambda: lm.forward(np.array([base[:70]]), ("logits",), precision="fp32"), 5)

    enc = registry.open(registry.ENCODER, intra_op_threads=n)
    sentences = [s.strip() + "." for s in TEXT.split(".") if s.strip()] * 40
    run_sync(enc.encode(sentences[:32], layers=False))
    t = time.perf_counter()
    run_sync(enc.encode(sentences, batch_size=32, layers=False))
    enc_rate = len(sentences) / (time.perf_counter() - t)
    enc_one = timed(lambda: enc.embed(sentences[:1]), 20)

    clf = registry.open(registry.DIGITS, intra_op_threads=n)
    images = np.random.default_rng(0).random((5000, 28, 28), dtype=np.float32)
    clf.predict(images[:256])
    t = time.perf_counter()
    clf.predict(images, batch_size=256)
    digit_rate = len(images) / (time.perf_counter() - t)
    digit_one = timed(lambda: clf.classify(images[0]), 50)

    if not torch_rounds:
        print("torch eager: skipped (torch/transformers not installed, or --no-torch)")

    def cell(v: float | None, fmt: str = ".1f") -> str:
        return f"{v:>12{fmt}}" if v is not None else f"{'-':>12}"

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    print("\nlatency (ms, median within a round): next token = one forward pass over the whole prompt;")
    print("step = one cached generation step (per token, 40 greedy steps after a 20-token prompt)")
    print(
        f"{'':>14} {'ort fp32':>12} {'ort q4':>12} {'torch eager':>12} "
        f"{'fp32/torch':>12} {'q4/torch':>12} {'q4/fp32':>12}"
    )
    rows = [(f"{length} tokens", "forward_ms", length) for length in LENGTHS] + [("cached step", "step_ms", None)]
    for label, key, length in rows:
        o = best(ort_rounds, key, length)
        q = best(q4_rounds, key, length) if q4_rounds else None
        t = best(torch_rounds, key, length) if torch_rounds else None
        print(
            f"{label:>14} {cell(o)} {cell(q)} {cell(t)} {cell(ratio(o, t), '.2f')} {cell(ratio(q, t), '.2f')}"
            f" {cell(ratio(q, o), '.2f')}"
        )
    print(f"onnxruntime fp32 re-running 70 tokens without a cache: {no_cache:.1f} ms/token")
    print(
        f"\nencoder: {enc_rate:.0f} sentences/s in batches of 32 ({len(sentences)} sentences); "
        f"one sentence alone {enc_one:.1f} ms"
    )
    print(f"digits: {digit_rate:.0f} images/s in batches of 256; one image with all activations {digit_one:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
