"""SmolLM2-135M decoders side by side (not a test): the fast fused graph (models/build_fast_lm.py), the app's
fp32 and 4-bit files (core.inference), llama.cpp on the packaged GGUF (llama-cpp-python, the bench extra)
and torch eager, each in its own child process (no runtime's threads compete with another's), in
alternating rounds; each figure is the median over rounds.

Per runtime: a 20-token prompt read from an empty cache (median of 8), one cached step (median of 40, greedy),
Generate 50 (sampled, T=1, seeded, numpy draws for every runtime; tokens/s over the whole loop, and the loop's
own cost per step outside the runtime's call), P(" time" | "Once upon a") and top-1 agreement with the app's
fp32 file at the last position of models/quantize_parity's 20 prompts.

    .venv/bin/python benchmarks/bench_decoders.py [--threads 2] [--rounds 3] [--only fast,fp32,...] [--json out]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = "The old castle stood on a hill above the village, and every night the lights in its windows"  # 20 tokens
GENERATE, STEPS, PROMPTS = 50, 40, 8
RUNTIMES = {
    "fast": "fast graph (fused, exact Q4_1 + Q8_0, fp32 arithmetic), own loop",
    "fast-genai": "fast graph, onnxruntime-genai Generator (greedy search in C++)",
    "builder-fp32": "onnxruntime-genai builder, fp32 (fused, unquantised), own loop",
    "builder-int4": "onnxruntime-genai builder, int4 (its own symmetric int4, int8 arithmetic), own loop",
    "app-fast": "this app, fast graph (core.inference, trace loop: what Next word's auto runs)",
    "fp32": "this app, fp32 file (core.inference, trace loop)",
    "q4": "this app, 4-bit file (core.inference, trace loop)",
    "llama.cpp": "llama.cpp (llama-cpp-python, packaged GGUF Q4_1/Q8_0)",
    "torch": "torch eager fp32 (transformers, DynamicCache)",
}


# -- one runtime per child process -------------------------------------------------------------------
class Runner:
    """prompt(ids) -> last logits from an empty cache; step(id) -> logits after the cache; ``inside``: seconds
    spent inside the runtime's own calls (the loop's overhead is the rest)."""

    inside = 0.0

    def timed(self, fn, *a, **kw):
        t = time.perf_counter()
        out = fn(*a, **kw)
        self.inside += time.perf_counter() - t
        return out


class Fast(Runner):
    def __init__(self, path: Path, threads: int) -> None:
        from models.fast_lm_graph import FastDecoder

        self.dec = FastDecoder(path, threads=threads)
        real = self.dec.session.run
        self.dec.session.run = lambda *a, **k: self.timed(real, *a, **k)

    def prompt(self, ids):
        return self.dec.prompt(ids)

    def step(self, tid):
        return self.dec.step(tid)


class App(Runner):
    def __init__(self, precision: str, threads: int) -> None:
        from core.inference import registry

        self.dec = registry.open_decoder("", intra_op_threads=threads)
        self.precision = precision
        if precision not in self.dec.precisions:
            raise SystemExit(f"{precision} files not available: {self.dec.notice}")
        real = self.dec.run
        self.dec.run = lambda *a, **k: self.timed(real, *a, **k)
        graph = getattr(self.dec, "_fast_graph", None)
        if precision == "fast" and graph is not None:  # its passes call the session directly
            real_fast = graph.run
            graph.run = lambda *a, **k: self.timed(real_fast, *a, **k)
        self.cache = None

    def prompt(self, ids):
        logits, self.cache, label = self.dec.extend(ids, None, self.precision, last_only=True)
        return logits[-1]

    def step(self, tid):
        logits, self.cache, label = self.dec.extend([tid], self.cache, self.precision)
        return logits[-1]

    def generate(self, ids, n: int, seed: int) -> float:
        """The app's own loop (core.inference.trace: draws, steps, bookkeeping); returns seconds."""
        from core.inference.sampling import Sampling
        from core.inference.trace import generate_steps, read_prompt
        from core.progress import run_sync

        start = run_sync(read_prompt(self.dec, PROMPT, precision=self.precision))
        self.inside = 0.0
        t = time.perf_counter()
        run_sync(generate_steps(start, n, Sampling(seed=seed), stop_at_eos=False))
        return time.perf_counter() - t


class LlamaCpp(Runner):
    def __init__(self, threads: int) -> None:
        from llama_cpp import Llama

        from models.build_lm import source_path

        self.llm = Llama(model_path=str(source_path()), n_threads=threads, n_threads_batch=threads, n_ctx=512,
                     n_batch=512, verbose=False, logits_all=False)

    def _last(self) -> np.ndarray:  # logits_all=False: the context holds the last position's row only
        return np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),)).copy()

    def prompt(self, ids):
        self.llm.reset()
        self.timed(self.llm.eval, list(ids))
        return self._last()

    def step(self, tid):
        self.timed(self.llm.eval, [tid])
        return self._last()


class Torch(Runner):
    def __init__(self, threads: int) -> None:
        from benchmarks.bench_models import load_torch_model

        self.torch, self.model = load_torch_model(threads)
        if self.torch is None:
            raise SystemExit("torch / transformers not installed (the build extra)")
        self.past = None

    def _run(self, ids, past):
        from transformers.cache_utils import DynamicCache

        with self.torch.inference_mode():
            cache = past if past is not None else DynamicCache(config=self.model.config)
            out = self.model(input_ids=self.torch.tensor([list(ids)]), past_key_values=cache, use_cache=True)
        return out.logits[0, -1].numpy(), out.past_key_values

    def prompt(self, ids):
        logits, self.past = self.timed(self._run, ids, None)
        return logits

    def step(self, tid):
        logits, self.past = self.timed(self._run, [tid], self.past)
        return logits


class Genai(Runner):
    """onnxruntime-genai's Generator on the fast file (a folder with its genai_config.json); greedy."""

    def __init__(self, folder: Path, threads: int) -> None:
        import tempfile

        import onnxruntime_genai as og

        self.og = og
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-genai-"))  # the folder with this run's thread count
        config = json.loads((folder / "genai_config.json").read_text(encoding="utf-8"))
        config["model"]["decoder"]["session_options"].update(intra_op_num_threads=threads, inter_op_num_threads=1)
        (self.tmp / "genai_config.json").write_text(json.dumps(config), encoding="utf-8")
        for f in ("model.onnx", "tokenizer.json"):
            (self.tmp / f).symlink_to(folder / f)
        cfg = og.Config(str(self.tmp))
        cfg.clear_providers()
        self.model = og.Model(cfg)
        self.threads = threads
        self.gen = None

    def _new(self):
        params = self.og.GeneratorParams(self.model)
        params.set_search_options(max_length=256, do_sample=False)
        return self.og.Generator(self.model, params)

    def prompt(self, ids):
        if self.gen is None:
            self.gen = self._new()
        else:
            self.gen.rewind_to(0)  # an empty cache without allocating a new Generator's buffers
        self.timed(self.gen.append_tokens, [int(i) for i in ids])
        return self.gen.get_logits()[0, -1]

    def step(self, tid):
        self.timed(self.gen.append_tokens, [int(tid)])
        return self.gen.get_logits()[0, -1]

    def generate(self, ids, n: int, seed: int) -> float:
        self.gen = self._new()
        self.gen.append_tokens([int(i) for i in ids])
        self.inside = 0.0
        t = time.perf_counter()
        for _ in range(n):
            self.timed(self.gen.generate_next_token)
        return time.perf_counter() - t


def open_runner(name: str, threads: int, paths: dict) -> Runner:
    if name == "fast":
        return Fast(Path(paths["fast"]), threads)
    if name in ("builder-fp32", "builder-int4"):
        return Fast(Path(paths[name.replace("-", "_")]), threads)
    if name == "fast-genai":
        return Genai(Path(paths["genai_folder"]), threads)
    if name in ("fp32", "q4", "app-fast"):
        return App(name.removeprefix("app-"), threads)
    if name == "llama.cpp":
        return LlamaCpp(threads)
    if name == "torch":
        return Torch(threads)
    raise SystemExit(f"unknown runtime {name!r}")


def _probs(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


def measure(name: str, threads: int, paths: dict, parity: bool) -> dict:
    from core.inference import registry
    from core.inference.tokenizer import Tokenizer
    from models.quantize_parity import PARITY_PROMPTS

    tok = Tokenizer(registry.model_dir(registry.LANGUAGE_MODEL) / "tokenizer.json", bos_id=0)
    t0 = time.perf_counter()
    r = open_runner(name, threads, paths)
    out: dict = {"runtime": name, "load_s": time.perf_counter() - t0}
    ids = tok.encode_ids(PROMPT)
    out["prompt_tokens"] = len(ids)
    r.prompt(ids)  # warm up
    r.step(int(r.prompt(ids).argmax()))
    times = []
    for _ in range(PROMPTS):
        t = time.perf_counter()
        logits = r.prompt(ids)
        times.append(time.perf_counter() - t)
    out["prompt_ms"] = statistics.median(times) * 1000
    steps, tid = [], int(logits.argmax())
    for _ in range(STEPS):
        t = time.perf_counter()
        tid = int(r.step(tid).argmax())
        steps.append(time.perf_counter() - t)
    out["step_ms"] = statistics.median(steps[2:]) * 1000
    if hasattr(r, "generate"):
        total = r.generate(ids, GENERATE, 0)
        out["loop"] = "the runtime's / app's own"
    else:  # a minimal loop: softmax at T=1, a seeded numpy draw, one cached step
        rng = np.random.default_rng(0)
        logits = r.prompt(ids)
        r.inside = 0.0
        t = time.perf_counter()
        for _ in range(GENERATE):
            p = _probs(logits)
            tid = int(rng.choice(p.size, p=p))
            logits = r.step(tid)
        total = time.perf_counter() - t
        out["loop"] = "minimal numpy loop"
    out["tokens_per_s"] = GENERATE / total
    out["loop_overhead_ms"] = (total - r.inside) / GENERATE * 1000
    if parity:
        time_id = tok.encode_ids(" time")[-1]
        tops = []
        for prompt in PARITY_PROMPTS:
            p = _probs(r.prompt(tok.encode_ids(prompt)))
            tops.append(int(p.argmax()))
            if prompt == "Once upon a":
                out["p_time"] = float(p[time_id])
                out["top_once_upon_a"] = [tok.text(int(p.argmax())), float(p.max())]
        out["top1_ids"] = tops
    return out


# -- the driver ----------------------------------------------------------------------------------------
def child(name: str, threads: int, paths: dict, parity: bool) -> dict | None:
    cmd = [sys.executable, __file__, "--child", name, "--threads", str(threads), "--paths", json.dumps(paths)]
    if parity:
        cmd.append("--parity")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        print(f"  {name}: failed (rc {run.returncode}): {(run.stderr or run.stdout).strip()[-300:]}", file=sys.stderr)
        return None
    return json.loads(line[len("RESULT "):])


def builder_peer(precision: str, out: Path) -> None:
    """onnxruntime-genai's model builder run on the GGUF dequantized by transformers (the build extra), with its
    own quantisation (``int4``) or none (``fp32``), into ``out``: the peers the fast graph is measured against."""
    import tempfile

    from models import build_fast_lm

    if (out / "model.onnx").is_file():
        return
    with tempfile.TemporaryDirectory(prefix="builder-peer-") as tmp:
        hf = Path(tmp) / "hf"
        hf.mkdir()
        build_fast_lm._hf_folder(hf)
        cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf), "-o", str(out),
               "-p", precision, "-e", "cpu", "-c", str(Path(tmp) / "cache")]
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "TQDM_DISABLE": "1"})


def default_paths() -> dict:
    from models import build_fast_lm

    folder = build_fast_lm.out_dir()
    return {"fast": str(folder / build_fast_lm.FILE), "genai_folder": str(folder),
            "builder_fp32": os.environ.get("EE_BUILDER_FP32", "/tmp/ee_build/g_fp32/model.onnx"),
            "builder_int4": os.environ.get("EE_BUILDER_INT4", "/tmp/ee_build/g_int4/model.onnx")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=",".join(RUNTIMES))
    ap.add_argument("--paths", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--parity", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, default=None, help="write every round's figures here")
    args = ap.parse_args(argv)
    paths = json.loads(args.paths) if args.paths else default_paths()
    if args.child:
        print("RESULT " + json.dumps(measure(args.child, args.threads, paths, args.parity)), flush=True)
        return 0
    from core.cpu import cpu_info

    names = [n for n in args.only.split(",") if n]
    for n in names:
        if n.startswith("builder-"):
            builder_peer(n.removeprefix("builder-"), Path(paths[n.replace("-", "_")]).parent)
    print(f"{cpu_info().line()}; {args.threads} threads; load average {os.getloadavg()[0]:.2f}", flush=True)
    rounds: dict[str, list[dict]] = {n: [] for n in names}
    for i in range(args.rounds):
        for n in names:
            res = child(n, args.threads, paths, parity=(i == 0))
            if res:
                rounds[n].append(res)
        print(f"  round {i + 1}/{args.rounds} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    ref = next((r[0].get("top1_ids") for n, r in rounds.items() if n == "fp32" and r), None)
    if ref is None and "fp32" not in names:
        ref = (child("fp32", args.threads, paths, parity=True) or {}).get("top1_ids")
    rows = []
    for n, rs in rounds.items():
        if not rs:
            continue
        med = {k: statistics.median(r[k] for r in rs) for k in ("prompt_ms", "step_ms", "tokens_per_s",
                                                                  "loop_overhead_ms")}
        first = rs[0]
        agree = None
        if ref and "top1_ids" in first:
            agree = sum(a == b for a, b in zip(first["top1_ids"], ref)) / len(ref)
        rows.append({"runtime": n, **med, "p_time": first.get("p_time"), "top": first.get("top_once_upon_a"),
                     "top1_vs_fp32": agree, "rounds": len(rs)})
    print(f"\n| runtime | {rs[0]['prompt_tokens'] if rs else 20}-token prompt | one cached step | Generate {GENERATE} "
          "| loop overhead / step | P(\" time\" \\| \"Once upon a\") | top-1 vs fp32 (20 prompts) |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        agree = f"{100 * row['top1_vs_fp32']:.0f}%" if row["top1_vs_fp32"] is not None else "-"
        p_time = f"{row['p_time']:.3f}" if row["p_time"] is not None else "-"
        print(f"| {RUNTIMES[row['runtime']]} | {row['prompt_ms']:.1f} ms | {row['step_ms']:.2f} ms | "
              f"{row['tokens_per_s']:.1f} tok/s | {row['loop_overhead_ms']:.2f} ms | {p_time} | {agree} |")
    print(f"\nmedians of {args.rounds} alternating rounds; load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_info().line(), "rows": rows, "rounds": rounds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
