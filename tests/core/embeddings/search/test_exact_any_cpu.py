"""Exact search is exact on every CPU: the integer scan's products cannot saturate or overflow on any
kernel onnxruntime may pick (core/embeddings/search/compressed.py derives why), shown on the worst case
-- codes and query at their extremes -- against an int32 reference, a model of the AVX2 kernel's
saturating pair sums, and the float32 scan; and, where this CPU can hide its AVX-512 and VNNI, by
running the real AVX2 kernels (models/cpu_mask)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import nearest
from core.embeddings.search import compressed

ROOT = Path(__file__).resolve().parents[4]


def saturating_pairs(a: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """What x86 without VNNI computes for u8 ``a`` (dim,) against s8 ``codes`` (dim, n): vpmaddubsw adds
    each pair of neighbouring products in int16, saturating; vpmaddwd / vpaddd then add in int32."""
    prod = a.astype(np.int64)[:, None] * codes.astype(np.int64)
    if prod.shape[0] % 2:
        prod = np.vstack([prod, np.zeros((1, prod.shape[1]), np.int64)])
    pairs = np.clip(prod[0::2] + prod[1::2], -32768, 32767)
    return pairs.sum(0)


def extreme_set(dim: int, n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Rows whose unit vectors put every component at the largest code: +-1/sqrt(dim) -> +-127."""
    rng = np.random.default_rng(seed)
    vecs = rng.choice([-1.0, 1.0], size=(n, dim)).astype(np.float32)
    vecs[: n // 4, 0] *= 4  # and a quarter with one dominant component (the scale's largest row)
    return vecs, [f"w{i}" for i in range(n)]


@pytest.mark.parametrize("dim", [7, 8, 50, 301])
def test_worst_case_codes_and_query_give_the_exact_integer_products(dim):
    vecs, words = extreme_set(dim, 3000, seed=dim)
    es = EmbeddingSet(words, vecs)
    copy = compressed.ensure(es)
    codes = compressed_codes(es)
    assert np.abs(codes).max() == compressed.CODE_MAX  # the rows reach the extremes
    for q in (vecs[0], vecs[-1], -vecs[5], np.where(np.arange(dim) % 2, 1.0, -1.0).astype(np.float32)):
        a, _, _ = compressed.query_codes(q)
        assert a.min() >= 1 and a.max() <= 127 and {int(a.min()), int(a.max())} & {1, 127}
        exact = (a[0].astype(np.int64) - compressed.QUERY_ZERO) @ codes.astype(np.int64)
        # the AVX2 kernel's saturating pairs equal the exact sums for every query this scan sends
        raw = a[0].astype(np.int64) @ codes.astype(np.int64)
        assert np.array_equal(saturating_pairs(a[0], codes), raw)
        # and onnxruntime's result on this CPU is the int32 reference
        assert np.array_equal(copy.integer_scores(q).astype(np.int64), exact)


def test_a_full_eight_bit_query_would_saturate():
    """The model of the AVX2 kernel is not vacuous: the query range the scan used before (u8 up to 255)
    loses products on these rows, which is why lists differed on AVX2 machines."""
    vecs, words = extreme_set(8, 500, seed=1)
    codes = compressed_codes(EmbeddingSet(words, vecs))
    q = np.ones(8, np.float32)
    q[0] = 4.0
    a_old = (np.rint(q / (np.abs(q).max() / 127)) + 128).astype(np.uint8)
    assert not np.array_equal(saturating_pairs(a_old, codes), a_old.astype(np.int64) @ codes.astype(np.int64))


def test_worst_case_lists_equal_the_float32_scan():
    for dim in (8, 50):
        vecs, words = extreme_set(dim, 4000, seed=dim + 1)
        vecs += np.random.default_rng(dim).normal(0, 0.05, vecs.shape).astype(np.float32)  # ties broken
        fast, plain = EmbeddingSet(words, vecs), EmbeddingSet(words, vecs.copy())
        assert compressed.ensure(fast) is not None
        for w in words[:40] + words[-40:]:
            assert nearest(fast, w, 10) == nearest(plain, w, 10), (dim, w)


def test_sets_too_wide_for_int32_sums_get_no_copy():
    es = EmbeddingSet(["a", "b"], np.ones((2, compressed.MAX_DIM + 1), np.float32))
    assert compressed.ensure(es) is None


def compressed_codes(es: EmbeddingSet) -> np.ndarray:
    """The (dim, n) int8 codes the scan holds."""
    return compressed.ensure(es).codes_t


MASKED_CHECK = r"""
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from core.cpu import cpu_info
from core.embeddings.embedding_set import EmbeddingSet
from core.embeddings.neighbours import nearest
from core.embeddings.search import compressed
out = {"path": cpu_info().integer_path, "differ": [], "integer_mismatch": 0}
rng = np.random.default_rng(0)
sets = [rng.standard_normal((2004, 8)).astype(np.float32)]  # low-dimensional: large codes
x = rng.choice([-1.0, 1.0], size=(3000, 50)).astype(np.float32); x[:700, 0] *= 4
sets.append(x + rng.normal(0, 0.05, x.shape).astype(np.float32))  # codes at their extremes
for s, vecs in enumerate(sets):
    words = [f"w{i}" for i in range(len(vecs))]
    fast, plain = EmbeddingSet(words, vecs), EmbeddingSet(words, vecs.copy())
    copy = compressed.ensure(fast)
    for i in range(0, len(words), 37):
        if [n.index for n in nearest(fast, words[i], 10)] != [n.index for n in nearest(plain, words[i], 10)]:
            out["differ"].append([s, words[i]])
        q = fast.unit_vector(i)
        a = compressed.query_codes(q)[0][0].astype(np.int64) - compressed.QUERY_ZERO
        if not np.array_equal(copy.integer_scores(q), a @ copy.codes_t.astype(np.int64)):
            out["integer_mismatch"] += 1
print(json.dumps(out))
"""


def test_exact_search_on_the_real_avx2_kernels():
    """The same checks in a process whose CPUID shows no AVX-512 or VNNI: onnxruntime then runs the
    kernels of an AVX2 machine (vpmaddubsw), the ones that returned wrong lists before."""
    from models import cpu_mask

    why = cpu_mask.unavailable()
    if why:
        pytest.skip(f"cannot run the AVX2 kernels here: {why}")
    run = subprocess.run([sys.executable, "-c", MASKED_CHECK, str(ROOT)], env=cpu_mask.environment(),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["path"] == "avx2"  # the mask took: this process ran the AVX2 kernels
    assert out["integer_mismatch"] == 0
    assert out["differ"] == []
