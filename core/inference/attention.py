"""Every head's attention weights for a text, and scores that find the known patterns.

    m = registry.open(registry.ATTENTION)
    view = attention(m, "The cat sat on the mat")               # SmolLM2: 30 layers x 9 heads
    view.weights.shape                                           # (30, 9, T, T), rows sum to 1
    view.scores["induction"][L, H]                               # NaN when no token repeats
    ranked(view, "previous_token")[:3]                           # [(layer, head, score), ...]
    attention(m, "The cat sat on the mat", model="minilm")       # all-MiniLM-L6-v2: 6 x 12, both sides

Pattern scores (each a mean over the query positions it applies to):

* **previous-token**: the weight a token puts on the token just before it (positions 2 on, so the
  start token's pull does not count);
* **first-token**: the weight on the first token (the start token in SmolLM2, [CLS] in MiniLM) —
  the "attention sink" many heads park on when they have nothing to do;
* **induction**: on a token seen earlier in the text, the weight on the token that *followed* its
  earlier occurrence (A B … A → B): the head that lets a model copy a repeated sequence.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .attention_model import NONE, AttentionModel, Intervention

MAX_TOKENS = 128  # the views show at most this many tokens (the start token and the last ones)
MODELS = ("smollm2", "minilm")
SCORES = ("previous_token", "first_token", "induction")
SCORE_TEXT = {
    "previous_token": "weight on the token just before",
    "first_token": "weight on the first token (the attention sink)",
    "induction": "on a repeated token, weight on the token that followed its earlier occurrence",
}


@dataclass(frozen=True, eq=False)
class AttentionView:
    """One text as one model read it: its tokens and every head's T×T weights."""

    model: str  # "smollm2" / "minilm"
    tokens: tuple[str, ...]  # readable ("␣cat")
    ids: tuple[int, ...]
    weights: np.ndarray = field(repr=False)  # (layers, heads, T, T) float32: row = a query, column = a key
    value_norms: np.ndarray = field(repr=False)  # (layers, heads, T): |v_j W_O^h|
    hidden_states: np.ndarray = field(repr=False)  # (layers + 1, T, width)
    logits: np.ndarray | None = field(default=None, repr=False)  # (vocab,) after the last token (SmolLM2)
    scores: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # name -> (layers, heads)
    cut: int = 0  # tokens left out at the start
    note: str = ""  # why, in words
    causal: bool = True
    intervention: Intervention = NONE

    @property
    def n_layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.weights.shape[1])


def tokens_of(m: AttentionModel, text: str, model: str = "smollm2", *, max_tokens: int = MAX_TOKENS
              ) -> tuple[list[int], int, str]:
    """The ids a model reads for ``text`` (start token / [CLS] … [SEP] included), cut to ``max_tokens``
    (the first token kept, then the last ones): ``(ids, cut, note)``."""
    if model not in MODELS:
        raise InputError(f"unknown model {model!r} for attention: {', '.join(MODELS)}")
    if not text.strip():
        raise InputError("the text is empty: type a sentence to see its attention")
    tok = m.tokenizer if model == "smollm2" else m.encoder_tokenizer
    ids = tok.encode_ids(text)
    limit = max_tokens if model == "smollm2" else min(max_tokens, m.encoder_max_tokens)
    if len(ids) < 2 or (model == "minilm" and len(ids) < 3):
        raise InputError("the text has no tokens to read")
    if len(ids) <= limit:
        return ids, 0, ""
    if model == "minilm":
        kept = [ids[0], *ids[-(limit - 1):]]
    else:
        kept = [ids[0], *ids[-(limit - 1):]]
    cut = len(ids) - len(kept)
    note = (f"the text is {len(ids):,} tokens; the attention view reads at most {limit}: the first {cut:,} after "
            "the start token are left out")
    return kept, cut, note


def attention(m: AttentionModel, text: str, *, model: str = "smollm2", intervention: Intervention = NONE,
              max_tokens: int = MAX_TOKENS) -> AttentionView:
    """Every head's weights for ``text`` (one pass), with the pattern scores."""
    ids, cut, note = tokens_of(m, text, model, max_tokens=max_tokens)
    return view_of_ids(m, ids, model=model, intervention=intervention, cut=cut, note=note)


def view_of_ids(m: AttentionModel, ids, *, model: str = "smollm2", intervention: Intervention = NONE,
                cut: int = 0, note: str = "") -> AttentionView:
    ids = [int(i) for i in ids]
    if model == "smollm2":
        out = m.lm_pass(ids, intervention=intervention,
                        outputs=("logits", "attentions", "hidden_states", "value_norms"))
        tok, logits, causal = m.tokenizer, out["logits"][0, -1], True
    else:
        out = m.encoder_pass(ids, intervention=intervention)
        tok, logits, causal = m.encoder_tokenizer, None, False
    weights = np.ascontiguousarray(out["attentions"][:, 0])
    view = AttentionView(model, tuple(tok.readable(i) for i in ids), tuple(ids), weights,
                         np.ascontiguousarray(out["value_norms"][:, 0]), out["hidden_states"][:, 0], logits,
                         pattern_scores(weights, ids), cut, note, causal, intervention)
    return view


def pattern_scores(weights: np.ndarray, ids) -> dict[str, np.ndarray]:
    """previous-token, first-token and induction scores, each (layers, heads); NaN where a score has
    no position to be measured on (induction in a text with no repeated token)."""
    layers, heads, t, _ = weights.shape
    nan = np.full((layers, heads), np.nan, np.float32)
    q = np.arange(2, t)
    prev = weights[:, :, q, q - 1].mean(-1) if len(q) else nan
    q1 = np.arange(1, t)
    first = weights[:, :, q1, 0].mean(-1) if len(q1) else nan
    rows, cols = induction_targets(ids)
    if rows:
        hit = np.zeros((layers, heads, t), np.float32)
        np.add.at(hit, (slice(None), slice(None), np.asarray(rows)), weights[:, :, rows, cols])
        induction = hit[:, :, sorted(set(rows))].mean(-1)
    else:
        induction = nan
    return {"previous_token": prev.astype(np.float32), "first_token": first.astype(np.float32),
            "induction": induction.astype(np.float32)}


def induction_targets(ids) -> tuple[list[int], list[int]]:
    """(query, key) pairs of the induction score: for a token at i seen earlier at j (< i), the key
    j + 1 (the token that followed it then), when j + 1 < i. The first token never counts."""
    rows, cols = [], []
    seen: dict[int, list[int]] = {}
    for i, tid in enumerate(ids):
        if i == 0:
            continue
        for j in seen.get(tid, []):
            if j + 1 < i:
                rows.append(i)
                cols.append(j + 1)
        seen.setdefault(tid, []).append(i)
    return rows, cols


def ranked(view: AttentionView, score: str) -> list[tuple[int, int, float]]:
    """Every head as (layer, head, score), the highest first (NaN scores last)."""
    if score not in SCORES:
        raise InputError(f"unknown score {score!r}: {', '.join(SCORES)}")
    s = view.scores[score]
    order = np.argsort(-np.nan_to_num(s, nan=-1.0), axis=None, kind="stable")
    return [(int(i // s.shape[1]), int(i % s.shape[1]), float(s.flat[i])) for i in order]


def layer_average(view: AttentionView, layer: int) -> np.ndarray:
    """(T, T): the mean of a layer's heads."""
    return view.weights[layer].mean(0)


def repeated_random_tokens(m: AttentionModel, n: int = 20, seed: int = 0) -> list[int]:
    """The start token, ``n`` random ordinary tokens, then the same ``n`` again (the induction test)."""
    rng = np.random.default_rng(seed)
    pool = np.arange(1000, min(m.vocab_size, 20000))
    half = [int(i) for i in rng.choice(pool, size=n, replace=False)]
    return [m.bos_id, *half, *half]


def to_json(view: AttentionView, digits: int = 4) -> dict:
    """The shape ``main.py attention --json`` prints."""
    layers = []
    for layer in range(view.n_layers):
        heads = []
        for head in range(view.n_heads):
            w = np.round(view.weights[layer, head].astype(np.float64), digits).tolist()
            sc = {k: (None if np.isnan(v[layer, head]) else round(float(v[layer, head]), digits))
                  for k, v in view.scores.items()}
            heads.append({"head": head, "weights": w, "scores": sc})
        layers.append({"layer": layer, "heads": heads})
    return {"tokens": list(view.tokens), "layers": layers}
