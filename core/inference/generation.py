"""Step-by-step decoding with the built language model, over core.inference.trace.

    gen = start(lm, "Once upon a", temperature=0.7)
    gen.last.top[0].text          # " time"
    gen.step(gen.last.top[0].id)  # one cached pass: the distribution of the token after it
    text = run_sync(generate(lm, "Once upon a", 20, seed=0))

``generate`` draws each token with :func:`core.inference.sampling.draw` (seeded by the seed and
the step number): the same seed gives the same text here, in ``main.py generate`` and in the
window's Generate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..progress import Job, Progress, run_sync
from .language_model import LanguageModel, NextToken
from .tokenizer import Token
from .trace import Settings, Trace, append, generate_steps, read_prompt


def _settings(sampling: dict) -> Settings:
    return Settings(sampling.get("temperature", 1.0), sampling.get("top_k"), sampling.get("top_p"))


@dataclass
class Generation:
    """Incremental decoding state: a :class:`Trace` and the :class:`NextToken` view of its last step."""

    lm: LanguageModel
    prompt: str
    sampling: dict
    precision: str = "auto"  # requested: "auto" / "fp32" / "q4"; each NextToken says what answered
    trace: Trace | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.trace = run_sync(read_prompt(self.lm, self.prompt, precision=self.precision, chunk=1 << 30))

    @property
    def tokens(self) -> list[Token]:
        return [*self.trace.tokens, *(s.token for s in self.trace.steps)]

    @property
    def generated(self) -> list[int]:
        return list(self.trace.appended)

    @property
    def last(self) -> NextToken:
        s = {"temperature": 1.0, "top_k": None, "top_p": None, "n_top": 10, **self.sampling}
        return self.lm.distribution(self.tokens, self.trace.logits, None, s["temperature"], s["top_k"], s["top_p"],
                                    s["n_top"], self.trace.answered)

    @property
    def length(self) -> int:
        """Positions held in the cache."""
        return self.lm.cache_length(self.trace.cache)

    def step(self, token_id: int) -> NextToken:
        """Append one token; returns the distribution of the token after it (one cached pass)."""
        self.trace = append(self.trace, [token_id], _settings(self.sampling))
        return self.last

    def sample(self, rng: np.random.Generator | None = None) -> int:
        """Draw the next token id from the current (filtered) distribution."""
        rng = rng or np.random.default_rng()
        probs = _settings(self.sampling).probs(self.trace.logits)
        return int(rng.choice(len(probs), p=probs))

    @property
    def generated_text(self) -> str:
        return self.trace.generated_text

    @property
    def text(self) -> str:
        return self.trace.text


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
    trace = yield from read_prompt(lm, text, precision=precision or lm.precision)
    if seed is None:  # a fresh seed each call
        seed = int(np.random.SeedSequence().entropy) & 0xFFFFFFFF
    job = generate_steps(trace, max_new_tokens, seed=seed,
                         settings=Settings(temperature, top_k, top_p), stop_at_eos=stop_at_eos)
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value.generated_text
        yield Progress(p.fraction, p.payload.generated_text, payload=p.payload.steps[-1].token.id)
