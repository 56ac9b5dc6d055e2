"""Contextual embeddings across layers: one word in several sentences, its vector at every layer of
the causal SmolLM2 and of the bidirectional MiniLM, so a river bank and a money bank can be seen
starting together and parting by sense.

    ctx = run_sync(contextual_job("bank", PRESETS["bank"]))
    smol = ctx.model("smollm2")
    smol.vectors.shape                      # (sentences, 31, 576)
    smol.cosines(12)                        # sentence-by-sentence cosine at layer 12
    within, across = smol.sense_gap([s.sense for s in ctx.sentences])

A word split into several tokens is the mean of its tokens' vectors (``pieces`` says which).
SmolLM2 reads only the words before each position, so the words after the word cannot change its
vector; MiniLM reads the whole sentence. SmolLM2's input layer is the token embedding itself (the
same point in every sentence for a one-token word); MiniLM's adds position embeddings.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..embeddings.embedding_set import EmbeddingSet
from ..errors import InputError
from ..progress import Job, Progress

if TYPE_CHECKING:  # importing this module opens no onnxruntime (the Session imports its Sentence)
    from .tokenizer import Token

MODELS = ("smollm2", "minilm")
SEES = {
    "smollm2": "SmolLM2 is causal: it reads only the words before the word, so nothing after it changes its vector",
    "minilm": "MiniLM is bidirectional: it reads the whole sentence, the words before and after",
}
MAX_SENTENCES = 12


@dataclass(frozen=True)
class Sentence:
    sense: str  # a label the sentences are grouped by ("river", "money"); may be ""
    text: str


def _preset(*pairs: tuple[str, str]) -> tuple[Sentence, ...]:
    return tuple(Sentence(sense, text) for sense, text in pairs)


# The first two of each sense give the context before the word (what the causal model can use);
# the last of each gives it only after the word, where only MiniLM can see it.
PRESETS: dict[str, tuple[Sentence, ...]] = {
    "bank": _preset(
        ("river", "We had a picnic by the river and sat on the grassy bank."),
        ("river", "The canoe drifted slowly toward the muddy bank."),
        ("money", "He borrowed money from the bank to buy a house."),
        ("money", "Interest rates at the bank went up again."),
        ("river", "The bank was steep, and the river below it ran fast."),
        ("money", "The bank approved her loan and opened an account."),
    ),
    "trouble": _preset(
        ("bother", "I am sorry to trouble you so late at night."),
        ("bother", "May I trouble you for a glass of water?"),
        ("difficulty", "The old car gave us a lot of trouble."),
        ("difficulty", "After the storm the village was in serious trouble."),
        ("bother", "Please do not trouble yourself with the dishes."),
        ("difficulty", "Trouble started when the power went out."),
    ),
}


@dataclass(frozen=True, eq=False)
class Trajectories:
    """One model's vectors of the word: (sentences, layers, width)."""

    key: str  # "smollm2" | "minilm"
    model: str  # display name
    layer_names: tuple[str, ...]
    vectors: np.ndarray
    pieces: tuple[tuple[str, ...], ...]  # the word's tokens in each sentence

    @property
    def sees(self) -> str:
        return SEES.get(self.key, "")

    @property
    def layers(self) -> int:
        return self.vectors.shape[1]

    @property
    def split(self) -> bool:
        """The word is more than one token in some sentence (its vector is their mean)."""
        return any(len(p) > 1 for p in self.pieces)

    def unit(self) -> np.ndarray:
        n = np.linalg.norm(self.vectors, axis=-1, keepdims=True)
        return (self.vectors / np.where(n > 0, n, 1)).astype(np.float32)

    def all_cosines(self) -> np.ndarray:
        """(layers, sentences, sentences)."""
        u = self.unit()
        return np.einsum("nld,mld->lnm", u, u)

    def cosines(self, layer: int) -> np.ndarray:
        return self.all_cosines()[layer]

    def sense_gap(self, senses: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Mean cosine between sentences of the same sense and of different senses, per layer
        (NaN where there is no such pair)."""
        s = np.asarray(senses, object)
        same = (s[:, None] == s[None, :]) & ~np.eye(len(s), dtype=bool)
        other = s[:, None] != s[None, :]
        c = self.all_cosines()
        nan = np.full(self.layers, np.nan)
        within = c[:, same].mean(axis=1) if same.any() else nan
        across = c[:, other].mean(axis=1) if other.any() else nan
        return within, across


@dataclass(frozen=True, eq=False)
class Contextual:
    word: str
    sentences: tuple[Sentence, ...]
    models: tuple[Trajectories, ...]
    seconds: float

    @property
    def senses(self) -> list[str]:
        return [s.sense for s in self.sentences]

    def model(self, key: str) -> Trajectories:
        return next(t for t in self.models if t.key == key)


def find_word(text: str, word: str, index: int = 0) -> tuple[int, int]:
    """(start, end) of ``word`` in ``text``: the first whole-word match, any case."""
    m = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE)
    if m is None:
        raise InputError(f"“{word}” is not in sentence {index + 1}: “{text}”")
    return m.span()


def word_positions(tokens: list[Token], span: tuple[int, int]) -> list[int]:
    """Positions of the tokens that overlap the character span (special tokens never do)."""
    s, e = span
    return [i for i, t in enumerate(tokens) if t.start >= 0 and t.start < e and t.end > s]


def check(word: str, sentences: list[Sentence]) -> list[tuple[int, int]]:
    """The word's span in each sentence; InputError for an empty word, no sentences or a miss."""
    word = word.strip()
    if not word:
        raise InputError("type the word the sentences share")
    if not sentences:
        raise InputError("give at least one sentence with the word")
    if len(sentences) > MAX_SENTENCES:
        raise InputError(f"{len(sentences)} sentences; at most {MAX_SENTENCES}")
    return [find_word(s.text, word, i) for i, s in enumerate(sentences)]


def _trajectories(key, model, layer_names, layers_of, tokens, spans) -> Trajectories:
    vectors, pieces = [], []
    for i, (toks, span) in enumerate(zip(tokens, spans)):
        pos = word_positions(toks, span)
        if not pos:  # cannot happen for a word found in the text, but say so if it does
            raise InputError(f"{model} has no token for the word in sentence {i + 1}")
        vectors.append(layers_of(i)[:, pos].mean(axis=1))
        pieces.append(tuple(toks[p].text for p in pos))
    return Trajectories(key, model, tuple(layer_names), np.stack(vectors).astype(np.float32), tuple(pieces))


def decoder_trajectories(lm, sentences: list[Sentence], spans) -> Trajectories:
    """SmolLM2: one right-padded pass over each sentence up to the word (a causal model never looks
    at what comes after a token, padding or the rest of the sentence)."""
    tokens = [lm.tokenize(s.text) for s in sentences]
    tokens = [toks[: max(word_positions(toks, span), default=len(toks) - 1) + 1] for toks, span in zip(tokens, spans)]
    width = max(len(t) for t in tokens)
    pad = lm.eos_id if lm.eos_id >= 0 else 0
    ids = np.full((len(tokens), width), pad, np.int64)
    for i, t in enumerate(tokens):
        ids[i, : len(t)] = [x.id for x in t]
    hidden = lm.forward(ids, ("hidden_states",))["hidden_states"]  # (layers, n, seq, width)
    names = lm.layer_names or [f"layer {i}" for i in range(hidden.shape[0])]
    return _trajectories("smollm2", lm.display_name, names, lambda i: hidden[:, i], tokens, spans)


def encoder_trajectories(enc, sentences: list[Sentence], spans) -> Trajectories:
    """MiniLM: one padded pass with its attention mask."""
    tokens = [enc.tokenizer.encode(s.text) for s in sentences]
    out, _ = enc.run_batch([[t.id for t in toks] for toks in tokens], ("hidden_states",))
    hidden = out["hidden_states"]
    names = enc.layer_names or [f"layer {i}" for i in range(hidden.shape[0])]
    return _trajectories("minilm", enc.display_name, names, lambda i: hidden[:, i], tokens, spans)


def contextual(lm, enc, word: str, sentences: list[Sentence]) -> Contextual:
    t0 = time.perf_counter()
    sentences = list(sentences)
    spans = check(word, sentences)
    models = (decoder_trajectories(lm, sentences, spans), encoder_trajectories(enc, sentences, spans))
    return Contextual(word.strip(), tuple(sentences), models, time.perf_counter() - t0)


def contextual_job(word: str, sentences: list[Sentence]) -> Job[Contextual]:
    """Open the two built models (once per process) and compute the trajectories."""
    from . import registry

    check(word, list(sentences))  # a typo is reported before a model opens
    yield Progress(-1, "opening SmolLM2-135M and all-MiniLM-L6-v2")
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    enc = registry.open(registry.ENCODER)
    yield Progress(0.5, f"reading {len(sentences)} sentences through both models")
    return contextual(lm, enc, word, sentences)


def sentence_label(i: int, s: Sentence) -> str:
    return f"{s.sense} {i + 1}" if s.sense else f"sentence {i + 1}"


def trajectory_set(ctx: Contextual, key: str) -> tuple[EmbeddingSet, list[list[int]]]:
    """One model's trajectories as an embedding set (unit vectors: the residual stream's norm grows
    with depth, and cosine is what is compared), and each sentence's rows in layer order.

    Rows run from the last layer down, sentence by sentence within a layer, so the cloud's labels
    for its first rows name where each trajectory ends."""
    traj = ctx.model(key)
    unit = traj.unit()
    n, layers, _ = unit.shape
    order = [(s, layer) for layer in reversed(range(layers)) for s in range(n)]
    labels = [sentence_label(i, s) for i, s in enumerate(ctx.sentences)]
    words = [f"{labels[s]} · L{layer}" for s, layer in order]
    meta = {"sentence": [f"{s + 1}. {ctx.sentences[s].text}" for s, _ in order],
            "sense": [ctx.sentences[s].sense or "-" for s, _ in order],
            "layer": [str(layer) for _, layer in order]}
    vectors = np.stack([unit[s, layer] for s, layer in order])
    rows = [[(layers - 1 - layer) * n + s for layer in range(layers)] for s in range(n)]
    es = EmbeddingSet(words, vectors, name=f"“{ctx.word}” across {traj.model}'s layers",
                      source=f"contextual:{key}", metadata=meta)
    return es, rows
