"""The logit lens: what each layer of a decoder would predict if it were the last. Every layer's
hidden state goes through the model's own final norm and unembedding (core.inference.lens_head),
for every position of the prompt, over the whole vocabulary.

    lens = run_sync(lens_job(lm, "The capital of France is"))
    lens.top_ids[layer, pos], lens.top_probs[layer, pos]     # the token each layer would predict
    lens.final_probs[:, -1], lens.final_ranks[:, -1]          # the final top token, layer by layer
    lens.first_top(-1)                                        # the first layer where it is on top
    lens.top(layer, pos, k=10)                                # that layer's top 10 (a few ms)

The exported ``hidden_states`` hold the embeddings and each layer's output; the last one may have
gone through the final norm already (it has in SmolLM2's export). Which it is, is read off the
model's own logits in the same pass, so the last row of the lens is the model's distribution.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..progress import Job, Progress
from .lens_head import Head, head_job
from .tokenizer import Token, Tokenizer

MAX_POSITIONS = 32  # the lens shows at most the last this many positions of a long text
BLOCK = 1024  # rows through the unembedding in one matrix product (smaller blocks cost BLAS 25% more;
#               blocks of 64 twice as much); 1,024 x 49,152 floats is 200 MB for a moment
CHUNK = 64  # rows whose softmax is taken at a time: (64, vocab) floats stay in cache


@dataclass(frozen=True, eq=False)
class LogitLens:
    tokens: tuple[Token, ...]  # the positions shown (the last MAX_POSITIONS of the text)
    first: int  # index of the first shown position in the whole text
    layer_names: tuple[str, ...]  # "embeddings", "layer 1", ...
    top_ids: np.ndarray  # (layers, positions) int64: each cell's most likely next token
    top_probs: np.ndarray  # (layers, positions) float32: its probability (full softmax)
    final_probs: np.ndarray  # (layers, positions): probability of the last layer's top token of that position
    final_ranks: np.ndarray  # (layers, positions) int64: its rank (1 = top)
    states: np.ndarray  # (layers, positions, width): the rows the unembedding read (after the norm)
    lse: np.ndarray  # (layers, positions): log-sum-exp of each cell's logits
    head: Head
    tokenizer: Tokenizer
    last_normed: bool  # the export's last hidden state had been through the final norm
    seconds: float  # the lens itself (from hidden states to every cell), not the model pass

    @property
    def final_ids(self) -> np.ndarray:
        return self.top_ids[-1]

    @property
    def shape(self) -> tuple[int, int]:
        return self.top_ids.shape

    def label(self, token_id: int) -> str:
        return self.tokenizer.readable(int(token_id))

    def first_top(self, pos: int) -> int:
        """The first layer whose top token at ``pos`` is the last layer's."""
        return int(np.argmax(self.top_ids[:, pos] == self.top_ids[-1, pos]))

    def settled(self, pos: int) -> int:
        """The layer from which on the last layer's top token stays on top at ``pos``."""
        on_top = self.top_ids[:, pos] == self.top_ids[-1, pos]
        off = np.flatnonzero(~on_top)
        return int(off[-1] + 1) if len(off) else 0

    def logits(self, layer: int, pos: int) -> np.ndarray:
        return self.states[layer, pos] @ self.head.unembedding_t

    def probs(self, layer: int, pos: int) -> np.ndarray:
        return np.exp(self.logits(layer, pos) - self.lse[layer, pos])

    def top(self, layer: int, pos: int, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` most likely tokens of one cell: (id, probability), highest first."""
        p = self.probs(layer, pos)
        k = min(k, len(p))
        ids = np.argpartition(-p, k - 1)[:k]
        ids = ids[np.lexsort((ids, -p[ids]))]
        return [(int(i), float(p[i])) for i in ids]


def last_is_normed(head: Head, last_hidden: np.ndarray, model_logits: np.ndarray) -> bool:
    """Whether the export's last hidden state (width,) is after the final norm: the reading that
    reproduces the model's own logits (width,) -> (vocab,) is the right one."""
    plain = np.abs(head.logits(last_hidden[None], normed=True)[0] - model_logits).max()
    normed = np.abs(head.logits(last_hidden[None])[0] - model_logits).max()
    return bool(plain <= normed)


def logit_lens(head: Head, hidden: np.ndarray, tokens: list[Token], tokenizer: Tokenizer, *,
               layer_names: list[str] | None = None, last_normed: bool = False,
               max_positions: int = MAX_POSITIONS) -> LogitLens:
    """The lens of one text from its hidden states (layers, seq, width)."""
    t0 = time.perf_counter()
    hidden = np.asarray(hidden, np.float32)
    n_layers, seq, width = hidden.shape
    if seq != len(tokens):
        raise ValueError(f"{seq} hidden positions for {len(tokens)} tokens")
    if width != head.width:
        raise InputError(f"hidden states are {width} wide, the unembedding {head.width}")
    first = max(0, seq - max_positions)
    states = _normed(head, hidden[:, first:], last_normed)
    p = seq - first
    top_ids, top_logit, lse, target_logit, ranks = _score(head, states.reshape(-1, width), n_layers, p)
    shape = (n_layers, p)
    top_probs = np.exp(top_logit - lse).astype(np.float32)
    names = tuple(layer_names) if layer_names else tuple(f"layer {i}" for i in range(n_layers))
    return LogitLens(tuple(tokens[first:]), first, names, top_ids.reshape(shape), top_probs.reshape(shape),
                     np.exp(target_logit - lse).reshape(shape).astype(np.float32), ranks.reshape(shape),
                     states, lse.reshape(shape), head, tokenizer, last_normed, time.perf_counter() - t0)


def _normed(head: Head, h: np.ndarray, last_normed: bool) -> np.ndarray:
    """Every layer's states through the final norm (the last layer as it is when the graph normed it)."""
    states = np.empty_like(h)
    states[: len(h) - 1] = head.norm(h[: len(h) - 1])
    states[-1] = h[-1] if last_normed else head.norm(h[-1])
    return states


def _score(head: Head, rows: np.ndarray, n_layers: int, p: int):
    """Each row's (top token, its logit, log-sum-exp, the target's logit, the target's rank), the target
    being the last layer's top token at the same position; logits in blocks from the end, so the first
    block holds the whole last layer."""
    w_t = head.unembedding_t
    n = len(rows)
    top_ids = np.empty(n, np.int64)
    top_logit = np.empty(n, np.float32)
    lse = np.empty(n, np.float32)
    target_logit = np.empty(n, np.float32)
    ranks = np.empty(n, np.int64)
    size = max(BLOCK, p)  # the first block holds the whole last layer: its top tokens are every row's targets
    buf = np.empty((min(size, n), head.vocab), np.float32)
    exp = np.empty((min(CHUNK, n), head.vocab), np.float32)
    target: np.ndarray | None = None
    r1 = n
    while r1 > 0:  # blocks from the end
        r0 = max(0, r1 - size)
        block = np.matmul(rows[r0:r1], w_t, out=buf[: r1 - r0])
        chunks = [(c, min(c + CHUNK, r1 - r0)) for c in range(0, r1 - r0, CHUNK)]
        for c0, c1 in chunks:
            logits, at = block[c0:c1], slice(r0 + c0, r0 + c1)
            arg = logits.argmax(axis=1)
            top = logits[np.arange(c1 - c0), arg]
            e = np.subtract(logits, top[:, None], out=exp[: c1 - c0])
            np.exp(e, out=e)
            top_ids[at], top_logit[at] = arg, top
            lse[at] = top + np.log(e.sum(axis=1))
        if target is None:
            target = np.tile(top_ids[n - p:], n_layers)
        for c0, c1 in chunks:
            logits, at = block[c0:c1], slice(r0 + c0, r0 + c1)
            t = logits[np.arange(c1 - c0), target[at]]
            target_logit[at] = t
            ranks[at] = 1 + (logits > t[:, None]).sum(axis=1)
        r1, size = r0, BLOCK
    return top_ids, top_logit, lse, target_logit, ranks


def lens_graph(lm) -> str:
    """The graph whose final norm and unembedding the lens reads: the one the hidden states come from
    (LanguageModel passes that return hidden states always use the fp32 ``model`` file)."""
    return str(lm.session.path)


def lens_job(lm, text: str | None = None, *, ids: list[int] | None = None,
             max_positions: int = MAX_POSITIONS) -> Job[LogitLens]:
    """The lens of ``text`` (start token put first) or of token ``ids``, with the built language model."""
    if ids is None:
        tokens = lm.tokenize(text or "")
    else:
        tokens = [Token(int(i), lm.tokenizer.token(int(i)), lm.tokenizer.text(int(i)), -1, -1) for i in ids]
    if not tokens:
        raise InputError("nothing to read: the text is empty")
    head = yield from head_job(lens_graph(lm))
    yield Progress(0.5, f"reading {len(tokens)} tokens")
    res = lm.forward(np.array([[t.id for t in tokens]]), ("logits", "hidden_states"))
    hidden = res["hidden_states"][:, 0]
    yield Progress(0.8, "every layer through the final norm and the unembedding")
    normed = last_is_normed(head, hidden[-1, -1], res["logits"][0, -1])
    return logit_lens(head, hidden, tokens, lm.tokenizer, layer_names=lm.layer_names or None, last_normed=normed,
                      max_positions=max_positions)
