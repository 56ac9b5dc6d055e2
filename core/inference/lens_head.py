"""The head a logit lens reads hidden states through: a decoder's final RMSNorm and its unembedding,
taken from the ONNX graph that computes the logits (no torch).

    head = run_sync(head_job(lm.session.path))   # read once, then mapped from the cache folder
    logits = head.logits(hidden)                   # (n, vocab): the final norm, then the unembedding

Everything about graph layouts is in :func:`read_head`, so another export is one place to adapt:

* the logits: ``MatMul(x, W^T)`` with ``W^T`` an initializer or ``Transpose(W)`` (the fp32 export,
  whose W is tied to the input embedding), ``Gemm`` (``transB``), or ``MatMulNBits`` (onnxruntime's
  4- or 8-bit blocks with scales and zero points), dequantized, or a sum of such parts read from one
  input (the 4-bit files' lm_head: two 4-bit halves of the 8-bit table, models/quantize_graph.py);
* ``x``: ``Mul(weight, h / sqrt(mean(h^2) + eps))`` (eps read from the graph's Add) or a fused
  ``SimplifiedLayerNormalization`` / ``RMSNormalization`` / ``SkipSimplifiedLayerNormalization`` (its
  ``epsilon`` attribute; the skip variant normalises input + skip, the residual stream), possibly through
  a ``Slice`` of positions (the fast graph's ``logits_from``).

Reading a 540 MB graph with the onnx package holds Python's GIL for seconds (the window would
freeze), so the first read runs in a child process (core.children) that writes the arrays into the
cache folder; later opens memory-map them. In a frozen app or off Linux/macOS it runs in-process.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from .. import children
from ..errors import ExplorerError, FileFormatError
from ..io import atomic_folder, file_key
from ..paths import cache_dir
from ..progress import Job, Progress
from .graph import load_graph

FORMAT_VERSION = 1
_PASS_THROUGH = ("Identity", "Cast", "Reshape", "Squeeze", "Unsqueeze")
_FUSED_NORMS = ("SimplifiedLayerNormalization", "RMSNormalization", "SkipSimplifiedLayerNormalization")
EXPECTED = "logits = MatMul/Gemm/MatMulNBits(RMSNorm(h), unembedding)"


@dataclass(frozen=True, eq=False)
class Head:
    """The final norm and the unembedding: ``logits = (h / rms(h) * weight) @ unembedding_t``."""

    weight: np.ndarray  # (width,) the final norm's scale
    eps: float
    unembedding_t: np.ndarray  # (width, vocab) float32, C-contiguous (maybe memory-mapped)
    source: str  # where it was read, e.g. "model.onnx: fp32 lm.lm_head.weight"

    @property
    def width(self) -> int:
        return int(self.unembedding_t.shape[0])

    @property
    def vocab(self) -> int:
        return int(self.unembedding_t.shape[1])

    def norm(self, h: np.ndarray) -> np.ndarray:
        """The final RMSNorm of rows ``h`` (..., width), in float32 as the graph computes it."""
        h = np.asarray(h, np.float32)
        scale = 1.0 / np.sqrt(np.mean(np.square(h), axis=-1, keepdims=True) + np.float32(self.eps))
        return (h * scale * self.weight).astype(np.float32)

    def logits(self, h: np.ndarray, *, normed: bool = False) -> np.ndarray:
        """Logits of rows ``h`` (n, width); ``normed``: the rows went through the final norm already."""
        x = np.asarray(h, np.float32) if normed else self.norm(h)
        return x @ self.unembedding_t


# -- reading a graph ------------------------------------------------------------------------------
class _Graph:
    def __init__(self, path: Path) -> None:
        from onnx import numpy_helper

        self.path = path
        self.model = load_graph(path)
        g = self.model.graph
        self.producer = {o: n for n in g.node for o in n.output}
        self._tensors = {t.name: t for t in g.initializer}
        for n in g.node:
            if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
                self._tensors[n.output[0]] = n.attribute[0].t
        self._to_array = numpy_helper.to_array

    def array(self, name: str) -> np.ndarray | None:
        t = self._tensors.get(name)
        return None if t is None else self._to_array(t)

    def source(self, name: str):
        """The node producing ``name``, looking through Identity / Cast / Reshape."""
        node = self.producer.get(name)
        while node is not None and node.op_type in _PASS_THROUGH and self.array(node.input[0]) is None:
            node = self.producer.get(node.input[0])
        return node

    def fail(self, message: str, found: str | None = None) -> FileFormatError:
        return FileFormatError(self.path, message, expected=EXPECTED, found=found)


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def dequantize_nbits(q: np.ndarray, scales: np.ndarray, zero_points: np.ndarray | None, *, n: int, k: int,
                     bits: int, block_size: int) -> np.ndarray:
    """onnxruntime's MatMulNBits weight as float32 (n, k): blocks of ``block_size`` along k, each
    ``(q - zero_point) * scale``; 4-bit values and zero points packed two to a byte, low nibble first."""
    blocks = -(-k // block_size)
    q = np.asarray(q, np.uint8).reshape(n, blocks, -1)
    if bits == 4:
        q = np.stack([q & 0x0F, q >> 4], axis=-1).reshape(n, blocks, -1)
    elif bits != 8:
        raise ValueError(f"{bits}-bit MatMulNBits is not read here (4 or 8)")
    scales = np.asarray(scales, np.float32).reshape(n, blocks)
    if zero_points is None:
        zp = np.full((n, blocks), 2 ** (bits - 1), np.float32)
    elif zero_points.dtype == np.uint8 and bits == 4:
        z = np.asarray(zero_points).reshape(n, -1)
        zp = np.stack([z & 0x0F, z >> 4], axis=-1).reshape(n, -1)[:, :blocks].astype(np.float32)
    else:
        zp = np.asarray(zero_points, np.float32).reshape(n, blocks)
    w = (q.astype(np.float32) - zp[..., None]) * scales[..., None]
    return w.reshape(n, -1)[:, :k]


def _unembedding(g: _Graph, node) -> tuple[np.ndarray, str, str]:
    """(W^T (width, vocab), the name of the normed input, a description)."""
    op = node.op_type
    if op == "MatMul":
        x, b = node.input[0], node.input[1]
        w_t = g.array(b)
        if w_t is not None:
            return w_t, x, f"fp32 {b}"
        t = g.source(b)
        if t is not None and t.op_type == "Transpose" and g.array(t.input[0]) is not None:
            return g.array(t.input[0]).T, x, f"fp32 {t.input[0]}"
    elif op == "Gemm" and len(node.input) == 2 and g.array(node.input[1]) is not None:
        b = g.array(node.input[1])
        return (b.T if _attrs(node).get("transB", 0) else b), node.input[0], f"fp32 {node.input[1]}"
    elif op == "MatMulNBits":
        a = _attrs(node)
        if len(node.input) > 4 and node.input[4]:
            raise g.fail("MatMulNBits with g_idx (act-order) is not read here")
        q, scales = g.array(node.input[1]), g.array(node.input[2])
        zp = g.array(node.input[3]) if len(node.input) > 3 and node.input[3] else None
        if q is None or scales is None:
            raise g.fail("the quantized unembedding is not stored in the graph")
        w = dequantize_nbits(q, scales, zp, n=a["N"], k=a["K"], bits=a["bits"], block_size=a["block_size"])
        return w.T, node.input[0], f"{a['bits']}-bit {node.input[1]} (dequantized)"
    elif op == "Add":  # W as a sum of quantised parts read from one input (models/quantize_graph.head_as_two_4bit_fp32)
        parts = [g.source(i) for i in node.input]
        if all(p is not None and p.op_type == "MatMulNBits" for p in parts) and len({p.input[0] for p in parts}) == 1:
            read = [_unembedding(g, p) for p in parts]
            return sum(r[0] for r in read), read[0][1], " + ".join(r[2] for r in read)
    raise g.fail("the logits are not an unembedding of the last hidden state", found=f"{op}({', '.join(node.input)})")


def _epsilon(g: _Graph, name: str, depth: int = 6) -> float | None:
    """eps of ``1 / sqrt(mean(h^2) + eps)`` upstream of ``name`` (None when there is no ReduceMean)."""
    eps, mean, todo = None, False, [(name, 0)]
    while todo:
        cur, d = todo.pop()
        node = g.producer.get(cur)
        if node is None or d > depth:
            continue
        mean = mean or node.op_type == "ReduceMean"
        if node.op_type == "Add":
            for i in node.input:
                v = g.array(i)
                if v is not None and v.size == 1:
                    eps = float(v.reshape(-1)[0])
        todo += [(i, d + 1) for i in node.input if g.array(i) is None]
    return eps if mean else None


def _final_norm(g: _Graph, x: str) -> tuple[np.ndarray, float]:
    node = g.source(x)
    if node is not None and node.op_type == "Slice":  # the fast graph's logits_from: positions, not values
        node = g.source(node.input[0])
    if node is not None and node.op_type in _FUSED_NORMS:
        # SkipSimplifiedLayerNormalization (input, skip, gamma): the norm of input + skip, the residual stream
        scale = g.array(node.input[2 if node.op_type.startswith("Skip") else 1])
        if scale is not None:
            return scale, float(_attrs(node).get("epsilon", 1e-5))
    if node is not None and node.op_type == "Mul":
        for w_name, other in ((node.input[0], node.input[1]), (node.input[1], node.input[0])):
            w = g.array(w_name)
            if w is not None and w.ndim == 1:
                eps = _epsilon(g, other)
                if eps is not None:
                    return w, eps
    raise g.fail("no RMSNorm found before the unembedding",
                 found=f"{node.op_type}({', '.join(node.input)})" if node is not None else x)


def read_head(graph_path: str | Path) -> Head:
    """The final norm and unembedding of the graph at ``graph_path`` (FileFormatError when its
    logits are not read that way)."""
    g = _Graph(Path(graph_path))
    node = g.source("logits")
    if node is None:
        raise g.fail("the graph has no logits output", found=", ".join(o.name for o in g.model.graph.output))
    w_t, x, what = _unembedding(g, node)
    weight, eps = _final_norm(g, x)
    w_t = np.ascontiguousarray(w_t, np.float32)
    if weight.shape != (w_t.shape[0],):
        raise g.fail(f"the norm's weight has {weight.size} values for a width of {w_t.shape[0]}")
    return Head(np.asarray(weight, np.float32), eps, w_t, f"{g.path.name}: {what}")


# -- the cache -------------------------------------------------------------------------------------
def cache_folder(graph_path: str | Path) -> Path:
    return cache_dir() / "lens" / f"{Path(graph_path).stem}-{file_key(graph_path)}"


def save_head(head: Head, folder: Path) -> None:
    with atomic_folder(folder) as tmp:
        np.save(tmp / "weight.npy", head.weight)
        np.save(tmp / "unembedding_t.npy", head.unembedding_t)
        meta = {"format_version": FORMAT_VERSION, "eps": head.eps, "source": head.source}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def load_head(folder: Path) -> Head | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            return None
        weight = np.load(folder / "weight.npy", allow_pickle=False)
        w_t = np.load(folder / "unembedding_t.npy", mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError):
        return None
    return Head(weight, float(meta["eps"]), w_t, meta["source"])


def serve_fd(fd: int) -> None:
    """The child: read one graph's head into its cache folder, answer, exit."""
    conn = Connection(fd)
    try:
        _, graph, folder = conn.recv()
        save_head(read_head(graph), Path(folder))
        conn.send(("ok",))
    except ExplorerError as exc:
        conn.send(("error", type(exc).__name__, str(exc)))
    except Exception:  # noqa: BLE001 - a bug: its traceback goes to the parent
        conn.send(("bug", "", traceback.format_exc()))


def _read_in_child(graph: Path, folder: Path) -> Job[None]:
    from .onnx_worker import rebuilt

    process, conn = children.start("core.inference.lens_head", "serve_fd")
    try:
        conn.send(("read", str(graph), str(folder)))
        while not conn.poll(0.05):
            if process.poll() is not None:
                raise ExplorerError(f"reading {graph.name} ended unexpectedly (exit status {process.returncode}; "
                                    "out of memory?)")
            yield Progress(-1, f"reading the final norm and unembedding from {graph.name}")
        reply = conn.recv()
        if reply[0] == "bug":
            raise RuntimeError(f"reading the logit lens head failed:\n{reply[2]}")
        if reply[0] == "error":
            raise rebuilt(reply[1], reply[2])
    finally:
        children.stop(process, conn)


def head_job(graph_path: str | Path) -> Job[Head]:
    """The head of a graph: from the cache, else read (in a child process) and cached."""
    graph = Path(graph_path)
    folder = cache_folder(graph)
    head = load_head(folder)
    if head is not None:
        return head
    if getattr(sys, "frozen", False) or os.name != "posix":
        yield Progress(-1, f"reading the final norm and unembedding from {graph.name}")
        save_head(read_head(graph), folder)
    else:
        yield from _read_in_child(graph, folder)
    head = load_head(folder)
    if head is None:
        raise ExplorerError(f"the logit lens head of {graph.name} could not be cached in {folder}")
    return head
