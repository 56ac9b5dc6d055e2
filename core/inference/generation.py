"""Step-by-step decoding: run a prompt once, then one cached pass per appended token.

    gen = start(lm, "Once upon a", temperature=0.7)
    gen.last.top[0].text          # " time"
    gen.step(gen.last.top[0].id)  # one cached pass: the distribution of the token after it
    text = run_sync(generate(lm, "Once upon a", 20, seed=0))
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..progress import Job, Progress
from .language_model import LanguageModel, NextToken
from .tokenizer import Token


@dataclass
class Generation:
    """Incremental decoding state: the prompt, the tokens added, and the key/value cache."""

    lm: LanguageModel
    prompt: str
    sampling: dict
    tokens: list[Token] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    last: NextToken | None = None
    _kv: np.ndarray | None = None
    precision: str = "auto"  # requested: "auto" / "fp32" / "q4"; each NextToken says what answered

    def __post_init__(self) -> None:
        self.tokens = self.lm.tokenize(self.prompt)
        ids = np.array([[t.id for t in self.tokens]])
        res, label = self.lm.full_pass(ids, ("logits", "present_kv"), self.precision)
        self._kv = res["present_kv"]
        self.last = self._make(res["logits"][0, -1], label)

    def _make(self, logits: np.ndarray, label: str) -> NextToken:
        s = {"temperature": 1.0, "top_k": None, "top_p": None, "n_top": 10, **self.sampling}
        return self.lm.distribution(self.tokens, logits, None, s["temperature"], s["top_k"], s["top_p"], s["n_top"],
                                    label)

    @property
    def length(self) -> int:
        """Positions held in the cache."""
        return int(self._kv.shape[4])

    def step(self, token_id: int) -> NextToken:
        """Append one token; returns the distribution of the token after it (one cached pass)."""
        tid = int(token_id)
        if not 0 <= tid < self.lm.vocab_size:
            raise InputError(f"token id {tid} is outside the vocabulary (0..{self.lm.vocab_size - 1})")
        res, label = self.lm.cached_pass(np.array([[tid]]), self._kv, ("logits", "present_kv"), self.precision)
        self._kv = res["present_kv"]
        self.generated.append(tid)
        tok = self.lm.tokenizer
        self.tokens = [*self.tokens, Token(tid, tok.token(tid), tok.text(tid), -1, -1)]
        self.last = self._make(res["logits"][0, -1], label)
        return self.last

    def sample(self, rng: np.random.Generator | None = None) -> int:
        """Draw the next token id from the current (filtered) distribution."""
        rng = rng or np.random.default_rng()
        return int(rng.choice(len(self.last.probs), p=self.last.probs))

    @property
    def generated_text(self) -> str:
        return self.lm.tokenizer.decode(self.generated)

    @property
    def text(self) -> str:
        return self.prompt + self.generated_text


def start(lm: LanguageModel, text: str, *, precision: str | None = None, **sampling) -> Generation:
    """Run the prompt once; the returned :class:`Generation` then steps one token at a time."""
    return Generation(lm, text, sampling, precision=precision or lm.precision)


def generate(
    lm: LanguageModel,
    text: str,
    max_new_tokens: int = 20,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    stop_at_eos: bool = True,
    precision: str | None = None,
) -> Job[str]:
    """Sample a continuation token by token (a job); returns the generated text."""
    rng = np.random.default_rng(seed)
    gen = start(lm, text, temperature=temperature, top_k=top_k, top_p=top_p, precision=precision)
    for i in range(max_new_tokens):
        tid = gen.sample(rng)
        if stop_at_eos and tid == lm.eos_id:
            break
        gen.step(tid)
        yield Progress((i + 1) / max_new_tokens, gen.generated_text, payload=tid)
    return gen.generated_text
