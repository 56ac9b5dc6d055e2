"""Changing the language model from inside: heads switched off, a direction added to the residual
stream, and the search for the heads a prediction depends on.

    m = registry.open(registry.ATTENTION)
    iv = Intervention.of(ablate=parse_heads("3.1,12.4", m))
    d = word_direction(m, [("sad", "happy")])                    # on SmolLM2's own token embeddings
    d = prompt_direction(m, "I love this", "I hate this", layer=8)  # mean difference of hidden states
    v = steering_vector(m, d, layer=8, strength=0.5, prompt="I feel so")
    iv = Intervention.of(steer_layer=8, steer=v)
    dist = next_distribution(m, "I think that", iv)              # a Distribution, like the bars
    text = run_sync(generate_with(m, "I think that", iv, 20, Sampling(temperature=0)))
    heads = run_sync(find_heads(m, "The capital of France is"))  # [(layer, head, Δ log p), ...]

The strength of a steering vector is a multiple of the typical size of the residual stream at
that layer (the median |h| over the prompt's tokens, the start token left out), so 1 adds a
vector as long as a typical hidden state there, whatever the layer. Strength 0 is no change; on
"I feel so", sad->happy at layer 8 turns the text at 0.5 and breaks it from about 1.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..progress import Job, Progress
from .attention_model import NONE, AttentionModel, Intervention, InterventionDecoder
from .distribution import Distribution, render
from .generation import generate
from .sampling import PLAIN, Sampling, log_softmax

MAX_STRENGTH = 20.0
HEAD_BATCH = 27  # ablated copies of the prompt per pass in the head search


def parse_heads(spec: str, m: AttentionModel) -> list[tuple[int, int]]:
    """``"3.1,12.4"`` -> [(3, 1), (12, 4)]; a malformed item or a head that does not exist is an InputError."""
    heads = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        layer, dot, head = item.partition(".")
        if not dot or not layer.strip().isdigit() or not head.strip().isdigit():
            raise InputError(f"{item!r} is not a head: write LAYER.HEAD, numbered from 0 (for example 3.1)")
        m.check_head(int(layer), int(head))
        heads.append((int(layer), int(head)))
    if not heads:
        raise InputError("no head given: write LAYER.HEAD[,LAYER.HEAD…], for example 3.1,12.4")
    return heads


def parse_pairs(spec: str) -> list[tuple[str, str]]:
    """``"sad->happy,cold->hot"`` -> [("sad", "happy"), ("cold", "hot")]."""
    pairs = []
    for item in (s for s in spec.split(",") if s.strip()):
        a, arrow, b = item.partition("->")
        if not arrow or not a.strip() or not b.strip():
            raise InputError(f"{item.strip()!r} is not a pair: write FROM->TO, for example sad->happy")
        pairs.append((a.strip(), b.strip()))
    if not pairs:
        raise InputError("no word pair given: write FROM->TO[,FROM->TO…], for example sad->happy")
    return pairs


def word_id(m: AttentionModel, word: str) -> int:
    """The one token of `` word`` (as it reads inside a sentence), else of ``word``; else an InputError."""
    for form in (" " + word, word):
        ids = m.tokenizer.encode_ids(form, add_special_tokens=False)
        if len(ids) == 1:
            return ids[0]
    pieces = [m.tokenizer.readable(i) for i in m.tokenizer.encode_ids(" " + word, add_special_tokens=False)]
    raise InputError(f"{word!r} is not in SmolLM2-135M's vocabulary as one token (it reads as "
                     f"{' + '.join(pieces)}); steering words must be single tokens")


def embeddings_of(m: AttentionModel, ids: Sequence[int]) -> np.ndarray:
    """(n, hidden): the model's own input embedding rows, read from the graph (its layer-0 stream)."""
    out = m.lm_pass(np.array([list(ids)]), outputs=("hidden_states",))
    return out["hidden_states"][0, 0].astype(np.float64)


def word_direction(m: AttentionModel, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Unit (hidden,): the mean of E[to] − E[from] over the pairs, on SmolLM2's token embeddings."""
    ids = [i for a, b in pairs for i in (word_id(m, a), word_id(m, b))]
    e = embeddings_of(m, ids)
    return _unit(np.mean(e[1::2] - e[0::2], axis=0), "the word pairs have the same embedding")


def prompt_direction(m: AttentionModel, toward: str, away: str, layer: int) -> np.ndarray:
    """Unit (hidden,): the mean hidden state at ``layer`` over ``toward``'s tokens minus ``away``'s."""
    _check_layer(m, layer)
    means = []
    for text in (toward, away):
        if not text.strip():
            raise InputError("both contrasting prompts need some text")
        ids = m.tokenizer.encode_ids(text)
        h = m.lm_pass(ids, outputs=("hidden_states",))["hidden_states"][layer, 0, 1:]
        means.append(h.astype(np.float64).mean(0))
    return _unit(means[0] - means[1], "the two prompts give the same mean hidden state")


def stream_scale(m: AttentionModel, prompt: str, layer: int) -> float:
    """The median |h| at ``layer`` over the prompt's tokens (the start token left out)."""
    ids = m.tokenizer.encode_ids(prompt or " ")
    h = m.lm_pass(ids, outputs=("hidden_states",))["hidden_states"][layer, 0]
    h = h[1:] if len(h) > 1 else h
    return float(np.median(np.linalg.norm(h, axis=-1)))


def steering_vector(m: AttentionModel, direction: np.ndarray, layer: int, strength: float, prompt: str) -> np.ndarray:
    """``strength`` × the prompt's typical |h| at ``layer`` × the unit ``direction``."""
    _check_layer(m, layer)
    strength = float(strength)
    if not np.isfinite(strength) or abs(strength) > MAX_STRENGTH:
        raise InputError(f"a steering strength of {strength:g} is out of range: it is a multiple of the typical "
                         f"size of the residual stream, between −{MAX_STRENGTH:g} and {MAX_STRENGTH:g}")
    return (strength * stream_scale(m, prompt, layer) * np.asarray(direction, np.float64)).astype(np.float32)


def next_distribution(m: AttentionModel, text: str, intervention: Intervention = NONE, *,
                      sampling: Sampling = PLAIN, n: int = 10) -> Distribution:
    """The next token's bars with the intervention in place."""
    ids = m.tokenizer.encode_ids(text)
    logits = m.lm_pass(ids, intervention=intervention, outputs=("logits",))["logits"][0, -1]
    return render(logits, m.tokenizer.text, sampling, n=n, tokens=tuple(m.tokenizer.encode(text)))


def generate_with(m: AttentionModel, text: str, intervention: Intervention = NONE, n: int = 20,
                  sampling: Sampling = PLAIN, *, stop_at_eos: bool = True) -> Job[str]:
    """Generate ``n`` tokens with the intervention held (one cached step each); returns the new text."""
    decoder = InterventionDecoder(m, intervention)  # the step interface generation.generate reads with
    return (yield from generate(decoder, text, n, sampling=sampling, stop_at_eos=stop_at_eos,  # type: ignore[arg-type]
                                precision="fp32"))


def find_heads(m: AttentionModel, text: str, target: int | None = None, *, top: int = 10,
               base: Intervention = NONE) -> Job[list[tuple[int, int, float]]]:
    """The heads whose removal lowers the target's log-probability most (a job; 270 ablated copies
    of the prompt in batches of :data:`HEAD_BATCH`): ``[(layer, head, Δ log p), ...]``, the largest
    drop first. ``target`` None: the top next token."""
    ids = m.tokenizer.encode_ids(text)
    if len(ids) < 2:
        raise InputError("the prompt is empty: type a few words first")
    logits = m.lm_pass(ids, intervention=base, outputs=("logits",))["logits"][0, -1]
    tid = int(np.argmax(logits)) if target is None else int(target)
    before = float(log_softmax(logits)[tid])
    heads = [(a, b) for a in range(m.n_layers) for b in range(m.n_heads) if (a, b) not in base.ablate]
    drops: list[tuple[int, int, float]] = []
    for start in range(0, len(heads), HEAD_BATCH):
        chunk = heads[start:start + HEAD_BATCH]
        feeds = m.feeds(base, len(chunk))
        for row, (a, b) in enumerate(chunk):
            feeds["head_mask"][row, a, b] = 0.0
        batch = np.repeat(np.array([ids], np.int64), len(chunk), axis=0)
        out = m.run(["logits"], {"input_ids": batch, "past_kv": m.empty_cache(len(chunk)),
                                 "logits_at": np.array([len(ids) - 1], np.int64), **feeds})
        lps = log_softmax(out["logits"][:, -1])[:, tid]
        drops += [(a, b, before - float(lp)) for (a, b), lp in zip(chunk, lps)]
        yield Progress(min(1.0, (start + len(chunk)) / len(heads)), f"{start + len(chunk)} of {len(heads)} heads")
    drops.sort(key=lambda r: -r[2])
    return drops[:top]


def _check_layer(m: AttentionModel, layer: int) -> None:
    if not 0 <= int(layer) < m.n_layers:
        raise InputError(f"there is no layer {layer} to steer at: SmolLM2-135M's layers are numbered "
                         f"0–{m.n_layers - 1}")


def _unit(v: np.ndarray, why: str) -> np.ndarray:
    n = float(np.linalg.norm(v))
    if n < 1e-8:
        raise InputError(f"no direction: {why}")
    return v / n


def build_intervention(m: AttentionModel, prompt: str, *, ablate: Sequence[tuple[int, int]] = (),
                       source: str = "words", words: str = "", prompts: tuple[str, str] = ("", ""),
                       layer: int = 0, strength: float = 0.0) -> Intervention:
    """The panel's settings as one Intervention: the heads off, and a steering vector when the
    strength is not 0 (from word pairs on the token embeddings, or from two contrasting prompts)."""
    vector = None
    if strength:
        if source == "words":
            direction = word_direction(m, parse_pairs(words))
        elif source == "prompts":
            direction = prompt_direction(m, prompts[0], prompts[1], layer)
        else:
            raise InputError(f"unknown direction source {source!r}: words or prompts")
        vector = steering_vector(m, direction, layer, strength, prompt)
    return Intervention.of(ablate, layer, vector)


class SteeredForward:
    """What the logit lens reads of a language model (``core.inference.lens.lens_job``: tokenize, the
    tokenizer, layer names, the graph its head comes from, ``forward``), with the passes made by the
    inspection graph under an intervention: the lens of the model with heads off or steered. The head
    (final norm, unembedding) is the shipped model's: the same weights."""

    def __init__(self, lm, decoder: InterventionDecoder) -> None:
        self._lm, self._decoder = lm, decoder
        self.tokenizer, self.layer_names = lm.tokenizer, lm.layer_names

    @property
    def session(self):
        return self._lm.session

    def tokenize(self, text: str):
        return self._lm.tokenize(text)

    def forward(self, ids, outputs=("logits",)):
        ids = np.atleast_2d(ids)
        m = self._decoder.model
        return m.lm_pass(ids, intervention=self._decoder.intervention, logits_at=range(ids.shape[1]),
                         outputs=tuple(outputs))
