"""Graph surgery for the 4-bit SmolLM2 file (used by models/quantize_lm.py, which says why each
step exists): untie the lm_head from the embedding, restore the GGUF's Q4_1 grid exactly on top of
MatMulNBits, let the embedding Gather read the 8-bit lm_head table, and keep the widest-input
projections computing in fp32. Each function edits an ``onnx.ModelProto`` in place."""
from __future__ import annotations

import numpy as np


def untie_lm_head(model) -> str | None:
    """Replace ``MatMul(x, Transpose(W))`` (W a [vocab, width] initializer) with a MatMul on a
    stored ``W.T``, so the quantiser sees a constant weight. Returns the MatMul's name."""
    from onnx import numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for tr in list(g.node):
        if tr.op_type != "Transpose" or tr.input[0] not in inits or len(inits[tr.input[0]].dims) != 2:
            continue
        users = consumers.get(tr.output[0], [])
        if len(users) != 1 or users[0].op_type != "MatMul" or users[0].input[1] != tr.output[0]:
            continue
        perm = [a.ints for a in tr.attribute if a.name == "perm"]
        if perm and list(perm[0]) != [1, 0]:
            continue
        mm = users[0]
        w_t = np.ascontiguousarray(numpy_helper.to_array(inits[tr.input[0]]).T)
        name = tr.input[0] + "_T"
        g.initializer.append(numpy_helper.from_array(w_t, name))
        mm.input[1] = name
        g.node.remove(tr)
        if not mm.name:
            mm.name = "lm_head_matmul"
        return mm.name
    return None


def share_embedding(model, block_size: int) -> str:
    """Let the embedding Gather read the 8-bit lm_head table instead of its own fp32 copy.

    The tied matrix W (vocab, width) is both the embedding (Gather rows) and the output
    projection; after the 8-bit lm_head quantisation the file holds W in fp32 (the Gather's)
    and in 8 bits (MatMulNBits: B (vocab, blocks, block), scales, zero points). The Gather
    becomes ``GatherBlockQuantized(Reshape(B, [vocab, width]), ids, scales, zero_points)``
    (bits 8, blocks along the width): the same numbers the lm_head uses, read row by row;
    the fp32 copy goes. Returns what was done, for the record."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    heads = [n for n in g.node if n.op_type == "MatMulNBits" and dict((a.name, a.i) for a in n.attribute)["bits"] == 8]
    gathers = [n for n in g.node if n.op_type == "Gather" and n.input[0] in inits and len(inits[n.input[0]].dims) == 2]
    for gather in gathers:
        w = inits[gather.input[0]]
        vocab, width = w.dims
        head = next((h for h in heads if h.input[1] == gather.input[0] + "_T_Q8"), None)
        if head is None:
            continue
        b, scales, zeros = head.input[1], head.input[2], head.input[3]
        shape = gather.input[0] + "_Q8_rows_shape"
        g.initializer.append(numpy_helper.from_array(np.array([vocab, width], np.int64), shape))
        rows = gather.input[0] + "_Q8_rows"
        reshape = helper.make_node("Reshape", [b, shape], [rows], name=rows)
        shared = helper.make_node("GatherBlockQuantized", [rows, gather.input[1], scales, zeros], list(gather.output),
                                  name=gather.name or "embedding_q8", domain="com.microsoft",
                                  gather_axis=0, quantize_axis=1, block_size=block_size, bits=8)
        nodes = list(g.node)
        i = nodes.index(gather)
        nodes[i:i + 1] = [reshape, shared]
        g.ClearField("node")
        g.node.extend(nodes)
        if not any(w.name in n.input for n in g.node):
            g.initializer.remove(w)
        if not any(o.domain == "com.microsoft" for o in model.opset_import):
            model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
        return f"{gather.input[0]}: Gather on the 8-bit lm_head table ({vocab} x {width}); fp32 copy removed"
    raise RuntimeError("no embedding Gather tied to the 8-bit lm_head found")


def fp32_compute_for_wide_inputs(model) -> int:
    """accuracy_level 0 (fp32 activations) for the 4-bit MatMulNBits with the widest input (the
    MLP down projections: K = the intermediate width, 1536); returns how many."""
    quads = [n for n in model.graph.node if n.op_type == "MatMulNBits"
             and {a.name: a.i for a in n.attribute}["bits"] == 4]
    widest = max(({a.name: a.i for a in n.attribute}["K"] for n in quads), default=0)
    done = 0
    for n in quads:
        attrs = {a.name: a for a in n.attribute}
        if attrs["K"].i == widest:
            if "accuracy_level" in attrs:
                attrs["accuracy_level"].i = 0
            done += 1
    return done


def q4_1_grid(w: np.ndarray, block_size: int):
    """Recover the GGUF Q4_1 grid of a dequantised weight ``w`` (K, N), blocks along K.

    Returns q (N, kb, block) in 0..15, step d (N, kb) and minimum m (N, kb) with
    ``w[k, n] == m + d * q`` (to fp32 rounding), and the largest reconstruction error
    relative to the step (0 when ``w`` really is Q4_1 with these blocks)."""
    k, n = w.shape
    kb = k // block_size
    wb = np.ascontiguousarray(w.T).reshape(n, kb, block_size).astype(np.float64)
    m, mx = wb.min(-1), wb.max(-1)
    d = (mx - m) / 15.0
    safe = np.where(d > 0, d, 1.0)
    q = np.clip(np.rint((wb - m[..., None]) / safe[..., None]), 0, 15)
    err = np.abs(m[..., None] + d[..., None] * q - wb).max(-1) / safe
    return q.astype(np.uint8), d, m, float(err.max())


def exact_q4_1(model, originals: dict[str, np.ndarray], block_size: int) -> dict:
    """Rewrite every 4-bit MatMulNBits so it reproduces the Q4_1 weights exactly.

    MatMulNBits computes ``d * (q - z)`` with an integer z; Q4_1 is ``d * q + m``. The
    stored q and d are the GGUF's own; z = round(-m / d) and the remainder
    ``c = m + d * z`` (a constant per block, |c| <= d / 2) is added back as
    ``blocksum(A) @ C``: Reshape(A, [0, 0, kb, block]) -> ReduceSum -> MatMul(C[kb, N]) -> Add.
    Block sums are shared by MatMuls reading the same A (q/k/v, gate/up)."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    new_nodes, block_sums, worst, n_done = [], {}, 0.0, 0
    for node in g.node:
        bits = next((a.i for a in node.attribute if a.name == "bits"), None)
        src_name = node.input[1][: -len("_Q4")] if node.op_type == "MatMulNBits" else None
        if bits != 4 or src_name not in originals:
            new_nodes.append(node)
            continue
        w = originals[src_name]
        k, n = w.shape
        kb = k // block_size
        q, d, m, err = q4_1_grid(w, block_size)
        worst = max(worst, err)
        z = np.clip(np.rint(-m / np.where(d > 0, d, 1.0)), 0, 15)
        c = (m + d * z).astype(np.float32)  # (N, kb)
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
        zq = z.astype(np.uint8)
        if kb % 2:
            zq = np.concatenate([zq, np.zeros((n, 1), np.uint8)], 1)
        zp = (zq[:, 0::2] | (zq[:, 1::2] << 4)).astype(np.uint8)
        for name, arr in ((node.input[1], packed), (node.input[2], d.astype(np.float32)), (node.input[3], zp)):
            assert tuple(inits[name].dims) == arr.shape, (name, tuple(inits[name].dims), arr.shape)
            inits[name].CopyFrom(numpy_helper.from_array(arr, name))
        a = node.input[0]
        key = (a, kb)
        if key not in block_sums:
            shape_name = f"q41_shape_{kb}_{block_size}"
            if shape_name not in inits:
                inits[shape_name] = numpy_helper.from_array(np.array([0, 0, kb, block_size], np.int64), shape_name)
                g.initializer.append(inits[shape_name])
            axes_name = "q41_axes_last"
            if axes_name not in inits:
                inits[axes_name] = numpy_helper.from_array(np.array([-1], np.int64), axes_name)
                g.initializer.append(inits[axes_name])
            r, s = f"{a}_q41_blocks", f"{a}_q41_blocksum{kb}"
            new_nodes.append(helper.make_node("Reshape", [a, shape_name], [r], name=r))
            new_nodes.append(helper.make_node("ReduceSum", [r, axes_name], [s], name=s, keepdims=0))
            block_sums[key] = s
        out = node.output[0]
        node.output[0] = out + "_q41_main"
        new_nodes.append(node)
        c_name = src_name + "_q41_offsets"
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(c.T), c_name))
        new_nodes.append(
            helper.make_node("MatMul", [block_sums[key], c_name], [out + "_q41_fix"], name=out + "_q41_fix")
        )
        new_nodes.append(helper.make_node("Add", [out + "_q41_main", out + "_q41_fix"], [out], name=out + "_q41_add"))
        n_done += 1
    g.ClearField("node")
    g.node.extend(new_nodes)
    return {"exact_q4_1_nodes": n_done, "max_grid_error_in_steps": worst}


def _q4_blocks(w_nk: np.ndarray, block_size: int):
    """Asymmetric 4-bit blocks along K of ``w_nk`` (N, K): MatMulNBits' B (N, kb, block/2), scales (N, kb),
    packed zero points (N, ceil(kb/2)), and the dequantised weights (N, K) they stand for."""
    n, k = w_nk.shape
    kb = k // block_size
    wb = w_nk.reshape(n, kb, block_size).astype(np.float64)
    lo, hi = np.minimum(wb.min(-1), 0.0), np.maximum(wb.max(-1), 0.0)
    d = (hi - lo) / 15.0
    safe = np.where(d > 0, d, 1.0)
    z = np.clip(np.rint(-lo / safe), 0, 15)
    q = np.clip(np.rint(wb / safe[..., None] + z[..., None]), 0, 15).astype(np.uint8)
    d32 = d.astype(np.float32)
    deq = ((q.astype(np.float32) - z[..., None].astype(np.float32)) * d32[..., None]).reshape(n, k)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    zq = z.astype(np.uint8)
    if kb % 2:
        zq = np.concatenate([zq, np.zeros((n, 1), np.uint8)], 1)
    zp = (zq[:, 0::2] | (zq[:, 1::2] << 4)).astype(np.uint8)
    return packed, d32, zp, deq


def head_as_two_4bit_fp32(model, block_size: int) -> str:
    """Compute the 8-bit lm_head in fp32 arithmetic, fast, on every CPU alike.

    At accuracy level 4 MatMulNBits multiplies int8 activations with integer kernels that differ by ISA;
    at level 0 onnxruntime has no fast 8-bit kernel (it expands the 49,152 x 576 table to fp32 on every
    call: 100 ms a step). The head becomes two 4-bit MatMulNBits in fp32 arithmetic, ``W ~ H + L``: H the
    8-bit table's weights in 4-bit blocks, L the 4-bit blocks of what H leaves (its error is about a
    sixteenth of H's), added. The embedding Gather keeps reading the 8-bit table. Returns what was done."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    head = next(
        (n for n in g.node if n.op_type == "MatMulNBits" and {a.name: a.i for a in n.attribute}["bits"] == 8), None
    )
    if head is None:
        raise RuntimeError("no 8-bit lm_head MatMulNBits found")
    att = {a.name: a.i for a in head.attribute}
    n_out, k = att["N"], att["K"]
    b8 = numpy_helper.to_array(inits[head.input[1]]).reshape(n_out, k).astype(np.float32)
    s8 = numpy_helper.to_array(inits[head.input[2]]).reshape(n_out, -1).astype(np.float32)
    z8 = numpy_helper.to_array(inits[head.input[3]]).reshape(n_out, -1).astype(np.float32)
    bs8 = att["block_size"]
    w = ((b8.reshape(n_out, -1, bs8) - z8[..., None]) * s8[..., None]).reshape(n_out, k)  # the 8-bit weights
    hi_b, hi_s, hi_z, hi_w = _q4_blocks(w, block_size)
    lo_b, lo_s, lo_z, lo_w = _q4_blocks(w - hi_w, block_size)
    base = head.input[1].removesuffix("_Q8")
    outs = []
    for part, (b, s, z) in (("hi", (hi_b, hi_s, hi_z)), ("lo", (lo_b, lo_s, lo_z))):
        names = [f"{base}_{part}_Q4", f"{base}_{part}_scales", f"{base}_{part}_zero_points"]
        for name, arr in zip(names, (b, s.reshape(-1), z.reshape(-1))):
            g.initializer.append(numpy_helper.from_array(arr, name))
        out = f"{head.output[0]}_{part}"
        outs.append(
            helper.make_node(
                "MatMulNBits",
                [head.input[0], *names],
                [out],
                name=out,
                domain="com.microsoft",
                K=k,
                N=n_out,
                bits=4,
                block_size=block_size,
                accuracy_level=0,
            )
        )
    add = helper.make_node("Add", [o.output[0] for o in outs], list(head.output), name=f"{head.output[0]}_sum")
    nodes = list(g.node)
    i = nodes.index(head)
    nodes[i : i + 1] = [*outs, add]
    g.ClearField("node")
    g.node.extend(nodes)
    for name in head.input[1:]:
        if not any(name in n.input for n in g.node) and name in inits:
            g.initializer.remove(inits[name])
    err = float(np.abs(w - hi_w - lo_w).max() / np.abs(w).max())
    return (f"lm_head ({n_out} x {k}): two 4-bit MatMulNBits in fp32 arithmetic "
            f"(8-bit weights within {err:.1e} of the largest)")


def embedding_from_halves(model) -> str:
    """Let the embedding Gather read the lm_head's two 4-bit halves (head_as_two_4bit_fp32) instead of the
    8-bit table, which then goes: the tied matrix is stored once, as the two halves (28 MB less).
    ``GatherBlockQuantized`` (4 bits, blocks along the width) on each half's rows, added: the same numbers
    the lm_head computes with. Returns what was done."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    gather = next((n for n in g.node if n.op_type == "GatherBlockQuantized"), None)
    halves = [n for n in g.node if n.op_type == "MatMulNBits" and n.name.endswith(("_hi", "_lo"))]
    if gather is None or len(halves) != 2:
        raise RuntimeError("no 8-bit embedding Gather and 4-bit lm_head halves found")
    att = {a.name: a.i for a in halves[0].attribute}
    vocab, width, block = att["N"], att["K"], att["block_size"]
    kb = width // block
    outs, nodes = [], []
    for head in halves:
        part = head.name.rsplit("_", 1)[-1]
        b, scales, zeros = head.input[1], head.input[2], head.input[3]
        shaped = []
        for name, shape in ((b, [vocab, width // 2]), (scales, [vocab, kb]), (zeros, [vocab, (kb + 1) // 2])):
            shape_name = f"{name}_rows_shape"
            g.initializer.append(numpy_helper.from_array(np.array(shape, np.int64), shape_name))
            nodes.append(helper.make_node("Reshape", [name, shape_name], [f"{name}_rows"], name=f"{name}_rows"))
            shaped.append(f"{name}_rows")
        out = f"{gather.output[0]}_{part}"
        nodes.append(
            helper.make_node(
                "GatherBlockQuantized",
                [shaped[0], gather.input[1], shaped[1], shaped[2]],
                [out],
                name=out,
                domain="com.microsoft",
                gather_axis=0,
                quantize_axis=1,
                block_size=block,
                bits=4,
            )
        )
        outs.append(out)
    nodes.append(helper.make_node("Add", outs, list(gather.output), name=f"{gather.output[0]}_sum"))
    old_inputs = [i for i in gather.input if i in inits]
    reshapes = [n for n in g.node if n.output and n.output[0] == gather.input[0]]
    all_nodes = list(g.node)
    i = all_nodes.index(gather)
    all_nodes[i : i + 1] = nodes
    for r in reshapes:
        all_nodes.remove(r)
        old_inputs += [x for x in r.input if x in inits]
    g.ClearField("node")
    g.node.extend(all_nodes)
    for name in old_inputs:
        if not any(name in n.input for n in g.node) and name in inits:
            g.initializer.remove(inits[name])
    return f"embedding: GatherBlockQuantized on the lm_head's two 4-bit halves ({vocab} x {width}); 8-bit table removed"
