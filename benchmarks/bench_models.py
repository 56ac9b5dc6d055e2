"""Model latency and throughput: ``python benchmarks/bench_models.py [--threads N] [--no-torch]``.

Prints, in one run:
* next-token latency for 5 / 20 / 100-token prompts, onnxruntime vs torch eager on the
  same fp32 weights (the GGUF dequantized by transformers), and their ratio;
* per-token latency of cached step-by-step generation (onnxruntime, and torch with its cache);
* encoder sentences per second; digit images per second.

Torch is part of the build extra; without it the torch columns are skipped.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.onnx_runtime import default_threads  # noqa: E402
from core.progress import run_sync  # noqa: E402
from models import registry  # noqa: E402

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=default_threads(), help="threads for both runtimes")
    ap.add_argument("--no-torch", action="store_true", help="skip the torch eager comparison")
    args = ap.parse_args(argv)
    n = args.threads

    lm = registry.open_language_model(intra_op_threads=n)
    print(f"threads: {n}; onnxruntime provider: {lm.provider}")
    torch, tmodel = (None, None) if args.no_torch else load_torch_model(n)
    if torch is None:
        print("torch eager: skipped (torch/transformers not installed or --no-torch)")

    base = lm.tokenizer.encode_ids(TEXT * 3)
    print("\nnext-token latency (one forward pass over the whole prompt, median)")
    print(f"{'prompt tokens':>14} {'onnxruntime ms':>15} {'torch eager ms':>15} {'ort / torch':>12}")
    for length in (5, 20, 100):
        ids = np.array([base[:length]], dtype=np.int64)
        reps = 20 if length < 100 else 10
        ort_ms = timed(lambda: lm.forward(ids, ("logits",)), reps)
        if torch is not None:
            tids = torch.from_numpy(ids)

            def eager():
                with torch.inference_mode():
                    tmodel(input_ids=tids, use_cache=False)

            t_ms = timed(eager, reps)
            print(f"{length:>14} {ort_ms:>15.1f} {t_ms:>15.1f} {ort_ms / t_ms:>12.2f}")
        else:
            print(f"{length:>14} {ort_ms:>15.1f} {'-':>15} {'-':>12}")

    steps = 50
    print(f"\ncached generation: per-token latency over {steps} greedy steps after a 20-token prompt (median)")
    gen = lm.start(lm.tokenizer.decode(base[1:20]), temperature=0)
    per = []
    for _ in range(steps):
        tid = gen.sample()
        t = time.perf_counter()
        gen.step(tid)
        per.append((time.perf_counter() - t) * 1000)
    line = f"  onnxruntime: {statistics.median(per):.1f} ms/token"
    if torch is not None:
        from transformers.cache_utils import DynamicCache

        with torch.inference_mode():
            cache = DynamicCache(config=tmodel.config)
            out = tmodel(input_ids=torch.tensor([base[:20]]), past_key_values=cache, use_cache=True)
            tper = []
            for _ in range(steps):
                nxt = out.logits[:, -1:].argmax(-1)
                t = time.perf_counter()
                out = tmodel(input_ids=nxt, past_key_values=out.past_key_values, use_cache=True)
                tper.append((time.perf_counter() - t) * 1000)
        line += f"; torch eager with cache: {statistics.median(tper):.1f} ms/token"
    print(line)
    print(f"  (full re-run without cache at ~70 tokens would be {timed(lambda: lm.forward(np.array([base[:70]]), ('logits',)), 5):.1f} ms/token)")

    enc = registry.open_encoder(intra_op_threads=n)
    sentences = [s.strip() + "." for s in TEXT.split(".") if s.strip()] * 40
    run_sync(enc.encode(sentences[:32], layers=False))
    t = time.perf_counter()
    run_sync(enc.encode(sentences, batch_size=32, layers=False))
    dt = time.perf_counter() - t
    t1 = timed(lambda: enc.embed(sentences[:1]), 20)
    print(f"\nencoder: {len(sentences) / dt:.0f} sentences/s in batches of 32 ({len(sentences)} sentences); "
          f"one sentence alone {t1:.1f} ms")

    clf = registry.open_digit_classifier(intra_op_threads=n)
    rng = np.random.default_rng(0)
    images = rng.random((5000, 28, 28), dtype=np.float32)
    clf.predict(images[:256])
    t = time.perf_counter()
    clf.predict(images, batch_size=256)
    dt = time.perf_counter() - t
    t1 = timed(lambda: clf.classify(images[0]), 50)
    print(f"digits: {len(images) / dt:.0f} images/s in batches of 256; one image with all activations {t1:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
