"""The fast SmolLM2 decoder graph: onnxruntime's fused operators, the GGUF's own weights.

``python -m models.fast_lm_graph SRC.onnx DST.onnx [--levels 4,4,1,4]`` rewrites the fp32 graph that
onnxruntime-genai's model builder writes (``-p fp32 -e cpu``: GroupQueryAttention with its rotary
embedding, SimplifiedLayerNormalization / SkipSimplifiedLayerNormalization, a fused q|k|v MatMul)
into the shipped file, and :class:`FastDecoder` runs such a file with a minimal key/value-cache loop.

Weights: none is re-quantised, so the answers are fp32's up to float rounding.
* Every layer MatMul (q|k|v, o, gate, up, down: 150) holds the GGUF's Q4_1 grid exactly:
  ``MatMulNBits`` with the GGUF's own 4-bit codes and steps (blocks of 32 along K, integer zero point
  z = round(-min / step)), plus the remainder ``c = min + step * z`` per block, added back by a small
  fp32 ``MatMul`` on the input's block sums (models/quantize_graph.q4_1_grid; the same idea as
  quantize_graph.exact_q4_1).
* The tied embedding / lm_head (Q8_0 in the GGUF: int8 codes q, one fp16 step d per 32) is stored
  as two 4-bit halves of ``u = q + 128``: ``hi = u >> 4`` (step 16 d, zero point 8) and
  ``lo = u & 15`` (step d, zero point 0); ``(hi - 8) 16 d + lo d = q d`` exactly. The lm_head is
  two ``MatMulNBits`` added; the embedding is two ``GatherBlockQuantized`` on the same bytes, added.
  Every code of every half fits 4 bits, so no integer kernel (VNNI's exact sums, AVX2's
  ``vpmaddubsw`` pair sums in int16) can saturate on them.
* ``accuracy_level`` per group (attention q|k|v and o, MLP gate and up, MLP down, lm_head): 1 computes
  in fp32, 4 quantises the activations to int8 per block of 32 and multiplies in integers. The
  default was chosen by measured parity on the AVX-512 VNNI and AVX2 kernels (models/build_fast_lm.py).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

BLOCK = 32
GROUPS = ("attn", "mlp_in", "mlp_down", "head", "head_lo")  # accuracy level per group, in this order
DEFAULT_LEVELS = {"attn": 1, "mlp_in": 1, "mlp_down": 1, "head": 1, "head_lo": 4}
LOGITS_FROM = "logits_from"  # optional input (default 0): logits only for positions from this one on


def _group(node_name: str) -> str:
    if "down_proj" in node_name:
        return "mlp_down"
    if "gate_proj" in node_name or "up_proj" in node_name:
        return "mlp_in"
    if "lm_head" in node_name:
        return "head"
    return "attn"


def q8_0_grid(w_nk: np.ndarray, block_size: int = BLOCK):
    """Recover the GGUF Q8_0 grid of a dequantised (N, K) weight, blocks along K: codes q (N, kb, block)
    in -127..127 and steps d (N, kb), with ``w == d * q``; returns also the largest error in steps."""
    n, k = w_nk.shape
    wb = w_nk.reshape(n, k // block_size, block_size).astype(np.float64)
    amax = np.abs(wb).max(-1)
    d = amax / 127.0
    safe = np.where(d > 0, d, 1.0)
    q = np.clip(np.rint(wb / safe[..., None]), -127, 127)
    err = float((np.abs(q * d[..., None] - wb).max(-1) / safe).max())
    return q.astype(np.int16), d.astype(np.float32), err


def _pack4(codes: np.ndarray) -> np.ndarray:
    """(N, kb, block) codes 0..15 -> MatMulNBits' B (N, kb, block / 2), low nibble first."""
    c = codes.astype(np.uint8)
    return (c[..., 0::2] | (c[..., 1::2] << 4)).astype(np.uint8)


def _pack_zero_points(z: np.ndarray) -> np.ndarray:
    """(N, kb) zero points 0..15 -> (N, ceil(kb / 2)) packed, low nibble first."""
    n, kb = z.shape
    z = z.astype(np.uint8)
    if kb % 2:
        z = np.concatenate([z, np.zeros((n, 1), np.uint8)], 1)
    return (z[:, 0::2] | (z[:, 1::2] << 4)).astype(np.uint8)


def _nbits(helper, a, names, out, k, n, level):
    return helper.make_node("MatMulNBits", [a, *names], [out], name=out, domain="com.microsoft",
                            K=k, N=n, bits=4, block_size=BLOCK, accuracy_level=level)


def rewrite(model, levels: dict[str, int]) -> dict:
    """Quantise the builder's fp32 graph in place (see the module docstring); returns counts for the record."""
    import onnx
    from onnx import helper, numpy_helper

    from models.quantize_graph import q4_1_grid

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    new_nodes, block_sums, counts, worst4 = [], {}, {"q4_1_exact": 0, "q4_1_offsets_fp16": 0}, 0.0
    head_w = None

    def add_init(arr, name):
        t = numpy_helper.from_array(np.ascontiguousarray(arr), name)
        g.initializer.append(t)
        inits[name] = t
        return name

    for node in g.node:
        if node.op_type != "MatMul" or node.input[1] not in inits or len(inits[node.input[1]].dims) != 2:
            new_nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]])  # (K, N)
        k, n = w.shape
        kb = k // BLOCK
        level = levels[_group(node.name)]
        a, out, base = node.input[0], node.output[0], node.input[1]
        if _group(node.name) == "head":
            head_w = base
            q, d, err = q8_0_grid(np.ascontiguousarray(w.T))
            counts["head_q8_0_error_steps"] = err
            u = (q + 128).astype(np.uint8)
            parts = []
            # logits for positions >= logits_from only (an optional input, default 0: every position)
            add_init(np.array([0], np.int64), LOGITS_FROM)
            add_init(np.array([np.iinfo(np.int64).max], np.int64), "logits_to")
            add_init(np.array([1], np.int64), "logits_axis")
            g.input.append(helper.make_tensor_value_info(LOGITS_FROM, onnx.TensorProto.INT64, [1]))
            sliced = f"{a}_from"
            new_nodes.append(helper.make_node("Slice", [a, LOGITS_FROM, "logits_to", "logits_axis"], [sliced],
                                              name=sliced))
            for part, codes, step, zero in (("hi", u >> 4, d * 16.0, 8), ("lo", u & 15, d, 0)):
                names = [add_init(_pack4(codes), f"{base}_{part}_Q4"),
                         add_init(step.astype(np.float32), f"{base}_{part}_scales"),
                         add_init(_pack_zero_points(np.full((n, kb), zero)), f"{base}_{part}_zero_points")]
                part_level = levels["head_lo"] if part == "lo" else level
                parts.append(_nbits(helper, sliced, names, f"{out}_{part}", k, n, part_level))
            new_nodes += parts
            new_nodes.append(helper.make_node("Add", [p.output[0] for p in parts], [out], name=f"{out}_sum"))
            continue
        q, d, m, err = q4_1_grid(w, BLOCK)  # q (N, kb, block), d and m (N, kb)
        worst4 = max(worst4, err)
        z = np.clip(np.rint(-m / np.where(d > 0, d, 1.0)), 0, 15)
        c = (m + d * z).astype(np.float32)
        names = [add_init(_pack4(q), f"{base}_Q4"), add_init(d.astype(np.float32), f"{base}_scales"),
                 add_init(_pack_zero_points(z), f"{base}_zero_points")]
        key = (a, kb)
        if key not in block_sums:
            shape = f"q41_shape_{kb}"
            if shape not in inits:
                add_init(np.array([0, 0, kb, BLOCK], np.int64), shape)
            if "q41_axes_last" not in inits:
                add_init(np.array([-1], np.int64), "q41_axes_last")
            r, s = f"{a}_q41_blocks", f"{a}_q41_blocksum"
            new_nodes.append(helper.make_node("Reshape", [a, shape], [r], name=r))
            new_nodes.append(helper.make_node("ReduceSum", [r, "q41_axes_last"], [s], name=s, keepdims=0))
            block_sums[key] = s
        new_nodes.append(_nbits(helper, a, names, f"{out}_q41_main", k, n, level))
        fix = f"{base}_q41_offsets"
        half = c.T.astype(np.float16)
        if np.array_equal(half.astype(np.float32), c.T):  # m + d z of fp16 m and d: exact in fp16 (all of them, here)
            # stored in 16 bits, widened once: onnxruntime folds the Cast of an initializer when the session opens
            new_nodes.append(helper.make_node("Cast", [add_init(half, f"{fix}_fp16")], [fix], name=f"{fix}_cast",
                                              to=onnx.TensorProto.FLOAT))
            counts["q4_1_offsets_fp16"] += 1
        else:
            add_init(np.ascontiguousarray(c.T), fix)
        new_nodes.append(helper.make_node("MatMul", [block_sums[key], fix], [f"{out}_q41_fix"], name=f"{out}_q41_fix"))
        new_nodes.append(helper.make_node("Add", [f"{out}_q41_main", f"{out}_q41_fix"], [out], name=f"{out}_q41_add"))
        counts["q4_1_exact"] += 1
    counts["q4_1_error_steps"] = worst4
    if head_w is None:
        raise RuntimeError("no lm_head MatMul found")
    # the embedding: Gather(Transpose(lm_head weight), ids) -> two GatherBlockQuantized on the halves, added
    gather = next(n for n in new_nodes if n.op_type == "Gather" and n.input[1] == "input_ids")
    transpose = next(n for n in new_nodes if n.output[0] == gather.input[0])
    n_vocab = inits[head_w].dims[1]
    width = inits[head_w].dims[0]
    kb = width // BLOCK
    parts = []
    for part in ("hi", "lo"):
        shaped = []
        for name, shape in ((f"{head_w}_{part}_Q4", [n_vocab, width // 2]), (f"{head_w}_{part}_scales", [n_vocab, kb]),
                            (f"{head_w}_{part}_zero_points", [n_vocab, (kb + 1) // 2])):
            add_init(np.array(shape, np.int64), f"{name}_rows_shape")
            new_nodes.insert(0, helper.make_node("Reshape", [name, f"{name}_rows_shape"], [f"{name}_rows"],
                                                 name=f"{name}_rows"))
            shaped.append(f"{name}_rows")
        out = f"{gather.output[0]}_{part}"
        parts.append(helper.make_node("GatherBlockQuantized", [shaped[0], "input_ids", shaped[1], shaped[2]], [out],
                                      name=out, domain="com.microsoft", gather_axis=0, quantize_axis=1,
                                      block_size=BLOCK, bits=4))
    i = new_nodes.index(gather)
    new_nodes[i:i + 1] = [*parts, helper.make_node("Add", [p.output[0] for p in parts], list(gather.output),
                                                   name=f"{gather.output[0]}_sum")]
    new_nodes.remove(transpose)
    g.ClearField("node")
    g.node.extend(new_nodes)
    used = {x for n in g.node for x in n.input}
    for t in list(g.initializer):
        if t.name not in used:
            g.initializer.remove(t)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    counts["nodes"] = len(g.node)
    return counts


HIDDEN = "hidden_states.{}"  # optional outputs: the residual stream before layer i (i = n_layers: the final norm)


def add_hidden_states(model) -> list[str]:
    """Expose the residual stream as optional outputs ``hidden_states.{i}`` (i = 0..n_layers), the values the
    app's fp32 file stacks as ``hidden_states``: the embedding, each layer's output (the sum a layer's
    input SkipSimplifiedLayerNormalization forms before it normalises) and the final norm's output (before
    logits_from slices it). Nothing is computed twice; a run that does not ask for them copies nothing.
    Returns the output names."""
    import onnx
    from onnx import helper

    g = model.graph

    def layer(n) -> int:
        return int(n.name.split("layers.")[1].split("/")[0])

    norms = [n for n in g.node if "/input_layernorm/" in n.name and n.op_type.endswith("LayerNormalization")]
    first = next(n for n in norms if layer(n) == 0)
    skips = sorted((n for n in norms if n.op_type == "SkipSimplifiedLayerNormalization"), key=layer)
    final = next(n for n in g.node if n.op_type == "SkipSimplifiedLayerNormalization" and "final_norm" in n.name)
    sources = [first.input[0]]  # the embedding (two 4-bit halves added)
    for n in skips:
        while len(n.output) < 4:
            n.output.append("")
        if not n.output[3]:
            n.output[3] = f"{n.name}/residual"
        sources.append(n.output[3])
    sources.append(final.output[0])
    names = []
    for i, src in enumerate(sources):
        name = HIDDEN.format(i)
        g.node.append(helper.make_node("Identity", [src], [name], name=name))
        g.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT,
                                                      ["batch_size", "sequence_length", None]))
        names.append(name)
    return names


def quantize_fast(src: Path, dst: Path, levels: dict[str, int] | None = None) -> dict:
    """Read the builder's fp32 ``src`` (with its external data), write the one-file fast graph ``dst``."""
    import onnx

    from core.io import atomic_path

    levels = {**DEFAULT_LEVELS, **(levels or {})}
    t0 = time.perf_counter()
    model = onnx.load(str(src))
    counts = rewrite(model, levels)
    counts["hidden_states"] = len(add_hidden_states(model))
    counts["levels"] = levels
    model.producer_version = model.producer_version.split("+")[0]  # the builder appends a per-run suffix
    with atomic_path(dst, suffix=".onnx") as tmp:
        onnx.save(model, str(tmp))
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    counts["bytes"] = dst.stat().st_size
    return counts


# --------------------------------------------------------------------------- the minimal loop


class FastDecoder:
    """A builder-style decoder file (input_ids, attention_mask, past_key_values.i.key/value -> logits,
    present.i.key/value) with a numpy key/value cache: :meth:`prompt` reads ids from an empty cache,
    :meth:`step` one token on the cache so far. Both return the last position's logits (``all_positions``:
    every position's)."""

    def __init__(self, path: Path, *, threads: int | None = 2, head_dim: int = 64) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        if threads:
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        ins = {i.name: i for i in self.session.get_inputs()}
        self.n_layers = sum(1 for n in ins if n.startswith("past_key_values.") and n.endswith(".key"))
        shape = ins["past_key_values.0.key"].shape  # (batch, kv heads, past, head dim: symbolic in the file)
        self.kv_heads, self.head_dim = int(shape[1]), head_dim
        self.past_names = [f"past_key_values.{i}.{kv}" for i in range(self.n_layers) for kv in ("key", "value")]
        self.out_names = ["logits"] + [f"present.{i}.{kv}" for i in range(self.n_layers) for kv in ("key", "value")]
        self.extra_outputs = [o.name for o in self.session.get_outputs() if o.name not in self.out_names]
        self.has_logits_from = LOGITS_FROM in ins
        self.past: list[np.ndarray] = []
        self.length = 0

    def _run(self, ids: np.ndarray, past: list[np.ndarray], extra: tuple[str, ...] = (), last_only: bool = True):
        total = past[0].shape[2] + ids.shape[1]
        feed = {"input_ids": ids, "attention_mask": np.ones((ids.shape[0], total), np.int64)}
        if self.has_logits_from:
            feed[LOGITS_FROM] = np.array([ids.shape[1] - 1 if last_only else 0], np.int64)
        feed.update(zip(self.past_names, past))
        outs = self.session.run(self.out_names + list(extra), feed)
        return outs[0], outs[1:1 + len(self.past_names)], outs[1 + len(self.past_names):]

    def prompt(self, ids, *, all_positions: bool = False, extra: tuple[str, ...] = ()):
        arr = np.asarray(ids, np.int64).reshape(1, -1)
        empty = np.zeros((1, self.kv_heads, 0, self.head_dim), np.float32)
        logits, self.past, self.extras = self._run(arr, [empty] * len(self.past_names), extra,
                                                   last_only=not all_positions)
        self.length = arr.shape[1]
        return logits[0] if all_positions else logits[0, -1]

    def step(self, token: int, *, extra: tuple[str, ...] = ()):
        logits, self.past, self.extras = self._run(np.array([[token]], np.int64), self.past, extra)
        self.length += 1
        return logits[0, -1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--levels", default=",".join(str(DEFAULT_LEVELS[g]) for g in GROUPS),
                    help=f"accuracy level per group ({', '.join(GROUPS)}): 1 fp32 arithmetic, 4 int8 activations")
    args = ap.parse_args(argv)
    levels = dict(zip(GROUPS, (int(x) for x in args.levels.split(","))))
    print(quantize_fast(args.src, args.dst, levels))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())

