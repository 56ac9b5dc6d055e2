"""SmolLM2's fused fast graph (models/build_fast_lm.py, registry ``smollm2-135m-fast``) in the language
model's terms.

Its layout is onnxruntime's, not the fp32 file's: ``input_ids``, ``attention_mask`` (batch, past + seq),
``past_key_values.{i}.key/value`` (batch, 3, past, 64) and an optional ``logits_from`` in; ``logits``
(from that position on), ``present.{i}.key/value`` and the optional residual stream
``hidden_states.{i}`` out (i = 0..30: the embedding, every layer's output, the final norm's output;
equal to the fp32 file's ``hidden_states`` up to float rounding, as the weights are the GGUF's own grid).

The trace loop keeps the cache as the graph gives it, a tuple of 60 arrays (``k0, v0, k1, v1, ...``):
a step copies nothing. Passes that ask for the fp32 file's stacked cache (layers, 2, batch, kv heads,
past, head dim) or its stacked hidden states get them converted (:func:`stacked`, :func:`unstacked`).

Every weight of the file computes in fp32 arithmetic except the lm_head's low half, whose 4-bit codes
(0..15) times int8 activations sum exactly in integers on every kernel path (VNNI's 32-bit sums, AVX2's
``vpmaddubsw`` pairs at most 2 x 127 x 15 = 3,810 < 32,767): the answers are the same on every CPU up to
float rounding. Its manifest records the parity measured against fp32 on each kernel path built on.
"""
from __future__ import annotations

import numpy as np

from .runtime import OnnxSession

LOGITS_FROM = "logits_from"
HIDDEN = "hidden_states.{}"
PRECISION = "fast"  # the manifest's "precision" of a fast graph, and the label of a pass it answered


def is_fast(manifest: dict) -> bool:
    return manifest.get("precision") == PRECISION


def faithful(manifest: dict) -> tuple[bool, str]:
    """Whether a fast graph's parity against fp32 holds (its manifest's record), and why not."""
    parity = manifest.get("parity") or {}
    if not parity.get("holds_targets"):
        runs = ", ".join(f"{r.get('integer_path')}: top-1 {r.get('top1_agreement')}, KL {r.get('kl_mean')}"
                         for r in parity.get("measured_on") or []) or "no parity recorded"
        return False, f"the fast graph misses fp32's answers ({runs}); auto uses fp32"
    return True, ""


class FastGraph:
    """What a pass over the fast graph needs: its cache's shape and its optional inputs and outputs."""

    def __init__(self, sess: OnnxSession, n_layers: int, n_kv_heads: int, head_dim: int) -> None:
        self.n_layers, self.kv_heads, self.head_dim = n_layers, n_kv_heads, head_dim
        self.past_names = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
        self.present_names = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
        self.hidden_names = [HIDDEN.format(i) for i in range(n_layers + 1)]
        self.has_logits_from = LOGITS_FROM in sess.input_names
        self.has_hidden = self.hidden_names[-1] in sess.output_names
        self._empty = np.zeros((1, n_kv_heads, 0, head_dim), np.float32)

    def empty(self, batch: int = 1) -> tuple[np.ndarray, ...]:
        e = self._empty if batch == 1 else np.zeros((batch, self.kv_heads, 0, self.head_dim), np.float32)
        return (e,) * (2 * self.n_layers)

    def run(self, sess: OnnxSession, ids: np.ndarray, cache: tuple[np.ndarray, ...] | None, *,
            last_only: bool = False, hidden: bool = False, mask: np.ndarray | None = None):
        """``ids`` (batch, seq) after ``cache`` (None: from the start): logits (batch, seq or 1, vocab), the new
        cache tuple and, when ``hidden``, the stacked hidden states (layers + 1, batch, seq, width)."""
        batch, n = ids.shape
        past = self.empty(batch) if cache is None else cache
        total = past[0].shape[2] + n
        feeds = {"input_ids": ids, "attention_mask": np.ones((batch, total), np.int64) if mask is None else mask}
        if self.has_logits_from:
            feeds[LOGITS_FROM] = np.array([n - 1 if last_only else 0], np.int64)
        for name, a in zip(self.past_names, past):
            feeds[name] = a if a.flags.c_contiguous else np.ascontiguousarray(a)
        names = ["logits", *self.present_names]
        if hidden:
            if not self.has_hidden:
                raise KeyError(f"{sess.path.name} has no hidden_states outputs (built before they were added; "
                               "rebuild it: python main.py models build --force --only smollm2-135m-fast)")
            names += self.hidden_names
        out = sess.run(names, feeds)
        logits = out[0]
        if last_only and not self.has_logits_from:
            logits = logits[:, -1:]
        k = 1 + len(self.present_names)
        return logits, tuple(out[1:k]), (np.stack(out[k:]) if hidden else None)


def stacked(cache: tuple[np.ndarray, ...]) -> np.ndarray:
    """The fp32 file's cache layout (layers, 2, batch, kv heads, past, head dim) from a fast graph's tuple."""
    a = np.stack(cache)  # (2 layers, batch, heads, past, dim)
    return a.reshape(len(cache) // 2, 2, *a.shape[1:])


def unstacked(past_kv: np.ndarray) -> tuple[np.ndarray, ...]:
    """A fast graph's cache tuple from the fp32 file's layout (views: no copy)."""
    return tuple(past_kv[i, j] for i in range(past_kv.shape[0]) for j in (0, 1))


def cache_length(cache: tuple[np.ndarray, ...]) -> int:
    return int(cache[0].shape[2])


def truncate(cache: tuple[np.ndarray, ...], length: int) -> tuple[np.ndarray, ...]:
    return tuple(a[:, :, :length] for a in cache)


__all__ = ["PRECISION", "FastGraph", "cache_length", "faithful", "is_fast", "stacked", "truncate",
           "unstacked"]
