"""Faster exact cosine search: scan a compressed copy, then re-rank exactly.

A float32 scan of 400,000 x 50 reads 80 MB per query and is bound by memory bandwidth.
This copy holds the unit rows as int8 codes on one scale (a quarter of the bytes), and
onnxruntime's integer matrix product (MatMulInteger, MLAS kernels) scores all rows against a
7-bit copy of the query; TopK keeps the best candidates, still as integers (one scale for every
row ranks them as their approximate scores do).

The integer products are exact on every kernel onnxruntime may pick. The row codes c_j are in
[-127, 127]; the query is sent as unsigned bytes ``a = c_q + 64`` with c_q in [-63, 63], so a is in
[1, 127] (zero point 64). x86 without VNNI (AVX2, AVX-512 without VNNI) multiplies u8 x s8 with
``vpmaddubsw``, which adds each *pair* of products in int16 with saturation: here a pair is at most
2 * 127 * 127 = 32,258 <= 32,767, so nothing saturates (a full 8-bit query, a up to 255, reached
2 * 255 * 127 = 64,770 and was clipped: wrong lists on AVX2 machines). VNNI/AMX add in int32, NEON
widens to int16 products (|product| <= 127 * 128) before adding pairs in int32; every path then sums
in int32, where ``dim * 127 * 127 < 2**31`` holds for dim <= 133,000 (checked: larger sets get no copy).
The integer result is therefore ``c_q . c_j`` exactly, whatever the CPU, and the bound below holds.

The result is exact, by a bound. For row j the approximate score is
``a_j = s_q * s * (c_q . c_j)``; the float32 score the full scan computes, ``T_j``, differs
from it by at most

    E = R |q| + (1 + R) |q - s_q c_q| + eps

where R is the largest residual norm ``|u_j - s c_j|`` over the rows (u_j the unit row),
``|q - s_q c_q|`` the query's own rounding error and eps a margin for float32 rounding. Any
row that can be among the k best therefore has ``a_j >= a_(k) - 2E`` (a_(k): the k-th best
approximate score). When the candidates returned hold every such row (the last one scores
below that cut) they are re-scored in float32 exactly as the full scan does and the k best
returned; otherwise :meth:`CompressedRows.candidates` returns None and the caller scans in
float32. Either way the list equals the float32 result.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

from ...progress import Job, Progress, run_sync
from ..embedding_set import EmbeddingSet

CANDIDATES = 256  # rows the integer scan returns first; when the bound cannot prove them (4% of GloVe
WIDER = 8  # queries with the 7-bit query) it scans again for 8 times as many (0.3 ms) before the float32 scan (7 ms)
MAX_BYTES = 256 << 20  # the window makes a copy for sets whose codes fit in this (GloVe 400k x 50: 20 MB)
_CHUNK = 65536
CODE_MAX = 127  # row codes in [-127, 127] (int8)
QUERY_MAX = 63  # query codes in [-63, 63], sent as u8 with zero point 64: [1, 127]
QUERY_ZERO = 64
MAX_DIM = (2**31 - 1) // (CODE_MAX * (QUERY_MAX + QUERY_ZERO))  # int32 sums cannot overflow below this
_lock = threading.Lock()
_copies: weakref.WeakKeyDictionary[EmbeddingSet, CompressedRows] = weakref.WeakKeyDictionary()


class CompressedRows:
    """int8 codes of a set's unit rows on one scale, in an onnxruntime session."""

    def __init__(self, codes_t: np.ndarray, scale: float, residual: float) -> None:
        self.dim, self.n = codes_t.shape
        self.scale = float(scale)
        self.residual = float(residual)  # R: the largest |u_j - s c_j| over the rows
        self.eps = (self.dim + 8) * 2.0 ** -22  # float32 rounding of the dot products and of the unit rows
        self.nbytes = codes_t.nbytes
        self.codes_t = codes_t  # (dim, n) int8; onnxruntime's OrtValue wraps this same buffer
        self._session, self._codes = _session(codes_t)  # the session reads _codes: kept as long

    def integer_scores(self, q: np.ndarray) -> np.ndarray | None:
        """The integer scan's scores ``c_q . c_j`` of every row (int32, row order), as onnxruntime computes
        them here; None for a zero query. For tests and inspection: :meth:`candidates` reads them through TopK."""
        coded = query_codes(q)
        if coded is None:
            return None
        values, rows = self._session.run(None, {"q": coded[0], "limit": np.array([self.n], np.int64),
                                                "K": np.array([self.n], np.int64)})
        out = np.empty(self.n, np.int32)
        out[rows[0]] = values[0]
        return out

    def candidates(self, q: np.ndarray, k: int, limit: int) -> np.ndarray | None:
        """Rows among the first ``limit`` that may hold q's k best by cosine (a superset, unordered),
        or None when the bound cannot show that the scanned candidates hold them all."""
        q = np.asarray(q, dtype=np.float32)
        coded = query_codes(q)
        if coded is None:
            return None
        qa, sq, qerr = coded
        qn = float(np.linalg.norm(q))
        bound = self.residual * qn + (1.0 + self.residual) * qerr + self.eps * qn
        for want in (min(CANDIDATES, limit), min(CANDIDATES * WIDER, limit)):
            if k > want // 2:
                return None
            dots, idx = self._session.run(None, {"q": qa, "limit": np.array([limit], np.int64),
                                                 "K": np.array([want], np.int64)})
            vals, idx = dots[0] * (sq * self.scale), idx[0]
            cut = float(vals[k - 1]) - 2.0 * bound
            if want >= limit or float(vals[-1]) < cut:
                return idx[vals >= cut]
            # rows beyond the scanned candidates may still belong in the top k: scan for more
        return None


def query_codes(q: np.ndarray) -> tuple[np.ndarray, float, float] | None:
    """The query as the scan reads it: ``(a, s_q, |q - s_q c_q|)`` with ``a = c_q + 64`` unsigned bytes in
    [1, 127] (shape (1, dim)) and ``q ~ s_q c_q``; None for a zero (or empty) query."""
    q = np.asarray(q, dtype=np.float32)
    qmax = float(np.abs(q).max()) if q.size else 0.0
    if not qmax > 0.0 or not np.isfinite(qmax):
        return None
    sq = qmax / QUERY_MAX
    cq = np.clip(np.rint(q / np.float32(sq)), -QUERY_MAX, QUERY_MAX)
    qerr = float(np.linalg.norm(q.astype(np.float64) - cq * sq))
    return (cq + QUERY_ZERO).astype(np.uint8)[None, :], sq, qerr


def _session(codes_t: np.ndarray):
    """The scan as an onnxruntime session, and the OrtValue of the codes it reads (keep it alive).

    The codes are handed over in memory as an external initializer: put into the graph itself they
    were copied twice with the GIL held (into the TensorProto, then the serialised model), which
    froze the window for tens of milliseconds after every load (benchmarks/bench_gui.py --stacks);
    the session now starts in 20 ms instead of 70 and answers the same, as fast."""
    import os

    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    d, n = codes_t.shape
    nodes = [
        helper.make_node("MatMulInteger", ["q", "codes", "zero"], ["dots"]),
        helper.make_node("Slice", ["dots", "start", "limit", "axis"], ["head"]),
        helper.make_node("TopK", ["head", "K"], ["values", "rows"], axis=-1, largest=1, sorted=1),
    ]
    codes = TensorProto(name="codes", data_type=TensorProto.INT8, dims=[d, n])
    codes.data_location = TensorProto.EXTERNAL  # the data: add_external_initializers below
    for key, value in (("location", "codes.bin"), ("offset", "0"), ("length", str(codes_t.nbytes))):
        entry = codes.external_data.add()
        entry.key, entry.value = key, value
    inits = [codes, numpy_helper.from_array(np.array(QUERY_ZERO, np.uint8), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "start"),
             numpy_helper.from_array(np.array([1], np.int64), "axis")]
    graph = helper.make_graph(
        nodes, "compressed_scan",
        [helper.make_tensor_value_info("q", TensorProto.UINT8, [None, d]),
         helper.make_tensor_value_info("limit", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("K", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("values", TensorProto.INT32, [None, None]),
         helper.make_tensor_value_info("rows", TensorProto.INT64, [None, None])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, min(os.cpu_count() or 1, 4))  # as BLAS scans with every core
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads sleep
    opts.log_severity_level = 3
    value = ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(codes_t))
    opts.add_external_initializers(["codes"], [value])
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"]), value


def build(es: EmbeddingSet, max_bytes: int = MAX_BYTES) -> Job[CompressedRows | None]:
    """Make (once per set) and remember the compressed copy; None when its codes would exceed max_bytes
    (it costs twice their size in memory: the codes and onnxruntime's packed copy)."""
    with _lock:
        found = _copies.get(es)
    if found is not None:
        return found
    n, d = len(es), es.dim
    if n == 0 or n * d > max_bytes or d > MAX_DIM:
        return None
    inv = es.inv_norms
    top = 0.0
    for s in range(0, n, _CHUNK):  # one scale for all: the largest component of any unit row
        e = min(s + _CHUNK, n)
        top = max(top, float(np.abs(np.asarray(es.vectors[s:e], dtype=np.float32) * inv[s:e, None]).max()))
        yield Progress(e / n * 0.3, "compressing the vectors for fast exact search")
    scale = top / CODE_MAX if top > 0 else 1.0
    codes_t = np.empty((d, n), dtype=np.int8)
    residual = 0.0
    for s in range(0, n, _CHUNK):
        e = min(s + _CHUNK, n)
        unit = np.asarray(es.vectors[s:e], dtype=np.float32) * inv[s:e, None]
        codes = np.clip(np.rint(unit / np.float32(scale)), -CODE_MAX, CODE_MAX)
        diff = unit - codes * np.float32(scale)
        residual = max(residual, float(np.sqrt(np.einsum("ij,ij->i", diff, diff).max())))
        codes_t[:, s:e] = codes.T.astype(np.int8)
        yield Progress(0.3 + e / n * 0.6, "compressing the vectors for fast exact search")
    copy = CompressedRows(codes_t, scale, residual * (1 + 1e-5) + 1e-7)  # float32 residuals, rounded up
    yield Progress(1.0, "compressed copy ready")
    with _lock:
        return _copies.setdefault(es, copy)


def held() -> list[CompressedRows]:
    """The compressed copies alive now (each lives as long as its set)."""
    return list(_copies.values())


def get(es: EmbeddingSet) -> CompressedRows | None:
    """The set's compressed copy if it was made (never makes it: one query costs less than making it)."""
    with _lock:
        return _copies.get(es)


def ensure(es: EmbeddingSet, max_bytes: int = 4 << 30) -> CompressedRows | None:
    """The set's compressed copy, made now if needed (benchmarks and tests)."""
    return run_sync(build(es, max_bytes))
