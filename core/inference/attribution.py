"""What made a prediction: each prompt token's share in the log-probability of one target token.

    m = registry.open(registry.ATTENTION)
    a = attribute(m, "The capital of France is", target=" Paris")
    a.tokens, a.scores["occlusion"], a.scores["attention_x_value"]

Methods (:data:`METHODS`, each with what it measures in :data:`METHOD_TEXT`):

* **occlusion** — the drop in the target's log-probability when that token is removed from the
  prompt (all prompt tokens in one batched pass: T − 1 shortened prompts). Positive: the token
  helped the prediction; negative: it worked against it. Causal, in nats, but one pass of T − 1 rows.
* **attention × value norm** — for the last position, the weight of each token summed over
  every layer and head, each weight times |v_j W_O^h| (how much that head actually moves from the
  token; Kobayashi et al. 2020), as a share of the tokens after the start token. No extra pass.

Attention rollout (Abnar & Zuidema 2020) was tried and left out: SmolLM2's heads park most of their
weight on the first tokens (the sink), and the product over 30 layers gives the first word ~1.0 in
every prompt, which says nothing about the prediction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .attention import AttentionView, tokens_of, view_of_ids
from .attention_model import NONE, AttentionModel, Intervention
from .sampling import log_softmax

METHODS = ("occlusion", "attention_x_value")
METHOD_TEXT = {
    "occlusion": "drop in the target's log-probability when the token is removed (one batched pass)",
    "attention_x_value": "attention from the last position × |value·W_O|, summed over heads and layers (no extra "
                         "pass)",
}


@dataclass(frozen=True, eq=False)
class Attribution:
    tokens: tuple[str, ...]  # readable prompt tokens (start token first)
    target_id: int
    target: str  # readable
    log_prob: float  # of the target after the whole prompt
    scores: dict[str, np.ndarray] = field(repr=False)  # method -> (T,), the start token's entry is 0 for occlusion
    view: AttentionView | None = field(default=None, repr=False)
    note: str = ""

    def as_rows(self, digits: int = 4) -> list[dict]:
        return [{"token": t, **{m: round(float(self.scores[m][i]), digits) for m in METHODS}}
                for i, t in enumerate(self.tokens)]


def target_id(m: AttentionModel, target: str | int | None, logits: np.ndarray) -> int:
    """The target as a token id: None = the top token; an int = that id; a string = the one token it is
    (as typed or with a leading space, the likelier of the two); anything else is an InputError naming
    its pieces."""
    if target is None:
        return int(np.argmax(logits))
    if isinstance(target, int):
        if not 0 <= target < m.vocab_size:
            raise InputError(f"token id {target} is outside the vocabulary (0..{m.vocab_size - 1})")
        return target
    forms = {target, " " + target.lstrip()} if not target.startswith(" ") else {target}
    ids = [ids[0] for f in sorted(forms) if len(ids := m.tokenizer.encode_ids(f, add_special_tokens=False)) == 1]
    if ids:  # "Paris" after "is" means " Paris": of the forms that are one token, the likelier one
        return max(ids, key=lambda i: float(logits[i]))
    pieces = [m.tokenizer.readable(i) for i in m.tokenizer.encode_ids(target, add_special_tokens=False)]
    raise InputError(f"{target!r} is not one token of SmolLM2-135M's vocabulary (it reads as "
                     f"{' + '.join(pieces) or 'nothing'}); a prediction is one token: pick a bar")


def attribute(m: AttentionModel, text: str, target: str | int | None = None, *,
              intervention: Intervention = NONE, view: AttentionView | None = None) -> Attribution:
    """Every method's score per prompt token for ``target`` (None: the top next token)."""
    if view is None:
        ids, _, note = tokens_of(m, text)
        view = view_of_ids(m, ids, intervention=intervention, note=note)
    ids = list(view.ids)
    if len(ids) < 3:
        raise InputError("attribution needs at least two tokens after the start token: with one there is "
                         "nothing to compare it with")
    tid = target_id(m, target, view.logits)
    lp = float(log_softmax(view.logits)[tid])
    scores = {"occlusion": occlusion(m, ids, tid, intervention=intervention, base=lp),
              "attention_x_value": attention_x_value(view)}
    return Attribution(view.tokens, tid, m.tokenizer.readable(tid), lp, scores, view, view.note)


def occlusion(m: AttentionModel, ids: list[int], tid: int, *, intervention: Intervention = NONE,
              base: float | None = None) -> np.ndarray:
    """(T,): log p(target | prompt) − log p(target | prompt without token i), for i ≥ 1, in one pass."""
    t = len(ids)
    rows = np.array([[*ids[:i], *ids[i + 1:]] for i in range(1, t)], np.int64)
    out = m.lm_pass(rows, intervention=intervention, outputs=("logits",))
    lps = log_softmax(out["logits"][:, -1])[:, tid]
    if base is None:
        base = float(log_softmax(m.lm_pass(ids, intervention=intervention, outputs=("logits",))["logits"][0, -1])[tid])
    return np.concatenate([[0.0], base - lps]).astype(np.float32)


def attention_x_value(view: AttentionView) -> np.ndarray:
    """(T,): the last position's weights times |v W_O| per head, summed over heads and layers, as a share
    of the tokens after the start token (the sink's share is left out: it is large in every prompt)."""
    w = view.weights[:, :, -1, :] * view.value_norms  # (layers, heads, T)
    s = w.sum((0, 1)).astype(np.float64)
    s[0] = 0.0
    return (s / s.sum()).astype(np.float32) if s.sum() > 0 else s.astype(np.float32)



def attribute_gap(m: AttentionModel, sentence: str, word: str) -> Attribution:
    """For the Masked word panel: what in the text before the ``[MASK]`` made ``word`` (its first token)
    likely in the gap. SmolLM2 reads left to right, so the words after the gap are not counted."""
    from .masked_fill import split_mask

    left, _ = split_mask(sentence)
    prompt = left.rstrip()
    if not prompt:
        raise InputError("nothing before the [MASK] to explain the word with: SmolLM2 reads left to right")
    ids = m.tokenizer.encode_ids((" " if left != prompt else "") + word.strip(), add_special_tokens=False)
    if not ids:
        raise InputError("no word to explain")
    a = attribute(m, prompt, int(ids[0]))
    if len(ids) > 1:
        a = Attribution(a.tokens, a.target_id, a.target, a.log_prob, a.scores, a.view,
                        f"{word!r} is {len(ids)} tokens; its first, {a.target!r}, is explained")
    return a
